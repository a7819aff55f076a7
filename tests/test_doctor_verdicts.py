"""`bench doctor`'s verdicts from the bench's raw answers (the probe itself runs against the simulated
board in tests/system/test_technician_tools.py)."""
from edge_agent.device.doctor import FAIL, OK, WARN, judge, report


def healthy():
    return {
        "firmware": {"version": "0.1.0", "micropython": "1.29.0", "mpy": 6},
        "libs": {"microdot": True, "umqtt.simple": True},
        "heap": {"free": 80 * 1024, "used": 30 * 1024},
        "flash": {"total": 2048 * 1024, "free": 1500 * 1024},
        "config": {"bench_id": "tz-3", "municipality": "Tuzla", "key_ok": True, "key_id": "k1",
                   "mqtt": ["hub.example.org", 1883], "user": "tz-3", "uplink": True, "tls": False,
                   "outbox": [200, 131072]},
        "sensors": {"solar": {"addr": 64, "bus_mv": 18000, "current_ua": 2100000, "fault": 0},
                    "battery": {"addr": 65, "bus_mv": 13200, "current_ua": 1900000, "fault": 0}},
        "outbox": 3,
        "uplink": {"active": True, "connected": True},
        "broker": {"tcp": True, "accepted": True},
    }


def statuses(facts, **kw):
    return {c.name: c.status for c in judge(facts, **kw)}


def test_a_healthy_bench_passes_with_one_line_per_check():
    text, status = report(judge(healthy(), expected_firmware="0.1.0"))
    assert status == 0 and text.endswith("verdict: healthy")
    assert "OK    sensor battery  0x41: 13.20 V, 1900 mA" in text
    assert "OK    outbox          3 proposal(s) waiting for the hub" in text


def test_each_fault_names_the_check_and_the_next_step():
    facts = healthy()
    facts["sensors"]["battery"] = {"addr": 65, "missing": True}
    facts["broker"] = {"tcp": True, "refused": "5"}
    facts["uplink"] = {"active": True, "connected": False}
    facts["heap"] = {"free": 20 * 1024, "used": 90 * 1024}
    facts["config"]["key_ok"] = False
    got = statuses(facts, expected_firmware="0.2.0")
    assert got["sensor battery"] == got["broker"] == got["uplink"] == got["config"] == FAIL
    assert got["heap"] == got["firmware"] == WARN and got["sensor solar"] == OK
    text, status = report(judge(facts, expected_firmware="0.2.0"))
    assert status == 1 and "verdict: NOT READY, 4 check(s) failed: config, sensor battery, uplink, broker" in text
    assert "no INA219 answers at 0x41  -> check its wiring and address jumpers" in text
    assert "refused the bench's credentials  -> run `bench provision` again" in text


def test_a_bench_without_config_or_software_says_what_to_run():
    facts = healthy()
    facts["config"] = {"error": "ConfigError: config.json is missing: provision the bench (bench provision)"}
    facts["firmware"] = {"error": "ImportError: no module named 'benchcore'"}
    facts["broker"] = {"error": "no broker in config.json"}
    checks = {c.name: c for c in judge(facts)}
    assert checks["config"].hint == "run `bench provision`" and checks["firmware"].hint == "run `bench deploy`"
    assert checks["uplink"].status == OK  # without a config there is no Wi-Fi uplink to expect
