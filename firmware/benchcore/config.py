"""The bench's settings, read from config.json on its flash."""
import json

from benchcore.contract import CATEGORIES  # noqa: F401 - forms and pages read it from here


class ConfigError(Exception):
    pass


def _require(cfg, key, kind, where):
    value = cfg.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise ConfigError("%s: '%s' is missing or not a %s" % (where, key, kind.__name__))
    return value


def _check_bench_id(bench_id):
    # Used inside MQTT topics: no wildcards, no separators, bounded length.
    if not 1 <= len(bench_id) <= 32:
        raise ConfigError("config.json: 'bench_id' must be 1 to 32 characters")
    for ch in bench_id:
        if not ("a" <= ch <= "z" or "0" <= ch <= "9" or ch == "-"):
            raise ConfigError("config.json: 'bench_id' may hold only a-z, 0-9 and '-', not %r" % ch)


def parse_config(text, where="config.json"):
    try:
        cfg = json.loads(text)
    except ValueError as exc:
        raise ConfigError("%s is not valid JSON (%s)" % (where, exc))
    if not isinstance(cfg, dict):
        raise ConfigError("%s must hold a JSON object" % where)
    _check_bench_id(_require(cfg, "bench_id", str, where))
    _require(cfg, "municipality", str, where)
    mqtt = _require(cfg, "mqtt", dict, where)
    _require(mqtt, "host", str, where + " mqtt")
    _require(mqtt, "port", int, where + " mqtt")
    mqtt.setdefault("user", None)
    mqtt.setdefault("password", None)
    mqtt.setdefault("keepalive", 30)
    portal = cfg.setdefault("portal", {})
    portal.setdefault("host", "0.0.0.0")
    portal.setdefault("port", 80)
    _require(portal, "port", int, where + " portal")
    outbox = cfg.setdefault("outbox", {})
    outbox.setdefault("capacity", 200)
    outbox.setdefault("max_bytes", 128 * 1024)
    cfg.setdefault("ssid", "LINK klupa")
    return cfg


def load_config(path="config.json"):
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        raise ConfigError("%s is missing: provision the bench (bench provision) before starting it" % path)
    return parse_config(text, path)
