"""The one vocabulary of bench and hub (docs/protocol.md): topics, message fields, telemetry and
config keys, categories and limits. The firmware and the hub both import this module (the hub
under CPython); nothing here may need more than MicroPython has.

A message spec is a tuple of (key, kind, limit, required). check() holds a decoded JSON object
to its spec and names the first thing wrong, so a signed message with a value out of range is
refused with a reason instead of reaching code (or a database column) that cannot take it.
"""
PROTOCOL_VERSION = 1
TOPIC_ROOT = "link/v1/b/"

# Topic leaves: link/v1/b/<bench id>/<leaf>.
PROPOSAL = "proposal"
STATUS = "status"
TELEMETRY = "telemetry"
ACK = "ack"
CMD = "cmd"
CONFIG = "config"
DIGEST = "digest"
UPLINK_LEAVES = (PROPOSAL, STATUS, TELEMETRY)  # bench -> hub
DOWNLINK_LEAVES = (ACK, CMD, CONFIG, DIGEST)  # hub -> bench

CATEGORIES = ("environment", "transport", "culture", "social", "infrastructure", "other")
LANGS = ("bs", "hr", "sr-latn", "sr-cyrl", "en")
# Characters the hub stores; the bench's form takes less for the description (BENCH_BODY_LIMIT:
# what its heap holds in any script, see docs/captive-portal.md).
TEXT_LIMITS = {"title": 120, "body": 2000, "name": 80, "contact": 120, "lang": 10}
BENCH_BODY_LIMIT = 1000
MAX_PAYLOAD = 16 * 1024  # bytes of a signed message, either way
MAX_COUNT = 2147483647  # boot, n, versions: a signed 32-bit column on every database
MAX_TIME = 4102444800  # 2100-01-01: a Unix time past this is not a clock, it is junk
FUTURE_SLACK_S = 86400  # a bench clock may run ahead of the hub's by this much, no more
MAX_NUMBER = 1000000.0  # volts, amperes, watts, watt-hours, percent: anything bigger is junk

# Kinds of value.
COUNT = "count"  # int 0..MAX_COUNT
TIME = "time"  # Unix seconds 0..MAX_TIME, or null while the bench's clock is unset
NUMBER = "number"  # finite int or float, |x| <= MAX_NUMBER, or null (a sensor that failed)
FLAG = "flag"  # true or false
TEXT = "text"  # str of at most limit characters
CHOICE = "choice"  # one of limit (a tuple)
TEXTS = "texts"  # list of at most 10 str of at most limit characters
COUNTS = "counts"  # list of at most limit COUNTs
HEX = "hex"  # str of exactly limit lowercase hex digits
OBJECT = "object"  # a JSON object (its own spec checks it further)
LIST = "list"  # a JSON list of at most limit items

# -- bench -> hub ---------------------------------------------------------------------------------
# Sequence keys of status and telemetry: (boot, n) rises with every message of a bench.
BOOT, N, UP, NOW = "boot", "n", "up", "now"

STATUS_FIELDS = (
    ("state", CHOICE, ("online", "offline"), True),
    (BOOT, COUNT, 0, True),
    (N, COUNT, 0, True),
)

# Telemetry keys, as the bench sends them (short: they go out every minute on a small link).
T_FIRMWARE = "firmware"
T_OUTBOX = "outbox"  # proposals waiting on the bench
T_HEAP_FREE = "heap_free"
T_HEAP_PEAK = "heap_peak"
T_AP = "ap"  # hotspot on
T_CLIENTS = "clients"  # phones on the hotspot
T_BATT_V = "batt_v"
T_BATT_A = "batt_a"  # positive: charging
T_SOC = "soc"  # state of charge, percent
T_SOC_VALID = "soc_valid"
T_SOLAR_W = "solar_w"
T_WH_IN = "wh_in"  # harvested at the panel today (local day)
T_WH_OUT = "wh_out"  # drawn from the battery today
T_WH_CHG = "wh_chg"  # put into the battery today
T_MODE = "mode"  # power policy: normal, saver, critical, sleep
T_FAULTS = "faults"  # e.g. "battery:i2c"
T_SENSOR_ERRORS = "sensor_errors"  # [solar, battery] error counts

TELEMETRY_FIELDS = (
    (BOOT, COUNT, 0, True),
    (N, COUNT, 0, True),
    (UP, COUNT, 0, True),
    (NOW, TIME, 0, False),
    (T_FIRMWARE, TEXT, 40, False),
    (T_OUTBOX, COUNT, 0, False),
    (T_HEAP_FREE, COUNT, 0, False),
    (T_HEAP_PEAK, COUNT, 0, False),
    (T_AP, FLAG, 0, False),
    (T_CLIENTS, COUNT, 0, False),
    (T_BATT_V, NUMBER, 0, False),
    (T_BATT_A, NUMBER, 0, False),
    (T_SOC, NUMBER, 0, False),
    (T_SOC_VALID, FLAG, 0, False),
    (T_SOLAR_W, NUMBER, 0, False),
    (T_WH_IN, NUMBER, 0, False),
    (T_WH_OUT, NUMBER, 0, False),
    (T_WH_CHG, NUMBER, 0, False),
    (T_MODE, TEXT, 20, False),
    (T_FAULTS, TEXTS, 40, False),
    (T_SENSOR_ERRORS, COUNTS, 4, False),
)

# The proposal's record (first line of its message) and what the bench knew when sending it.
# "sealed": name and contact, encrypted for the hub only (benchcore.seal); "name" and "contact"
# in clear are never sent.
SEALED = "sealed"
PROPOSAL_FIELDS = (
    ("v", CHOICE, (PROTOCOL_VERSION,), True),
    ("id", HEX, 16, True),
    ("bench", TEXT, 32, True),
    ("receipt", TEXT, 9, True),
    ("title", TEXT, TEXT_LIMITS["title"], True),
    ("body", TEXT, TEXT_LIMITS["body"], True),
    ("category", CHOICE, CATEGORIES, True),
    ("lang", TEXT, TEXT_LIMITS["lang"], False),
    (SEALED, TEXT, 2048, False),
    # In clear only from benches older than sealing; the hub keeps them only with consent.
    ("name", TEXT, TEXT_LIMITS["name"], False),
    ("contact", TEXT, TEXT_LIMITS["contact"], False),
    ("consent", FLAG, 0, False),
    ("created", TIME, 0, False),
    ("uptime", COUNT, 0, False),
    (BOOT, COUNT, 0, False),
    (N, COUNT, 0, False),
)
PROPOSAL_META_FIELDS = (
    (BOOT, COUNT, 0, False),
    (UP, COUNT, 0, False),
    (NOW, TIME, 0, False),
)

# -- hub -> bench ---------------------------------------------------------------------------------
ACK_FIELDS = (
    ("ids", LIST, 16, True),
    (NOW, TIME, 0, False),
    (BOOT, COUNT, 0, False),
)
CMD_REBOOT, CMD_TIME, CMD_ROTATE_KEY = "reboot", "time", "rotate_key"
CMD_FIELDS = (
    (N, COUNT, 0, True),
    ("cmd", CHOICE, (CMD_REBOOT, CMD_TIME, CMD_ROTATE_KEY), True),
    (NOW, TIME, 0, False),
    ("key_id", TEXT, 16, False),
    ("nonce", TEXT, 64, False),
)
VERSION = "version"
CONFIG_FIELDS = (
    (VERSION, COUNT, 0, True),
    ("settings", OBJECT, 0, True),
)
DIGEST_FIELDS = (
    (VERSION, COUNT, 0, True),
    ("items", LIST, 50, True),
)
# Keys of a config's settings (hub_config.json on the bench; applied at once and at every boot).
C_TELEMETRY_S = "telemetry_s"  # seconds between telemetry messages (fixes the power policy's cadence)
C_POWER = "power"  # thresholds for the power policy (benchcore.power.monitor.configure)
SETTINGS_FIELDS = (
    (C_TELEMETRY_S, COUNT, 0, False),
    (C_POWER, OBJECT, 0, False),
)


def topic(bench_id, leaf):
    return TOPIC_ROOT + bench_id + "/" + leaf


def topic_filter(leaf):
    """The hub's subscription to one leaf of every bench."""
    return TOPIC_ROOT + "+/" + leaf


def topic_parts(name):
    """(bench id, leaf) of a topic of this protocol, or None."""
    if not name.startswith(TOPIC_ROOT):
        return None
    rest = name[len(TOPIC_ROOT):]
    cut = rest.find("/")
    if cut < 1 or rest.find("/", cut + 1) >= 0:
        return None
    return rest[:cut], rest[cut + 1:]


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _count(value):
    return _is_int(value) and 0 <= value <= MAX_COUNT


def _value_ok(value, kind, limit):
    if kind == COUNT:
        return _count(value)
    if kind == TIME:
        return value is None or (_is_int(value) and 0 <= value <= MAX_TIME)
    if kind == NUMBER:
        if value is None:
            return True
        if _is_int(value):
            return -MAX_NUMBER <= value <= MAX_NUMBER
        # NaN fails both comparisons; infinities fail the bound
        return isinstance(value, float) and -MAX_NUMBER <= value <= MAX_NUMBER
    if kind == FLAG:
        return isinstance(value, bool)
    if kind == TEXT:
        return isinstance(value, str) and len(value) <= limit
    if kind == CHOICE:
        return not isinstance(value, bool) and value in limit
    if kind == HEX:
        if not isinstance(value, str) or len(value) != limit:
            return False
        for c in value.encode():
            if not (48 <= c <= 57 or 97 <= c <= 102):
                return False
        return True
    if kind == TEXTS:
        return isinstance(value, list) and len(value) <= 10 and all(
            isinstance(v, str) and len(v) <= limit for v in value)
    if kind == COUNTS:
        return isinstance(value, list) and len(value) <= limit and all(_count(v) for v in value)
    if kind == OBJECT:
        return isinstance(value, dict)
    if kind == LIST:
        return isinstance(value, list) and len(value) <= limit
    return False


def check(msg, spec):
    """None if msg (a decoded JSON object) fits spec, else a short reason naming the key. Keys not
    in spec are allowed (a newer peer may add some) and ignored by the reader."""
    if not isinstance(msg, dict):
        return "not a JSON object"
    for key, kind, limit, required in spec:
        if key not in msg:
            if required:
                return "%s is missing" % key
            continue
        if not _value_ok(msg[key], kind, limit):
            return "%s is not a valid %s" % (key, kind)
    return None
