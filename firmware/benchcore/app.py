"""Start the bench: config, outbox, hotspot, portal and uplink, as asyncio tasks."""
import asyncio
import gc
import json
import time

from benchcore import VERSION
from benchcore.config import ConfigError, load_config
from benchcore.clock import now as trusted_time
from benchcore.outbox import Outbox


def log(message):
    print("[%d] %s" % (time.time(), message))


class HeapWatch:
    """The most live heap seen after a collection, so the simulator and telemetry can report it."""

    def __init__(self):
        self.peak = 0

    def sample(self):
        gc.collect()  # also keeps fragmentation down between requests, as on the ESP32
        used = gc.mem_alloc()
        if used > self.peak:
            if used > self.peak + 512:
                print("heap: peak=%d free=%d" % (used, gc.mem_free()))
            self.peak = used

    async def run(self):
        while True:
            self.sample()
            await asyncio.sleep(2)


def start_hotspot(cfg):
    import network

    from benchcore.hotspot import Hotspot

    ap = Hotspot(cfg, log=log).start()
    uplink = cfg.get("uplink")
    if uplink:
        sta = network.WLAN(network.STA_IF)
        sta.active(True)
        sta.connect(uplink["ssid"], uplink.get("password", ""))
    return ap


def _telemetry(outbox, heap, power, hotspot):
    from benchcore import contract as c

    def pairs():
        return [(c.firmware, VERSION), (c.outbox, len(outbox)), (c.heap_free, gc.mem_free()),
                (c.heap_peak, heap.peak), (c.ap, hotspot.on), (c.clients, hotspot.clients())
                ] + power.telemetry()

    return pairs


async def _reboot_when_asked(downlink):
    while not downlink.reboot_requested:
        await asyncio.sleep(1)
    await asyncio.sleep(1)  # let the log line and any PUBACK go out
    import machine

    machine.reset()


def _captive_portal(cfg, hotspot, outbox, uplink, power):
    """The portal with the captive probes, and the captive DNS task: every name leads here."""
    from benchcore.dns import CaptiveDNS
    from benchcore.portal import create_app
    from benchcore.probes import Probes

    ip = hotspot.address()
    port = cfg["portal"]["port"]
    base = ip if port == 80 else "%s:%d" % (ip, port)
    own = (base, ip) + tuple(cfg.get("hotspot", {}).get("names", ()))
    probes = Probes("http://%s/" % base, own, cfg["portal"].get("release_s", 600))

    def status_info():
        info = {"ideas": uplink.acked + len(outbox), "waiting": len(outbox), "online": uplink.connected}
        if power.monitor is not None:
            t = power.monitor.telemetry()
            info["battery_pct"] = t.get("soc") if t.get("soc_valid", True) else None
            solar = t.get("solar_w")
            info["solar_mw"] = None if solar is None else int(solar * 1000)
        return info

    app = create_app(cfg["bench_id"], outbox, trusted_time, log=log, probes=probes, status_info=status_info,
                     portal_cfg=cfg["portal"], seal_key=cfg.get("seal_key"))
    dns = cfg.get("dns", {})
    app.dns = CaptiveDNS(ip, port=dns.get("port", 53), host=dns.get("host", "0.0.0.0"), log=log)
    asyncio.create_task(app.dns.run())
    return app


async def _main(cfg):
    from benchcore import protocol
    from benchcore.downlink import Downlink, stored_settings
    from benchcore.keyring import Keyring
    from benchcore.power_task import PowerTask
    from benchcore.state import BenchState
    from benchcore.uplink import Uplink

    state = BenchState()
    boot = state.next_boot()
    protocol.start_sequence(boot)
    outbox = Outbox(capacity=cfg["outbox"]["capacity"], max_bytes=cfg["outbox"]["max_bytes"], log=log)
    log("bench %s (%s) firmware %s, boot %d: %d proposal(s) waiting in the outbox"
        % (cfg["bench_id"], cfg["municipality"], VERSION, boot, len(outbox)))
    hotspot = start_hotspot(cfg)
    heap = HeapWatch()
    power = PowerTask(cfg, hotspot, log=log)
    keyring = Keyring(cfg)
    downlink = Downlink(state, keyring, log=log)
    uplink = Uplink(cfg, outbox, state, keyring, boot, log=log, telemetry=_telemetry(outbox, heap, power, hotspot),
                    downlink=downlink)
    powered = power.start()
    downlink.on_config = lambda settings: (power.configure(settings), uplink.apply_settings(settings))
    downlink.on_config(stored_settings())  # what the hub last sent holds after any reboot or deep sleep
    if powered:
        power.on_telemetry_period = uplink.set_telemetry_period
        asyncio.create_task(power.run())
    app = _captive_portal(cfg, hotspot, outbox, uplink, power)

    @app.get("/status.json")
    async def status(request):
        heap.sample()
        return json.dumps({
            "bench": cfg["bench_id"], "firmware": VERSION, "outbox": len(outbox),
            "uplink": uplink.connected, "published": uplink.published, "acked": uplink.acked,
            "rejected": uplink.rejected, "boot": boot, "key_id": keyring.key_id,
            "config_version": state.get("config_version", 0), "telemetry_s": uplink.telemetry_every_ms // 1000,
            "heap_free": gc.mem_free(), "heap_peak": heap.peak,
        }), 200, {"Content-Type": "application/json", "Cache-Control": "no-store"}

    @app.after_request
    async def track_heap(request, response):
        heap.sample()
        return response

    gc.collect()
    if keyring.usable:
        asyncio.create_task(uplink.run())
    else:
        log("uplink: no signing key in config.json (key, key_id): proposals stay on the bench")
    asyncio.create_task(_reboot_when_asked(downlink))
    asyncio.create_task(heap.run())
    log("portal listening on %s:%d" % (cfg["portal"]["host"], cfg["portal"]["port"]))
    await app.start_server(host=cfg["portal"]["host"], port=cfg["portal"]["port"])


def run(config_path="config.json"):
    try:
        cfg = load_config(config_path)
    except ConfigError as exc:
        log("config error: %s" % exc)
        raise SystemExit(78)  # EX_CONFIG: the simulator and `bench doctor` show this line
    try:
        asyncio.run(_main(cfg))
    except KeyboardInterrupt:
        pass
