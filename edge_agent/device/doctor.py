"""`bench doctor`: what is right and wrong with a bench, one line per check, as the bench itself sees it.

All checks run on the bench in one go (the firmware's own config parser, INA219 driver and outbox),
with the application stopped; the laptop only formats the answers. A check is OK, WARN (works, but
look at it) or FAIL (the bench cannot do its job); any FAIL makes the exit status non-zero.
"""
from dataclasses import dataclass

from edge_agent.device.transport import Device

OK, WARN, FAIL = "OK", "WARN", "FAIL"
MIN_FREE_HEAP = 32 * 1024  # below this, at idle, the portal's requests meet MemoryError (docs/simulator.md)
MIN_FREE_FLASH = 64 * 1024  # the outbox may take 128 KB; warn while there is still room to act


@dataclass
class Check:
    name: str
    status: str
    detail: str
    hint: str = ""


# One program on the bench; prints one JSON object with a raw fact per check. Each part is wrapped so
# that one failure (a missing module, an I2C fault) does not hide the others.
_PROBE = """\
import gc, json, os, sys
r = {}
def _try(name, fn):
    try:
        r[name] = fn()
    except Exception as e:
        r[name] = {'error': '%s: %s' % (type(e).__name__, e)}
def _firmware():
    import benchcore
    return {'version': benchcore.VERSION, 'micropython': '.'.join(str(v) for v in sys.implementation.version[:3]),
            'mpy': getattr(sys.implementation, '_mpy', 0) & 0xff}
def _libs():
    out = {}
    for name in ('microdot', 'umqtt.simple'):
        try:
            __import__(name)
            out[name] = True
        except ImportError:
            out[name] = False
    return out
def _heap():
    gc.collect()
    return {'free': gc.mem_free(), 'used': gc.mem_alloc()}
def _flash():
    s = os.statvfs('/')
    return {'total': s[0] * s[2], 'free': s[0] * s[3]}
def _config():
    from benchcore.config import load_config
    cfg = load_config()
    key = cfg.get('key') or ''
    return {'bench_id': cfg['bench_id'], 'municipality': cfg['municipality'], 'key_ok': len(key) >= 32,
            'key_id': cfg.get('key_id'), 'mqtt': [cfg['mqtt']['host'], cfg['mqtt']['port']],
            'user': cfg['mqtt'].get('user'), 'uplink': bool(cfg.get('uplink')), 'tls': bool(cfg['mqtt'].get('tls')),
            'outbox': [cfg['outbox']['capacity'], cfg['outbox']['max_bytes']]}
def _sensors():
    import machine
    from benchcore.power.monitor import make_sensor
    with open('board.json') as f:
        board = json.load(f)
    bus = board['pins']['i2c']
    i2c = machine.I2C(bus.get('id', 0), scl=machine.Pin(bus['scl']), sda=machine.Pin(bus['sda']), freq=bus.get('freq', 100000))
    found = i2c.scan()
    out = {}
    for name, spec in board['sensors'].items():
        if spec['addr'] not in found:
            out[name] = {'addr': spec['addr'], 'missing': True}
            continue
        s = make_sensor(i2c, spec)
        for _ in range(5):
            if s.read():
                break
            import time
            time.sleep_ms(30)
        out[name] = {'addr': spec['addr'], 'bus_mv': s.bus_mv, 'current_ua': s.current_ua, 'fault': s.fault}
    return out
def _outbox():
    from benchcore.outbox import Outbox
    cfg = r.get('config') or {}
    cap, size = cfg.get('outbox', [200, 131072])
    return len(Outbox(capacity=cap, max_bytes=size, log=lambda m: None))
def _uplink():
    import network
    sta = network.WLAN(network.STA_IF)
    return {'active': sta.active(), 'connected': sta.isconnected()}
def _broker():
    cfg = r.get('config') or {}
    if 'mqtt' not in cfg:
        return {'error': 'no broker in config.json'}
    from benchcore.config import load_config
    m = load_config()['mqtt']
    import socket
    addr = socket.getaddrinfo(m['host'], m['port'])[0][-1]
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect(addr)
    finally:
        s.close()
    if m.get('tls'):
        return {'tcp': True}
    from umqtt.simple import MQTTClient
    c = MQTTClient(cfg['bench_id'] + '-doctor', m['host'], port=m['port'], user=m['user'], password=m['password'], keepalive=10)
    try:
        c.connect()
    except Exception as e:  # umqtt's MQTTException(return code): the broker refused the credentials
        return {'tcp': True, 'refused': str(e)}
    c.disconnect()
    return {'tcp': True, 'accepted': True}
for _n, _f in (('firmware', _firmware), ('libs', _libs), ('heap', _heap), ('flash', _flash), ('config', _config),
               ('sensors', _sensors), ('outbox', _outbox), ('uplink', _uplink), ('broker', _broker)):
    _try(_n, _f)
print(json.dumps(r))
"""


def _error(fact):
    return fact.get("error") if isinstance(fact, dict) else None


def judge(facts: dict, expected_firmware: str | None = None) -> list:
    """Checks from the bench's answers: pure, so every verdict is testable without a device."""
    checks = []
    fw = facts["firmware"]
    if _error(fw):
        checks.append(Check("firmware", FAIL, _error(fw), "run `bench deploy`"))
    else:
        same = expected_firmware in (None, fw["version"])
        checks.append(Check("firmware", OK if same else WARN,
                            "benchcore %s on MicroPython %s (mpy v%d)" % (fw["version"], fw["micropython"], fw["mpy"]),
                            "" if same else f"this laptop has {expected_firmware}: run `bench deploy`"))
    libs = facts["libs"]
    missing = [name for name, ok in libs.items() if not ok] if not _error(libs) else ["?"]
    checks.append(Check("libraries", FAIL if missing else OK, ("missing " + ", ".join(missing)) if missing
                        else ", ".join(sorted(libs)), "run `bench deploy`" if missing else ""))
    heap = facts["heap"]
    if _error(heap):
        checks.append(Check("heap", FAIL, _error(heap)))
    else:
        low = heap["free"] < MIN_FREE_HEAP
        checks.append(Check("heap", WARN if low else OK, "%d KB free of %d KB at idle" % (
            heap["free"] // 1024, (heap["free"] + heap["used"]) // 1024), "reset the bench" if low else ""))
    flash = facts["flash"]
    if _error(flash):
        checks.append(Check("flash", FAIL, _error(flash)))
    else:
        low = flash["free"] < MIN_FREE_FLASH
        checks.append(Check("flash", WARN if low else OK, "%d KB free of %d KB" % (
            flash["free"] // 1024, flash["total"] // 1024), "remove old files; check the outbox drains" if low else ""))
    cfg = facts["config"]
    if _error(cfg):
        checks.append(Check("config", FAIL, _error(cfg), "run `bench provision`"))
    else:
        checks.append(Check("config", OK if cfg["key_ok"] else FAIL, "bench %s (%s), broker %s:%d, key %s" % (
            cfg["bench_id"], cfg["municipality"], cfg["mqtt"][0], cfg["mqtt"][1], cfg["key_id"]),
            "" if cfg["key_ok"] else "no signing key: run `bench provision`"))
    sensors = facts["sensors"]
    if _error(sensors):
        checks.append(Check("sensors", FAIL, _error(sensors), "check the I2C wiring (hardware/wiring.md)"))
    else:
        for name, s in sorted(sensors.items()):
            if s.get("missing"):
                checks.append(Check("sensor " + name, FAIL, "no INA219 answers at 0x%02x" % s["addr"],
                                    "check its wiring and address jumpers (hardware/wiring.md)"))
            else:
                bad = s["fault"] != 0
                checks.append(Check("sensor " + name, WARN if bad else OK, "0x%02x: %.2f V, %.0f mA%s" % (
                    s["addr"], s["bus_mv"] / 1000, s["current_ua"] / 1000, " (fault %d)" % s["fault"] if bad else "")))
    outbox = facts["outbox"]
    if _error(outbox):
        checks.append(Check("outbox", FAIL, _error(outbox)))
    else:
        checks.append(Check("outbox", OK, "%d proposal(s) waiting for the hub" % outbox))
    uplink = facts["uplink"]
    uses_wifi = not _error(cfg) and cfg["uplink"]
    if _error(uplink):
        checks.append(Check("uplink", FAIL, _error(uplink)))
    elif uses_wifi and not uplink["connected"]:
        checks.append(Check("uplink", FAIL, "not connected to the uplink Wi-Fi", "check the router and `uplink` in config.json"))
    else:
        checks.append(Check("uplink", OK, "connected" if uplink["connected"] else "no Wi-Fi uplink configured"))
    broker = facts["broker"]
    if _error(broker):
        checks.append(Check("broker", FAIL, "unreachable: " + _error(broker),
                            "check the uplink and the broker address; is the hub's broker running?"))
    elif "refused" in broker:
        checks.append(Check("broker", FAIL, "reached, but it refused the bench's credentials",
                            "run `bench provision` again; on the hub, `hub broker-config` and reload mosquitto"))
    else:
        checks.append(Check("broker", OK, "credentials accepted" if broker.get("accepted") else "reachable (TLS)"))
    return checks


def doctor(port: str, expected_firmware: str | None = None) -> list:
    """The checks; the bench is reset afterwards, so its software runs again."""
    with Device(port).open() as device:
        checks = judge(device.run_json(_PROBE, timeout=60), expected_firmware)
        device.restart()
    return checks


def report(checks: list) -> tuple:
    """(text, exit status)."""
    lines = []
    for c in checks:
        lines.append("%-4s  %-15s %s" % (c.status, c.name, c.detail) + (f"  -> {c.hint}" if c.hint else ""))
    failed = [c for c in checks if c.status == FAIL]
    warned = [c for c in checks if c.status == WARN]
    if failed:
        lines.append("verdict: NOT READY, %d check(s) failed: %s" % (len(failed), ", ".join(c.name for c in failed)))
    elif warned:
        lines.append("verdict: working, %d warning(s): %s" % (len(warned), ", ".join(c.name for c in warned)))
    else:
        lines.append("verdict: healthy")
    return "\n".join(lines), 1 if failed else 0
