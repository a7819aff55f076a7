"""Safe mode: after repeated boots that never became healthy (bootslot.py), run only what lets the
hub see and mend the bench: the hotspot with a short notice in the five languages, the uplink
(proposals already on flash still go; telemetry says safe_mode), and updates. The portal, the
power task and everything else that may be what fails stay unloaded.

It ends after SAFE_HEALTHY_MS of a steady uplink (the fault may have been outside: a broker down,
a flat battery) or at once by the hub's command leave_safe_mode; both restart the full bench.
"""
import asyncio
import gc

import bootslot
from benchcore.compat import const

SAFE_HEALTHY_MS = const(600000)
_NOTICE = (
    b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/html; charset=utf-8\r\nRetry-After: 600\r\n"
    b"Cache-Control: no-store\r\nConnection: close\r\n\r\n"
    b"<!doctype html><html lang=bs><meta charset=utf-8>"
    b"<meta name=viewport content='width=device-width,initial-scale=1'><title>LINK</title>"
    b"<p>Klupa se trenutno popravlja. Prijedlozi su sa\xc4\x8duvani. Poku\xc5\xa1ajte ponovo kasnije.</p>"
    b"<p lang=hr>Klupa se trenutno popravlja. Prijedlozi su spremljeni. Poku\xc5\xa1ajte ponovno kasnije.</p>"
    b"<p lang=sr-Latn>Klupa se trenutno popravlja. Predlozi su sa\xc4\x8duvani. Poku\xc5\xa1ajte ponovo kasnije.</p>"
    b"<p lang=sr-Cyrl>\xd0\x9a\xd0\xbb\xd1\x83\xd0\xbf\xd0\xb0 \xd1\x81\xd0\xb5 \xd1\x82\xd1\x80\xd0\xb5"
    b"\xd0\xbd\xd1\x83\xd1\x82\xd0\xbd\xd0\xbe \xd0\xbf\xd0\xbe\xd0\xbf\xd1\x80\xd0\xb0\xd0\xb2\xd1\x99"
    b"\xd0\xb0. \xd0\x9f\xd1\x80\xd0\xb5\xd0\xb4\xd0\xbb\xd0\xbe\xd0\xb7\xd0\xb8 \xd1\x81\xd1\x83 "
    b"\xd1\x81\xd0\xb0\xd1\x87\xd1\x83\xd0\xb2\xd0\xb0\xd0\xbd\xd0\xb8. \xd0\x9f\xd0\xbe\xd0\xba\xd1\x83"
    b"\xd1\x88\xd0\xb0\xd1\x98\xd1\x82\xd0\xb5 \xd0\xbf\xd0\xbe\xd0\xbd\xd0\xbe\xd0\xb2\xd0\xbe "
    b"\xd0\xba\xd0\xb0\xd1\x81\xd0\xbd\xd0\xb8\xd1\x98\xd0\xb5.</p>"
    b"<p lang=en>This bench is being repaired. Ideas already sent are kept. Please try again later.</p>"
)



async def _close(writer):
    """MicroPython's Stream.close() does nothing; wait_closed() closes the socket (CPython: both)."""
    writer.close()
    await writer.wait_closed()


async def _notice(reader, writer):
    try:
        await asyncio.wait_for(reader.read(512), 3)  # the request itself does not matter
        writer.write(_NOTICE)
        await writer.drain()
    except Exception:  # a phone that went away
        pass
    await _close(writer)


async def _main(cfg):
    from benchcore.app import log, start_hotspot
    from benchcore.downlink import Downlink
    from benchcore.keepalive import KeepAlive
    from benchcore.keyring import Keyring
    from benchcore.outbox import Outbox
    from benchcore.state import BenchState
    from benchcore.uplink import Uplink
    from benchcore import protocol

    state = BenchState()
    boot = state.next_boot()
    protocol.start_sequence(boot)
    log("bench %s: SAFE MODE after %d boots that did not become healthy"
        % (cfg["bench_id"], bootslot.journal.get("unhealthy", 0)))
    hotspot = start_hotspot(cfg)
    outbox = Outbox(capacity=cfg["outbox"]["capacity"], max_bytes=cfg["outbox"]["max_bytes"], log=log)
    keyring = Keyring(cfg)
    downlink = Downlink(state, keyring, log=log)
    keepalive = KeepAlive(cfg, downlink, log=log)

    def telemetry():
        return [("outbox", len(outbox)), ("heap_free", gc.mem_free()), ("ap", hotspot.on)] + keepalive.telemetry()

    uplink = Uplink(cfg, outbox, state, keyring, boot, log=log, telemetry=telemetry, downlink=downlink)
    if keyring.usable:
        asyncio.create_task(uplink.run())
    keepalive.start(lambda: True, uplink=uplink if keyring.usable else None)
    keepalive.trial_ms = 1 << 29  # no release is on trial in safe mode
    portal = cfg["portal"]
    await asyncio.start_server(_notice, portal["host"], portal["port"])
    log("safe mode: notice on %s:%d" % (portal["host"], portal["port"]))
    steady = 0
    while True:
        await asyncio.sleep(1)
        steady = steady + 1000 if (uplink.connected or not keyring.usable) else 0
        if steady >= cfg.get("safe_mode", {}).get("healthy_s", SAFE_HEALTHY_MS // 1000) * 1000:
            log("safe mode: steady for a while: restarting the full bench")
            bootslot.update(safe=False, unhealthy=0)
            await asyncio.sleep_ms(500)
            import machine

            machine.reset()


def run(config_path="config.json"):
    from benchcore.config import load_config

    asyncio.run(_main(load_config(config_path)))
