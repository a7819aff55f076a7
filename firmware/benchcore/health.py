"""Is this boot healthy, and does the release on trial keep its place?

Healthy: the portal serves and, where the bench has an uplink, the hub's broker is reached, for
HEALTHY_AFTER_MS of uptime; then the boot journal's count of failed boots starts again (safe mode
comes after repeated failures, bootslot.py). A release on trial is kept only when the hub, having
seen the bench report it healthy, confirms it (cmd release_confirm); if that does not happen within
trial_ms of uptime the bench goes back to the previous tree. A deep sleep stops this clock and the
next boot is not counted as a failed try (bootslot.select), so sleeping is not failing.
"""
import asyncio

import bootslot
from benchcore.compat import const, ticks_diff, ticks_ms

HEALTHY_AFTER_MS = const(20000)
_CHECK_MS = const(1000)


class Health:
    def __init__(self, portal_ok, uplink=None, trial_ms=600000, log=print, reset=None):
        self._portal_ok = portal_ok  # () -> bool
        self._uplink = uplink  # None: no uplink configured
        self.trial_ms = trial_ms
        self._log = log
        self._reset = reset
        self.healthy = False
        self._since = None  # ticks_ms since when the bench has been healthy without a break
        self._started = ticks_ms()

    def now_healthy(self):
        return self._portal_ok() and (self._uplink is None or self._uplink.connected)

    def confirm(self, seq):
        """The hub's release_confirm: kept only if the bench is healthy now."""
        if not self.now_healthy():
            self._log("health: release %d not confirmed: the bench is not healthy now" % seq)
            return False
        if bootslot.confirm(seq):
            self._log("health: release %d confirmed" % seq)
            return True
        return False

    def step(self, now):
        if self.now_healthy():
            if self._since is None:
                self._since = now
            if not self.healthy and ticks_diff(now, self._since) >= HEALTHY_AFTER_MS:
                self.healthy = True
                bootslot.mark_healthy()
                self._log("health: healthy")
        else:
            self._since = None
        trial = bootslot.journal.get("trial")
        if trial and ticks_diff(now, self._started) > self.trial_ms:
            bootslot.roll_back("not confirmed within %d s" % (self.trial_ms // 1000))
            self._log("health: release %d not confirmed in time: back to the previous release" % trial["seq"])
            return True
        return False

    async def run(self):
        while True:
            await asyncio.sleep_ms(_CHECK_MS)
            if self.step(ticks_ms()) and self._reset:
                await asyncio.sleep_ms(500)
                self._reset()
