# Runs on the real MicroPython interpreter (see test_micropython.py):
#   MICROPYPATH=firmware:simulators/power micropython -X heapsize=100K tests/power/mp_power_check.py
# Prints one JSON line of results that the pytest side checks.
import gc
import json

from benchcore.power.ina219 import INA219, calibration
from benchcore.power.monitor import PowerMonitor
from ina219_model import INA219Model
from virtual_i2c import VirtualI2C

out = {"calibration": calibration(0.1, 2.0)}


class Clock:
    def __init__(self):
        self.ms = 0.0

    def __call__(self):
        return self.ms


clk = Clock()
chip = INA219Model(0x41, 0.01, clk, noise_uv=0, noise_mv=0)
chip.set_input(13.31, -0.42)
bus = VirtualI2C(devices=[chip])
drv = INA219(bus, 0x41, 0.01, 6.0, 16)
drv.read()
clk.ms += 100
out["read"] = [drv.read(), drv.bus_mv, drv.shunt_uv, drv.current_ua, drv.power_uw]


class QuietI2C:
    """Registers in a list, no allocation: measures the driver alone."""
    def __init__(self):
        self.r = [0x0EEF, 0xFE5C, (3328 << 3) | 2, 0x0100, 0xFEF0, 20480]

    def readfrom_mem_into(self, addr, reg, buf):
        v = self.r[reg]
        buf[0] = v >> 8
        buf[1] = v & 0xFF

    def writeto_mem(self, addr, reg, buf):
        self.r[reg] = (buf[0] << 8) | buf[1]


q = INA219(QuietI2C(), 0x41, 0.01, 6.0, 16)
q.read()
q.read()


def alloc_of_reads(n):
    gc.collect()
    gc.disable()
    before = gc.mem_alloc()
    for _ in range(n):
        q.read()
    after = gc.mem_alloc()
    gc.enable()
    return after - before


alloc_of_reads(1)  # the function's own first-call costs
out["alloc_per_200_reads"] = alloc_of_reads(200)
out["quiet_current_ua"] = q.current_ua

# the monitor with bad input, on the interpreter that runs on the bench
solar = INA219Model(0x40, 0.01, clk, seed=1)
batt = INA219Model(0x41, 0.01, clk, seed=2)
solar.set_input(18.0, 1.5)
batt.set_input(13.3, 1.2)
bus = VirtualI2C(devices=[solar, batt])
profile = json.load(open("hardware/profiles/reference.json"))
mon = PowerMonitor(bus, profile, None, "/tmp/mp_power_state.json")
t = 1764547200 + 11 * 3600


def step(n):
    global t
    for _ in range(n):
        clk.ms += 2000
        t += 2
        mon.step(int(clk.ms), t)
    return mon.telemetry()


try:
    import os
    os.remove("/tmp/mp_power_state.json")
except OSError:
    pass
out["tel_ok"] = step(10)
bus.inject(0x41, "nack")
out["tel_nack"] = step(5)
bus.inject(0x41, None)
bus.inject(None, "stuck")
out["tel_stuck"] = step(3)
bus.clear_faults()
solar.set_input(18.0, -3.0)
out["tel_negative_solar"] = step(2)
solar.set_input(18.0, 1.5)
out["tel_recovered"] = step(3)
gc.collect()
out["mem_free"] = gc.mem_free()
print(json.dumps(out))
