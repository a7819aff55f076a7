"""PowerMonitor end to end on the virtual bus: telemetry, persistence, bad input, recovery."""
import json

import pytest

from benchcore.power.monitor import PowerMonitor
from simulators.power.ina219_model import INA219Model
from simulators.power.virtual_i2c import VirtualI2C


@pytest.fixture
def rig(profile, clock, tmp_path):
    solar = INA219Model(0x40, 0.01, clock, seed=1)
    batt = INA219Model(0x41, 0.01, clock, seed=2)
    solar.set_input(18.0, 1.5)
    batt.set_input(13.30, 1.2)
    bus = VirtualI2C(devices=[solar, batt])
    state = str(tmp_path / "power_state.json")

    class Rig:
        pass
    r = Rig()
    r.solar, r.batt, r.bus, r.state, r.clock = solar, batt, bus, state, clock
    r.mon = PowerMonitor(bus, profile, {"policy": {"saver_below": 40}}, state)
    r.t = 1764547200 + 11 * 3600   # a December day, 11:00 local

    def step(n=1):
        for _ in range(n):
            clock.ms += 2000
            r.t += 2
            r.act = r.mon.step(int(clock.ms), r.t)
        return r.mon.telemetry()
    r.step = step
    return r


def test_telemetry_and_energy_counters(rig):
    tel = rig.step(1)
    tel = rig.step(1800)                     # one hour
    assert tel["mode"] == "normal" and tel["faults"] == []
    assert tel["batt_v"] == pytest.approx(13.30, abs=0.02)
    assert tel["batt_a"] == pytest.approx(1.2, abs=0.01)
    assert tel["solar_w"] == pytest.approx(27.0, rel=0.02)
    assert tel["wh_in"] == pytest.approx(27.0, rel=0.03)
    assert tel["wh_chg"] == pytest.approx(13.3 * 1.2, rel=0.03)
    assert set(tel) >= {"batt_v", "batt_a", "soc", "solar_w", "wh_in", "wh_out", "mode", "faults"}
    json.dumps(tel)


def test_state_survives_reboot(rig, profile):
    rig.step(5)
    rig.mon.save(rig.t)
    soc = rig.mon.est.soc
    mon2 = PowerMonitor(rig.bus, profile, None, rig.state)
    rig.clock.ms += 2000
    mon2.step(int(rig.clock.ms), rig.t + 2)
    assert mon2.started and abs(mon2.est.soc - soc) < 0.1 and mon2.boots == 1


@pytest.mark.parametrize("fault", ["nack", "absent", "stuck"])
def test_battery_sensor_bus_faults_keep_serving_and_recover(rig, fault):
    rig.step(30)
    soc0 = rig.mon.est.soc
    if fault == "stuck":
        rig.bus.inject(None, "stuck")
    else:
        rig.bus.inject(0x41, fault)
    tel = rig.step(900)                        # 30 min without the battery sensor
    assert "battery:i2c" in tel["faults"] and tel["batt_v"] is None
    assert tel["mode"] in ("saver", "normal") and rig.act.ap != 0   # still serving
    assert tel["mode"] == "saver"                                   # safe: no USB/light
    assert rig.mon.est.soc < soc0                                   # pessimistic drain
    rig.bus.clear_faults()
    tel = rig.step(3)
    assert tel["faults"] == [] and tel["batt_v"] == pytest.approx(13.3, abs=0.02)


def test_absurd_readings_are_rejected(rig):
    rig.step(5)
    rig.solar.set_input(18.0, -3.0)            # negative solar
    tel = rig.step(2)
    assert "solar:implausible" in tel["faults"] and tel["solar_w"] is None
    rig.solar.set_input(18.0, 1.0)
    rig.batt.set_input(15.9, 0.5)              # a 2.6 V spike for one sample
    tel = rig.step(1)
    assert "battery:spike" in tel["faults"] and rig.mon.batt_mv == pytest.approx(13300, abs=20)
    rig.batt.set_input(13.3, 0.5)
    tel = rig.step(2)
    assert tel["faults"] == []


def test_overflow_is_reported_then_recovers(rig):
    rig.step(3)
    rig.batt.set_input(13.3, 40.0)             # a short: beyond every range
    tels = [rig.step(1) for _ in range(5)]
    assert any("battery:range" in t["faults"] for t in tels)
    assert "battery:overflow" in tels[-1]["faults"]
    rig.batt.set_input(13.3, 0.8)
    tel = rig.step(3)
    assert tel["faults"] == [] and tel["batt_a"] == pytest.approx(0.8, abs=0.01)


def test_deep_sleep_request_powers_down_sensors_and_saves(rig):
    rig.step(3)
    rig.t = 1764547200 + 23 * 3600 + 600       # 23:10, AP hours over, no sun
    rig.solar.set_input(0.0, 0.0)
    rig.batt.set_input(13.2, -0.05)
    rig.mon.est.ah = rig.mon.est.capacity_ah * 0.7
    rig.step(1)
    assert rig.act.sleep_s > 0 and rig.act.ap == 0
    assert rig.batt.regs[0] & 7 == 0           # INA219 in power-down
    with open(rig.state) as f:
        assert json.load(f)["t"] == rig.t
