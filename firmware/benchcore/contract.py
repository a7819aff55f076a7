"""The one vocabulary of bench and hub (docs/protocol.md): topics, message fields, telemetry and
config keys, categories and limits. The firmware and the hub both import this module (the hub
under CPython); nothing here may need more than MicroPython has.

Keys and topic leaves are constants named after themselves (contract.batt_v == "batt_v"): on the
bench every new name is a new interned string (qstr) for good, and a name equal to its value
costs nothing; the interpreter's string pool grows in doubling steps (the next one ~15 KB).

A message spec (SPECS) is one string of "key=kind" or "key=kind/limit" items separated by spaces,
a key starting with "*" being required. check() holds a decoded JSON object to its spec and raises
ValueError naming the first thing wrong, so a signed message with a value out of range is refused with a reason
instead of reaching code (or a database column) that cannot take it. Strings, not tuples: a tuple
per field cost the bench ~5 KB of heap for good.
"""
from benchcore.compat import const

PROTOCOL_VERSION = 1
TOPIC_ROOT = "link/v1/b/"

# Topic leaves: link/v1/b/<bench id>/<leaf>.
proposal = "proposal"
status = "status"
telemetry = "telemetry"
ack = "ack"
cmd = "cmd"
config = "config"
digest = "digest"
DOWNLINK_LEAVES = (ack, cmd, config, digest)  # hub -> bench; the others go bench -> hub

CATEGORIES = ("environment", "transport", "culture", "social", "infrastructure", "other")
# Characters the hub stores; the bench's form takes less for the description (BENCH_BODY_LIMIT:
# what its heap holds in any script, see docs/captive-portal.md).
TEXT_LIMITS = {"title": 120, "body": 2000, "name": 80, "contact": 120, "lang": 10}
BENCH_BODY_LIMIT = 1000
_MAX_COUNT = const(2147483647)  # boot, n, versions: a signed 32-bit column on every database
_MAX_TIME = const(4102444800)  # 2100-01-01: a Unix time past this is not a clock, it is junk

# Sequence keys of status and telemetry, (boot, n) rising with every message of a bench; up: the
# bench's uptime (s), now: its clock (null while unset).
boot, n, up, now = "boot", "n", "up", "now"

# Telemetry keys, as the bench sends them (short: they go out every minute on a small link).
firmware = "firmware"
outbox = "outbox"  # proposals waiting on the bench
heap_free = "heap_free"
heap_peak = "heap_peak"
ap = "ap"  # hotspot on
clients = "clients"  # phones on the hotspot (a count; no addresses are kept)
batt_v = "batt_v"
batt_a = "batt_a"  # positive: charging
soc = "soc"  # state of charge, percent
soc_valid = "soc_valid"
solar_w = "solar_w"
wh_in = "wh_in"  # harvested at the panel today (local day)
wh_out = "wh_out"  # drawn from the battery today
wh_chg = "wh_chg"  # put into the battery today
mode = "mode"  # power policy: normal, saver, critical, sleep
faults = "faults"  # e.g. "battery:i2c"
sensor_errors = "sensor_errors"  # [solar, battery] error counts

# Message fields beyond the above. sealed: a proposal's name and contact, encrypted for the hub
# only (benchcore.seal); "name" and "contact" in clear come only from benches older than sealing.
sealed = "sealed"
version = "version"  # of a config or digest: only grows
settings = "settings"  # of a config
ids = "ids"  # of an ack
# Commands (cmd messages) and keys of a config's settings (hub_config.json on the bench, applied
# at once and at every boot).
reboot, time, rotate_key = "reboot", "time", "rotate_key"
telemetry_s = "telemetry_s"  # seconds between telemetry messages (fixes the power policy's cadence)
power = "power"  # thresholds for the power policy (benchcore.power.monitor.configure)

# Kinds: count (int 0.._MAX_COUNT), time (Unix seconds or null), number (finite, |x| <= 1e6, or
# null: a sensor that failed), flag (bool), text/limit (str of at most limit characters),
# choice/a|b (one of the words), texts/limit (list of at most 10 such str), counts/limit (list of
# at most limit counts), hex/limit (exactly limit lowercase hex digits), object, list/limit, v1
# (the integer PROTOCOL_VERSION).
SPECS = {
    proposal: ("*v=v1 *id=hex/16 *bench=text/32 *receipt=text/9 *title=text/%d *body=text/%d *category=choice/%s "
               "lang=text/%d sealed=text/2048 name=text/%d contact=text/%d consent=flag created=time "
               "uptime=count boot=count n=count") % (
        TEXT_LIMITS["title"], TEXT_LIMITS["body"], "|".join(CATEGORIES), TEXT_LIMITS["lang"],
        TEXT_LIMITS["name"], TEXT_LIMITS["contact"]),
    "meta": "boot=count up=count now=time",  # the proposal message's second line
    status: "*state=choice/online|offline *boot=count *n=count",
    telemetry: ("*boot=count *n=count *up=count now=time firmware=text/40 outbox=count heap_free=count "
                "heap_peak=count ap=flag clients=count batt_v=number batt_a=number soc=number soc_valid=flag "
                "solar_w=number wh_in=number wh_out=number wh_chg=number mode=text/20 faults=texts/40 "
                "sensor_errors=counts/4"),
    ack: "*ids=list/16 now=time boot=count",
    cmd: "*n=count *cmd=choice/reboot|time|rotate_key now=time key_id=text/16 nonce=text/64",
    config: "*version=count *settings=object",
    digest: "*version=count *items=list/50",
    settings: "telemetry_s=count power=object",
}


def topic(bench_id, leaf):
    return TOPIC_ROOT + bench_id + "/" + leaf


def _value_ok(value, kind, limit):
    if kind == "count":
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_COUNT
    if kind == "time":
        return value is None or (isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_TIME)
    if kind == "number":
        if value is None:
            return True
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        # volts, amperes, watts, watt-hours, percent: beyond a million it is junk; NaN fails both
        # comparisons, infinities the bound
        return -1e6 <= value <= 1e6
    if kind == "flag":
        return isinstance(value, bool)
    if kind == "text":
        return isinstance(value, str) and len(value) <= int(limit)
    if kind == "choice":
        return isinstance(value, str) and len(value) > 1 and value in limit.split("|")
    if kind == "v1":
        return value == PROTOCOL_VERSION and not isinstance(value, bool) and isinstance(value, int)
    if kind == "hex":
        if not isinstance(value, str) or len(value) != int(limit):
            return False
        for c in value.encode():
            if not (48 <= c <= 57 or 97 <= c <= 102):
                return False
        return True
    if kind == "texts":
        return isinstance(value, list) and len(value) <= 10 and all(
            isinstance(v, str) and len(v) <= int(limit) for v in value)
    if kind == "counts":
        return isinstance(value, list) and len(value) <= int(limit) and all(
            _value_ok(v, "count", "") for v in value)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "list":
        return isinstance(value, list) and len(value) <= int(limit)
    return False


def check(msg, fields):
    """msg (a decoded JSON object) if it fits fields (a spec of SPECS); else ValueError with a short
    reason naming the key. Keys not in the spec are allowed (a newer peer may add some) and
    ignored by the reader."""
    if not isinstance(msg, dict):
        raise ValueError("not a JSON object")
    for item in fields.split(" "):
        key, kind = item.split("=")
        required = key.startswith("*")
        if required:
            key = key[1:]
        limit = ""
        cut = kind.find("/")
        if cut > 0:
            kind, limit = kind[:cut], kind[cut + 1:]
        if key not in msg:
            if required:
                raise ValueError("%s is missing" % key)
            continue
        if not _value_ok(msg[key], kind, limit):
            raise ValueError("%s is not a valid %s" % (key, kind))
    return msg
