# `machine` for the simulated bench: shadows MicroPython's built-in module (first on MICROPYPATH).
import os
import sys

_EXIT_RESET = 75  # the simulator restarts a bench that exits with this code
_EXIT_DEEPSLEEP = 76  # ... after the sleep it printed


def unique_id():
    return (os.getenv("BENCHSIM_ID") or "sim").encode()[:6]


def reset():
    print("machine: reset")
    sys.exit(_EXIT_RESET)


def deepsleep(ms=0):
    print("machine: deepsleep %d" % ms)
    sys.exit(_EXIT_DEEPSLEEP)


def freq(hz=None):
    return 240000000


def reset_cause():
    # The simulator's reset causes and watchdog live in machine_sim, loaded only by a bench that
    # asks (one with a boot journal): this module is loaded on every bench, and each name and line
    # here costs the default bench's idle heap, which is at its edge (docs/updates.md, "Heap").
    from machine_sim import reset_cause

    return reset_cause()


class Pin:
    IN = 1
    OUT = 3
    PULL_UP = 2
    PULL_DOWN = 1

    def __init__(self, pin_id, mode=-1, pull=None, value=None):
        self.id = pin_id
        self._value = value or 0

    def value(self, v=None):
        if v is None:
            return self._value
        if bool(v) != bool(self._value):
            print("machine: pin %s -> %d" % (self.id, 1 if v else 0))
        self._value = 1 if v else 0

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)


def WDT(id=0, timeout=5000):
    from machine_sim import WDT

    return WDT(timeout)


def I2C(bus_id=0, scl=None, sda=None, freq=400000):
    # The simulated chips live in simulators/power (on MICROPYPATH in the simulator).
    from virtual_i2c import VirtualI2C

    return VirtualI2C(bus_id, scl=scl, sda=sda, freq=freq)
