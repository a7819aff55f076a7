"""The edge agent's power loop: Adafruit's INA219 driver reads the simulated chips on the virtual
I2C bus (the calls Blinka's busio.I2C answers on a Raspberry Pi), the firmware's PowerMonitor
turns the readings into state of charge and a policy, and the policy stops the hotspot and the
modem when the battery nears its low-voltage disconnect. A missing bus or chip is said clearly
and changes nothing else."""
import json

import pytest

from edge_agent.agent import use_firmware

use_firmware()

from edge_agent.agent.hotspot import LinuxHotspot  # noqa: E402
from edge_agent.agent.power import AgentPowerTask, blinka_i2c  # noqa: E402
from edge_agent.agent.settings import agent_settings  # noqa: E402
from simulators.power.ina219_model import INA219Model  # noqa: E402
from simulators.power.virtual_i2c import VirtualI2C  # noqa: E402
from tests.support import adafruit_ina219_without_blinka  # noqa: E402

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self):
        self.ms = 0.0

    def __call__(self):
        return self.ms


@pytest.fixture
def bench(tmp_path, monkeypatch):
    adafruit_ina219_without_blinka(monkeypatch)
    monkeypatch.chdir(tmp_path)  # power_state.json goes where the agent keeps its data
    (tmp_path / "board.json").write_text((ROOT / "hardware" / "profiles" / "reference.json").read_text())
    cfg = {"bench_id": "power-1", "portal": {"port": 80}, "power": {"policy": {"ap_hours": [0, 24]}},
           "agent": {"run_dir": str(tmp_path / "run"), "hostapd": False, "dnsmasq": False,
                     "manage_address": False, "lan_if": "none"}}
    settings = agent_settings(cfg)
    marker = tmp_path / "modem.log"
    settings["modem"] = {"off": ["sh", "-c", "echo off >> %s" % marker], "on": ["sh", "-c", "echo on >> %s" % marker]}
    lines = []
    hotspot = LinuxHotspot(cfg, settings, log=lines.append).start()
    clock = Clock()
    profile = json.loads((tmp_path / "board.json").read_text())
    solar = INA219Model(profile["sensors"]["solar"]["addr"], 0.01, clock, seed=1)
    battery = INA219Model(profile["sensors"]["battery"]["addr"], 0.01, clock, seed=2)
    bus = VirtualI2C(devices=[solar, battery])
    task = AgentPowerTask(cfg, hotspot, modem=settings["modem"], i2c_factory=lambda: bus, log=lines.append)
    task.clock, task.solar, task.battery, task.bus, task.lines, task.marker = clock, solar, battery, bus, lines, marker
    return task


def step(task, times=3):
    act = None
    for _ in range(times):
        task.clock.ms += 2000
        act = task.step(int(task.clock.ms), None)
    return act


def test_adafruit_readings_drive_the_policy_and_a_flat_battery_stops_hotspot_and_modem(bench):
    assert bench.start()
    bench.solar.set_input(18.0, 1.5)
    bench.battery.set_input(13.3, 1.2)
    act = step(bench)
    t = bench.monitor.telemetry()
    assert act.ap != 0 and bench._hotspot.on and bench.modem_on and t["faults"] == []
    assert t["batt_v"] == pytest.approx(13.3, abs=0.02) and t["solar_w"] == pytest.approx(27.0, rel=0.05)
    # Near the charge controller's low-voltage disconnect (12.0 V + 0.4 V guard): sleep mode.
    bench.solar.set_input(0.5, 0.0)
    bench.battery.set_input(12.1, -0.8)
    act = step(bench, 4)
    assert act.ap == 0 and not bench._hotspot.on and not bench.modem_on
    assert bench.marker.read_text().split() == ["off"]
    assert "hotspot: off (power policy)" in bench.lines and "power: modem off (power policy)" in bench.lines


def test_a_missing_sensor_is_a_fault_not_a_crash(bench):
    assert bench.start()
    del bench.bus.devices[bench.battery.addr]  # the battery's INA219 does not answer
    bench.solar.set_input(18.0, 1.0)
    act = step(bench)
    t = bench.monitor.telemetry()
    assert t["faults"] == ["battery:i2c"] and t["batt_v"] is None  # reported in the telemetry
    assert t["solar_w"] == pytest.approx(18.0, rel=0.05)
    assert act.mode >= 1  # without battery figures the policy caps the bench at saver
    assert bench._hotspot.on  # citizens are still served


def test_no_i2c_bus_runs_without_power_management_and_says_why(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "board.json").write_text((ROOT / "hardware" / "profiles" / "reference.json").read_text())
    lines = []
    task = AgentPowerTask({"power": {}}, None, log=lines.append)  # Blinka's board module: not on this machine
    assert task.start() is False and task.monitor is None and task.telemetry() == []
    assert any("no I2C bus" in line and "running without power management" in line for line in lines), lines
    with pytest.raises(OSError, match="no I2C bus"):
        blinka_i2c()
