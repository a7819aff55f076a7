# The simulator's side of machine.reset_cause() and machine.WDT (simulators/shims/machine.py loads
# this only when a bench asks, so the default bench carries none of it).
import os


def reset_cause():
    # numbered as on the ESP32 port (1 PWRON, 3 WDT, 4 DEEPSLEEP, 5 SOFT): the simulator says which
    # one started this process.
    return int(os.getenv("BENCHSIM_RESET_CAUSE") or 1)


class WDT:
    """The watchdog lives outside the CPU, as on the chip: each feed rewrites a file the simulator
    (simulators/bench.py) watches; if it grows older than the timeout, the simulator kills the
    interpreter and starts it again with reset cause WDT_RESET. It cannot be stopped."""

    def __init__(self, timeout):
        self.timeout = timeout
        print("machine: watchdog armed, %d ms" % timeout)
        self.feed()

    def feed(self):
        path = os.getenv("BENCHSIM_WDT")
        if path:
            with open(path, "w") as f:
                f.write("%d" % self.timeout)
