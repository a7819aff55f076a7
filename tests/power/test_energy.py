"""Smoke of `benchsim energy` (the 31-day, 12-bench run is scripts/bench_energy.sh), the power
budget's freshness, and the live source behind the machine shim's I2C."""
import json
import os
import subprocess
import sys

from simulators.power import budget
from simulators.power.runner import run_fleet
from simulators.power.virtual_i2c import VirtualI2C

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_energy_cli_smoke_json(tmp_path):
    p = subprocess.run([sys.executable, "-m", "simulators.power.cli", "energy", "--month", "12",
                        "--days", "2", "--benches", "2", "--json", "--plot", str(tmp_path)],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    for key in ("availability_min", "brownouts", "soc_error_max"):
        assert key in r and key in r["naive"] and key in r["firmware"]
    assert r["firmware"]["brownouts"] == 0 and r["firmware"]["availability_min"] >= 0.95
    assert r["soc_error_max"] <= 5
    assert all(os.path.getsize(x) > 10000 for x in r["plots"])


def test_naive_policy_drains_a_small_battery():
    prof = json.load(open(os.path.join(ROOT, "hardware", "profiles", "reference.json")))
    prof["battery"]["capacity_ah"] = 8
    prof["panel"]["peak_w"] = 30
    r = run_fleet(12, 3, sites=["zenica"], profile=prof, workers=1)
    assert r["naive"]["brownouts"] >= 1
    assert r["firmware"]["brownouts"] == 0


def test_power_budget_is_generated_from_the_profile():
    text = budget.render(budget.load_profile(), budget.DEFAULT_PROFILE)
    with open(os.path.join(ROOT, "hardware", "power-budget.md")) as f:
        assert f.read() == text, "run: python -m simulators.power.budget"


def test_live_source_feeds_two_chips(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "power_sim.json").write_text(json.dumps({"accel": 1000, "sun": 1.0,
                                                         "t0": 1764547200 + 12 * 3600}))
    bus = VirtualI2C(0, scl=22, sda=21, freq=100000)
    assert bus.scan() == [0x40, 0x41]
    from benchcore.power.ina219 import INA219
    drv = INA219(bus, 0x41, 0.01, 6.0, 16)
    import time
    for _ in range(3):
        drv.read()
        time.sleep(0.01)
    assert drv.read() and 12000 < drv.bus_mv < 14000
