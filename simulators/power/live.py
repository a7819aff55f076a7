"""Live power source for a simulated bench running on MicroPython (imported by VirtualI2C).

Deliberately simple: a sine-shaped day, a linear battery, constant load, at `accel` times real
time.  Settings come from `power_sim.json` in the bench's flash directory (the process's working
directory) or the BENCHSIM_POWER environment variable (the same JSON as a string); the file is
re-read every 2 s, so a test can inject faults or change the sun while the bench runs:

    {"accel": 60, "t0": 1764576000, "start_soc": 80, "capacity_ah": 30, "peak_w": 60,
     "sun": 0.6, "load_w": 0.6, "addr": [64, 65], "shunt_ohm": [0.01, 0.01],
     "faults": {"64": "nack"}, "stuck": false, "solar_override": null}

`solar_override`: [volts, amps] forced on the solar chip (e.g. [18, -3] for absurd negative solar).
"""

import json
import math
import os
import time

try:
    from ina219_model import INA219Model
except ImportError:
    from simulators.power.ina219_model import INA219Model

try:
    _ticks = time.ticks_ms
    _diff = time.ticks_diff
except AttributeError:  # CPython
    def _ticks():
        return int(time.monotonic() * 1000)

    def _diff(a, b):
        return a - b

_DEFAULTS = {"accel": 60, "t0": None, "start_soc": 80.0, "capacity_ah": 30.0, "peak_w": 60.0,
             "sun": 0.6, "load_w": 0.6, "addr": [64, 65], "shunt_ohm": [0.01, 0.01],
             "faults": {}, "stuck": False, "solar_override": None}


def _read_settings():
    s = dict(_DEFAULTS)
    raw = None
    try:
        with open("power_sim.json") as f:
            raw = f.read()
    except OSError:
        raw = os.getenv("BENCHSIM_POWER") if hasattr(os, "getenv") else None
    if raw:
        try:
            s.update(json.loads(raw))
        except ValueError:
            pass
    return s


class LiveSource:
    def __init__(self, bus):
        self.bus = bus
        self.cfg = _read_settings()
        c = self.cfg
        self.t_real0 = _ticks()
        self.t_sim0 = c["t0"] if c["t0"] is not None else time.time()
        self.ah = c["capacity_ah"] * c["start_soc"] / 100.0
        self.solar = INA219Model(c["addr"][0], c["shunt_ohm"][0], clock_ms=self.now_ms, seed=11)
        self.batt = INA219Model(c["addr"][1], c["shunt_ohm"][1], clock_ms=self.now_ms, seed=12)
        bus.attach(self.solar)
        bus.attach(self.batt)
        self._last = self.t_real0
        self._last_cfg = self.t_real0

    def now_ms(self):
        return _diff(_ticks(), self.t_real0) * self.cfg["accel"]

    def sim_time(self):
        return self.t_sim0 + self.now_ms() / 1000.0

    def poll(self):
        now = _ticks()
        if _diff(now, self._last_cfg) > 2000:
            self._last_cfg = now
            self.cfg = _read_settings()
            self.bus.faults = {}
            for k in self.cfg["faults"]:
                self.bus.faults[int(k)] = self.cfg["faults"][k]
            self.bus.stuck = bool(self.cfg["stuck"])
        dt = _diff(now, self._last) * self.cfg["accel"] / 1000.0
        if dt < 0.5:
            return
        self._last = now
        c = self.cfg
        self.ah, v, i, p_pv = battery_step(c, self.ah, self.sim_time(), dt)
        v_pv = 18.0 if p_pv > 0 else 0.0
        i_pv = p_pv / v_pv if v_pv else 0.0
        if c["solar_override"]:
            v_pv, i_pv = c["solar_override"]
        self.solar.set_input(v_pv, i_pv)
        self.batt.set_input(v + i * 0.025, i)


def battery_step(c, ah, sim_t, dt):
    """The battery over dt seconds ending at sim_t (local solar time of day from sim_t % 86400):
    -> (ah, volts, amps into the battery, PV watts). The fleet simulator tracks each bench's
    battery with the same step while the bench is off."""
    hour = (sim_t % 86400) / 3600.0
    sun = math.sin(math.pi * (hour - 7) / 10) if 7 < hour < 17 else 0.0
    p_pv = c["peak_w"] * c["sun"] * sun
    soc = 100.0 * ah / c["capacity_ah"]
    v = _ocv_v(soc)
    i = (p_pv * 0.95 - c["load_w"]) / v
    if soc >= 100 and i > 0:
        i = 0.0
    return max(0.0, min(c["capacity_ah"], ah + i * dt / 3600.0)), v, i, p_pv


def _ocv_v(soc):
    """Rest voltage of the battery at this SoC: the firmware's own LiFePO4 curve, so a bench that
    boots without saved state estimates the SoC the simulation gives it."""
    try:
        from benchcore.power.soc import CHEMISTRY
        curve = CHEMISTRY["LiFePO4"]["ocv"]
    except ImportError:
        return 12.0 + 0.014 * soc
    lo = curve[0]
    for hi in curve:
        if soc <= hi[0]:
            if hi[0] == lo[0]:
                return hi[1] / 1000.0
            return (lo[1] + (hi[1] - lo[1]) * (soc - lo[0]) / (hi[0] - lo[0])) / 1000.0
        lo = hi
    return curve[-1][1] / 1000.0


def attach_live(bus):
    return LiveSource(bus)
