"""Wires the watchdog, the health check and the updater into a running bench (app.py, safemode.py).

config.json: "release_key" (hex Ed25519 public key of the hub's releases; without it the bench
takes no update), "watchdog": {"timeout_s": 30, "grace_s": 30, "enabled": true}, "updates":
{"trial_s": 600}.
"""
import asyncio
from binascii import unhexlify

import bootslot
from benchcore import protocol
from benchcore.compat import ticks_diff, ticks_ms

# How long each task may show no progress before the watchdog stops feeding (ms): the uplink backs
# off up to 60 s between connection attempts; the power task samples every few seconds.
UPLINK_WITHIN_MS = 150000
POWER_WITHIN_MS = 60000
PORTAL_WITHIN_MS = 60000
MAX_FETCH_ATTEMPTS = 5  # a release whose files keep failing is given up (the hub sends a new one)
FETCH_RETRY_S = 30


def _reset():
    import machine

    machine.reset()


def _reset_cause():
    try:
        import machine

        return machine.reset_cause()
    except (ImportError, AttributeError):
        return 0


class KeepAlive:
    def __init__(self, cfg, downlink, log=print):
        self.cfg = cfg
        self._log = log
        self.reset_cause = _reset_cause()
        self.release_key = unhexlify(cfg["release_key"]) if cfg.get("release_key") else None
        self.update_state = ["idle", 0, ""]  # state, the release it is about, detail
        self._wake = asyncio.Event()
        self.bytes_fetched = 0
        if self.release_key:
            downlink.extra_commands[protocol.CMD_UPDATE] = self._on_update
        downlink.extra_commands[protocol.CMD_RELEASE_CONFIRM] = self._on_confirm
        downlink.extra_commands[protocol.CMD_LEAVE_SAFE_MODE] = self._on_leave_safe_mode
        self.health = None
        self.watchdog = None
        self.quiet = None  # () -> bool: no citizen's request in service (set by the app)

    # -- updates ------------------------------------------------------------------------------
    def _report(self, state, seq, detail):
        self.update_state[:] = state, seq, detail
        self._log("update: %s %d %s" % (state, seq, detail))

    def _on_update(self, msg):
        """The hub asks for a release: remembered in the journal, so a power cut resumes it."""
        seq, version, url = msg.get("seq"), msg.get("version"), msg.get("url")
        if not isinstance(seq, int) or not isinstance(url, str) or not isinstance(version, str):
            raise ValueError("update needs seq, version and url")
        newest = bootslot.newest_seen()
        if seq <= newest:
            self._report("refused", seq, "release %d is not newer than %d (replay?)" % (seq, newest))
            return
        bootslot.update(pending={"seq": seq, "version": version, "url": url, "attempts": 0})
        self._wake.set()

    async def _updates(self):
        """Fetch what the journal says is pending; the updater's code is in RAM only meanwhile."""
        while True:
            pending = bootslot.journal.get("pending")
            if not pending:
                self._wake.clear()
                await self._wake.wait()
                continue
            from benchcore import updater

            fetcher = updater.Updater(self.release_key, self._report, self._log)
            fetcher.prune()  # trees no journal entry names (a replaced or abandoned release) make room
            seq, retry = pending["seq"], False
            try:
                await fetcher.fetch(seq, pending["version"], pending["url"])
            except updater.ReleaseRefused as exc:
                bootslot.update(pending=None, seen=max(seq, bootslot.journal.get("seen", 0)))
                self._report("refused", seq, str(exc))
            except (OSError, ValueError, MemoryError) as exc:  # network, flash, a file that does not match
                pending["attempts"] = pending.get("attempts", 0) + 1
                gave_up = pending["attempts"] >= MAX_FETCH_ATTEMPTS
                bootslot.update(pending=None if gave_up else pending)
                self._report("failed", seq, ("gave up: %r" if gave_up else "%r") % (exc,))
                retry = not gave_up
            self.bytes_fetched += fetcher.bytes_fetched
            updater.unload("updater")
            del fetcher, updater
            if self.update_state[0] == "staged":
                await self._reboot_quietly()
            if retry:
                await asyncio.sleep(FETCH_RETRY_S)

    def _on_confirm(self, msg):
        if self.health is not None and isinstance(msg.get("seq"), int):
            self.health.confirm(msg["seq"])

    def _on_leave_safe_mode(self, msg):
        if bootslot.journal.get("safe"):
            self._log("keepalive: the hub ends safe mode")
            bootslot.update(safe=False, unhealthy=0)
            asyncio.create_task(self._later(_reset))

    async def _later(self, then, ms=1000):
        await asyncio.sleep_ms(ms)
        then()

    async def _reboot_quietly(self):
        """Switch at a moment no citizen is mid-request (at most a minute's wait)."""
        for _ in range(60):
            if self.quiet is None or self.quiet():
                break
            await asyncio.sleep(1)
        self._log("update: release staged, restarting into it")
        await asyncio.sleep_ms(500)
        _reset()

    def start(self, portal_ok, uplink=None, power=None):
        """Start the tasks: health (and trial timer), updater, watchdog."""
        from benchcore.health import Health
        from benchcore.watchdog import Watchdog

        updates = self.cfg.get("updates", {})
        self.health = Health(portal_ok, uplink=uplink, trial_ms=updates.get("trial_s", 600) * 1000,
                             log=self._log, reset=_reset)
        asyncio.create_task(self.health.run())
        if self.release_key:
            asyncio.create_task(self._updates())
        wd = self.cfg.get("watchdog", {})
        if wd.get("enabled", True):
            self.watchdog = Watchdog(timeout_ms=wd.get("timeout_s", 30) * 1000, grace_ms=wd.get("grace_s", 30) * 1000,
                                     log=self._log)
            self.watchdog.watch("portal", self._portal_progress(portal_ok), PORTAL_WITHIN_MS)
            if uplink is not None:
                self.watchdog.watch("uplink", lambda: uplink.alive_ms, UPLINK_WITHIN_MS)
            if power is not None and power.monitor is not None:
                self.watchdog.watch("power", lambda: power.alive_ms, POWER_WITHIN_MS)
            asyncio.create_task(self.watchdog.run())

    @staticmethod
    def _portal_progress(portal_ok):
        last = [ticks_ms()]

        def progress():
            if portal_ok():
                last[0] = ticks_ms()
            return last[0]

        return progress

    def telemetry(self):
        """(key, value) pairs: reset cause, safe mode, the running release and the update state."""
        seq, _, running_state = bootslot.running()
        state, about, detail = self.update_state
        failed = bootslot.journal.get("failed")
        if state == "idle":
            if running_state == "trial":
                state, about = "trial", seq
            elif failed and failed["seq"] > seq:
                state, about, detail = "rolled_back", failed["seq"], failed["reason"]
            elif running_state == "good":
                state, about = "good", seq
        pairs = [(protocol.T_RESET_CAUSE, self.reset_cause), (protocol.T_SAFE_MODE, bool(bootslot.journal.get("safe"))),
                 (protocol.T_APP_SEQ, seq), (protocol.T_UPDATE, state), (protocol.T_UPDATE_SEQ, about)]
        if detail:
            pairs.append((protocol.T_UPDATE_DETAIL, detail[:80]))
        return pairs


def portal_checker(server, stuck_ms=60000):
    """() -> bool: the portal's server task lives and no request has held a slot for stuck_ms."""

    def ok():
        now = ticks_ms()
        for slot in getattr(server, "_slots", ()):
            if slot.task is not None and ticks_diff(now, slot.t0) > stuck_ms:
                return False
        return True

    return ok
