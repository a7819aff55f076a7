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
    # numbered as on the ESP32 port (1 PWRON, 3 WDT, 4 DEEPSLEEP, 5 SOFT): the simulator says which
    # one started this process. No constants here: each name would be interned on every bench.
    return int(os.getenv("BENCHSIM_RESET_CAUSE") or 1)


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


class WDT:
    """The watchdog lives outside the CPU, as on the chip: each feed rewrites a file the simulator
    (simulators/bench.py) watches; if it grows older than the timeout, the simulator kills the
    interpreter and starts it again with reset cause WDT_RESET. It cannot be stopped."""

    def __init__(self, id=0, timeout=5000):
        self.timeout = timeout
        print("machine: watchdog armed, %d ms" % timeout)
        self.feed()

    def feed(self):
        path = os.getenv("BENCHSIM_WDT")
        if path:
            with open(path, "w") as f:
                f.write("%d" % self.timeout)


def I2C(bus_id=0, scl=None, sda=None, freq=400000):
    # The simulated chips live in simulators/power (on MICROPYPATH in the simulator).
    from virtual_i2c import VirtualI2C

    return VirtualI2C(bus_id, scl=scl, sda=sda, freq=freq)
