"""Keeps a bench alive: the watchdog, the health check with the trial of a new release, and update
requests (the download itself is benchcore.updater, loaded only while a release is fetched). One
module, not three: each module a bench loads costs it RAM for good (docs/updates.md, "Heap").

Watchdog: machine.WDT cannot be stopped once armed (ESP32), and a bench whose watchdog fires while
a technician's REPL or mpremote session holds it cannot be flashed. So it is not armed while the
file `maintenance` is on the flash (main.py writes it when the application is interrupted from the
REPL: the technician sees at most one reset; or `mpremote fs touch :maintenance`); that file
expires after MAINTENANCE_MS, so a bench left in the field is never unguarded for long. Otherwise
it is armed at start, before any task runs (a task that blocks the event loop before a deferred
arming would hang the bench for good); watchdog.grace_s defers it if wanted. It is fed only while the portal, the
uplink and the power task all show progress. A deep sleep is a full reset: the next boot arms it.

Health: the portal serves and, where the bench has an uplink, the broker is reached, for
HEALTHY_AFTER_MS: then the journal's count of failed boots starts again (bootslot.py). A release
on trial is kept only when the hub, having seen the bench report it, confirms it (release_confirm)
while the bench is healthy; otherwise, after trial_s of uptime, the bench goes back. A deep sleep
stops that clock and the wake is not counted as a failed boot: sleeping is not failing.

config.json: "release_key" (hex Ed25519 public key of the hub's releases; without it the bench
takes no update), "watchdog": {"timeout_s": 30, "grace_s": 30, "enabled": true}, "updates":
{"trial_s": 600, "retry_s": 30}.
"""
import asyncio
import os
from binascii import unhexlify

import bootslot
from benchcore import contract
from benchcore import protocol_updates as protocol
from benchcore.compat import print_exception, ticks_diff, ticks_ms

# How long each task may show no progress before the watchdog stops feeding (ms): the uplink backs
# off up to 60 s between connection attempts; the power task samples every few seconds.
UPLINK_WITHIN_MS = 150000
POWER_WITHIN_MS = 60000
PORTAL_WITHIN_MS = 60000
HEALTHY_AFTER_MS = 20000
MAINTENANCE_FILE = "maintenance"
MAINTENANCE_MS = 3600000
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
        commands = {protocol.CMD_RELEASE_CONFIRM: self._on_confirm, protocol.CMD_LEAVE_SAFE_MODE: self._on_leave_safe_mode}
        if self.release_key:
            commands[protocol.CMD_UPDATE] = self._on_update
        _take_commands(downlink, commands)
        self.healthy = False
        self._healthy_since = None
        self._started = ticks_ms()
        self.trial_ms = cfg.get("updates", {}).get("trial_s", 600) * 1000
        self.retry_s = cfg.get("updates", {}).get("retry_s", FETCH_RETRY_S)
        self._portal_ok = lambda: True
        self._uplink = None
        self._checks = []  # (name, () -> ticks_ms of its last progress, allowed ms)
        self.wdt_armed = False
        self.stalled = None  # the task that stopped the feeding
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
                if isinstance(exc, MemoryError):  # the heap was busy with citizens: not the release's fault,
                    print_exception(exc)  # so not counted (measured: phones without pause, docs/updates.md)
                else:
                    pending["attempts"] = pending.get("attempts", 0) + 1
                gave_up = pending.get("attempts", 0) >= MAX_FETCH_ATTEMPTS
                bootslot.update(pending=None if gave_up else pending)
                self._report("failed", seq, ("gave up: %r" if gave_up else "%r") % (exc,))
                retry = not gave_up
            self.bytes_fetched += fetcher.bytes_fetched
            updater.unload("updater")
            updater.unload("release")
            del fetcher, updater
            if self.update_state[0] == "staged":
                await self._reboot_quietly()
            if retry:
                await asyncio.sleep(self.retry_s)

    # -- health and the trial of a release ------------------------------------------------------
    def now_healthy(self):
        return self._portal_ok() and (self._uplink is None or self._uplink.connected)

    def _on_confirm(self, msg):
        """The hub's release_confirm: kept only if the bench is healthy now."""
        seq = msg.get("seq")
        if not isinstance(seq, int):
            raise ValueError("release_confirm needs seq")
        if not self.now_healthy():
            self._log("keepalive: release %d not confirmed: the bench is not healthy now" % seq)
        elif bootslot.confirm(seq):
            self._log("keepalive: release %d confirmed" % seq)

    def health_step(self, now):
        """Once a second; True when the trial release has run out of time (the caller resets)."""
        if self.now_healthy():
            if self._healthy_since is None:
                self._healthy_since = now
            if not self.healthy and ticks_diff(now, self._healthy_since) >= HEALTHY_AFTER_MS:
                self.healthy = True
                bootslot.mark_healthy()
                self._log("keepalive: healthy")
                try:  # a new interpreter image is kept only once a boot of it is healthy (benchcore/ota.py)
                    from esp32 import Partition

                    Partition.mark_app_valid_cancel_rollback()
                except (ImportError, OSError):  # no OTA partitions, or no rollback in this bootloader
                    pass
        else:
            self._healthy_since = None
        trial = bootslot.journal.get("trial")
        if bootslot.running_trial() and ticks_diff(now, self._started) > self.trial_ms:
            bootslot.roll_back("not confirmed within %d s" % (self.trial_ms // 1000))
            self._log("keepalive: release %d not confirmed in time: back to the previous one" % trial["seq"])
            return True
        return False

    # -- watchdog ---------------------------------------------------------------------------------
    def first_stalled(self, now):
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

    def _arm(self, timeout_ms):
        import machine

        self._wdt = machine.WDT(timeout=timeout_ms)
        self.wdt_armed = True
        self._log("keepalive: watchdog armed, %d ms" % timeout_ms)

    async def _arm_later(self, timeout_ms, grace_ms):
        await asyncio.sleep_ms(grace_ms)
        while self._in_maintenance():
            if ticks_diff(ticks_ms(), self._started) > MAINTENANCE_MS:
                os.remove(MAINTENANCE_FILE)
                self._log("keepalive: maintenance expired")
                break
            self._log("keepalive: watchdog not armed (maintenance)")
            await asyncio.sleep(60)
        self._arm(timeout_ms)

    async def _run(self):
        """Once a second: health, the trial's clock, and the watchdog fed if every task progresses."""
        while True:
            await asyncio.sleep_ms(1000)
            now = ticks_ms()
            if self.health_step(now):
                await asyncio.sleep_ms(500)
                _reset()
            if self.wdt_armed:
                stalled = self.first_stalled(now)
                if stalled is None:
                    self._wdt.feed()
                elif stalled != self.stalled:
                    self._log("keepalive: %s shows no progress: watchdog not fed, the bench will reset" % stalled)
                self.stalled = stalled

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

    def start(self, portal, uplink=None, power=None):
        """Start the tasks: health and the trial's clock with the watchdog, and updates. portal: the
        PortalServer (or a () -> bool saying it serves)."""
        if not callable(portal):
            server = portal  # bound apart: portal is the checker below, and a lambda sees the last binding
            self.quiet = lambda: not server.active
            portal = portal_checker(server)
        portal_ok = portal
        self._portal_ok, self._uplink = portal_ok, uplink
        self._checks.append(("portal", self._portal_progress(portal_ok), PORTAL_WITHIN_MS))
        if uplink is not None:
            _ping_when_quiet(uplink)
            self._checks.append(("uplink", _progress_of(uplink, uplink.step, lambda: not uplink.connected),
                                 UPLINK_WITHIN_MS))
            pairs = uplink._telemetry  # the bench's telemetry, then the keepalive's keys
            if pairs:
                uplink._telemetry = lambda: pairs() + self.telemetry()
        if power is not None:
            self._checks.append(("power", _progress_of(power.monitor, power.monitor.step), POWER_WITHIN_MS))
        wd = self.cfg.get("watchdog", {})
        if wd.get("enabled", True):
            timeout_ms, grace_ms = wd.get("timeout_s", 30) * 1000, wd.get("grace_s", 0) * 1000
            if grace_ms or self._in_maintenance():
                asyncio.create_task(self._arm_later(timeout_ms, grace_ms))
            else:  # now, before any task runs: a task that blocks the event loop is a reset, not a hang
                self._arm(timeout_ms)
        asyncio.create_task(self._run())
        if self.release_key:
            asyncio.create_task(self._updates())

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


def _progress_of(obj, step, idle=None):
    """() -> ticks_ms of the last call of obj.step (wrapped here, so the default bench's modules
    carry no watchdog names), or now while idle() (the uplink between connection attempts)."""
    last = [ticks_ms()]

    def stepping(*args):
        last[0] = ticks_ms()
        return step(*args)

    obj.step = stepping

    def progress():
        if idle is not None and idle():
            last[0] = ticks_ms()
        return last[0]

    return progress


def _ping_when_quiet(uplink):
    """umqtt.simple sends no keepalive of its own and the uplink pings only when nothing went out for
    half the keepalive: with telemetry every few seconds (QoS 0, never answered) nothing comes in, and
    its dead-link check drops a healthy link. So also ping when nothing came in for half the keepalive
    (at most every quarter). Here, not in uplink.py: a bench with a journal reports often and must not
    lose its link (the hub's confirmation), and the default bench gains no name."""
    step = uplink.step
    pinged = [0]

    def stepping():
        if uplink.connected:
            now, half = ticks_ms(), uplink._mqtt["keepalive"] * 500
            if ticks_diff(now, uplink._last_rx) > half and ticks_diff(now, pinged[0]) > half // 2:
                uplink._client.ping()
                pinged[0] = now
        return step()

    uplink.step = stepping


def _take_commands(downlink, commands):
    """Handle the update commands (name -> handler(msg)) before the downlink does: checked against
    their own spec (protocol_updates.CMD_SPEC; contract's spec does not name them, so a bench without
    the journal refuses them), with the downlink's rule: a command number not above the last one is
    refused (replay), and is counted first. Every other message goes to the downlink as before."""
    handle = downlink.handle

    def handle_updates_first(leaf, msg):
        if leaf != contract.cmd or not isinstance(msg, dict) or msg.get("cmd") not in commands:
            return handle(leaf, msg)
        contract.check(msg, protocol.CMD_SPEC)
        n = msg["n"]
        if n <= downlink.state.get("cmd_n", 0):
            raise ValueError("command number %r is not new (replay?)" % (n,))
        downlink.state.update(cmd_n=n)
        commands[msg["cmd"]](msg)

    downlink.handle = handle_updates_first


def portal_checker(server, stuck_ms=60000):
    """() -> bool: the portal's server task lives and no request has held a slot for stuck_ms."""

    def ok():
        now = ticks_ms()
        for slot in getattr(server, "_slots", ()):
            if slot.task is not None and ticks_diff(now, slot.t0) > stuck_ms:
                return False
        return True

    return ok
