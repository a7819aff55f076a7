"""The hardware watchdog, fed only while every watched task shows progress.

machine.WDT cannot be stopped once armed (ESP32), and a bench whose watchdog fires while a
technician's REPL or mpremote session holds it cannot be flashed. So it is armed only after a
grace period from boot (time for mpremote to interrupt the bench first), and not at all while the
file `maintenance` is on the flash (written when the application is interrupted from the REPL,
and by a technician with `mpremote fs touch :maintenance`); that file expires after
MAINTENANCE_MS so that a bench left in the field is never unguarded for long. A deep sleep is a
full reset: the next boot arms it again.
"""
import asyncio
import os

from benchcore.compat import const, ticks_diff, ticks_ms

MAINTENANCE_FILE = "maintenance"
MAINTENANCE_MS = const(3600000)
_FEED_EVERY_MS = const(1000)


class Watchdog:
    def __init__(self, timeout_ms=30000, grace_ms=30000, log=print):
        self.timeout_ms = timeout_ms
        self.grace_ms = grace_ms
        self._log = log
        self._checks = []  # (name, () -> ticks_ms of the task's last progress, allowed ms)
        self.armed = False
        self.stalled = None  # the name of the task that stopped the feeding

    def watch(self, name, last_progress, within_ms):
        self._checks.append((name, last_progress, within_ms))

    def first_stalled(self, now=None):
        now = ticks_ms() if now is None else now
        for name, last_progress, within_ms in self._checks:
            if ticks_diff(now, last_progress()) > within_ms:
                return name
        return None

    def _in_maintenance(self):
        try:
            os.stat(MAINTENANCE_FILE)
            return True
        except OSError:
            return False

    async def run(self):
        started = ticks_ms()
        await asyncio.sleep_ms(self.grace_ms)
        while self._in_maintenance():
            if ticks_diff(ticks_ms(), started) > MAINTENANCE_MS:
                os.remove(MAINTENANCE_FILE)
                self._log("watchdog: maintenance expired")
                break
            self._log("watchdog: not armed (maintenance)")
            await asyncio.sleep(60)
        import machine

        wdt = machine.WDT(timeout=self.timeout_ms)
        self.armed = True
        self._log("watchdog: armed, %d ms" % self.timeout_ms)
        while True:
            stalled = self.first_stalled()
            if stalled is None:
                wdt.feed()
            elif stalled != self.stalled:
                self._log("watchdog: %s shows no progress: not fed, the bench will reset" % stalled)
            self.stalled = stalled
            await asyncio.sleep_ms(_FEED_EVERY_MS)
