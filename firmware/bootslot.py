"""Which application tree this boot runs, from the boot journal (boot.json); run by boot.py.

Not part of a release: it stays at the flash's root with boot.py and main.py, so a bad release
cannot break the way back. The factory tree is the root itself (benchcore/, lib/, www/); a release
lives whole in app/<seq>/, written beside the running tree and never modified after the switch.
Switching is one atomic rename of boot.json (write boot.json.tmp, rename: atomic on littlefs), so a
power cut at any byte leaves the old journal or the new one: the old tree or the new, never a mix.

The journal: "good" (the confirmed release, or None for the factory tree), "trial" (a release on
probation, with the boots it has had), "failed" (the last release rolled back, and why, until the
hub has heard), "unhealthy" (consecutive boots that did not reach healthy) and "safe" (safe mode).
A wake from deep sleep is not a new try: a release that sleeps before it is confirmed is not
rolled back for that (docs/updates.md).
"""
import json
import os
import sys

JOURNAL = "boot.json"
MAX_TRIAL_BOOTS = 3  # a release that fails this many boots in a row goes back
SAFE_AFTER = 4  # consecutive unhealthy boots before safe mode
_DEEPSLEEP_RESET = 4  # machine.DEEPSLEEP_RESET on the ESP32

ROOT = ""  # the running tree's directory with a trailing "/", or "" for the factory tree
RUNNING = None  # the journal entry of the tree this boot runs (None: factory), fixed at boot
journal = {}


def load():
    try:
        with open(JOURNAL) as f:
            value = json.loads(f.read())
        if isinstance(value, dict):
            return value
    except (OSError, ValueError):
        pass
    return {"good": None, "trial": None, "failed": None, "unhealthy": 0, "safe": False}


def save(value):
    tmp = JOURNAL + ".tmp"
    with open(tmp, "w") as f:
        f.write(json.dumps(value))
    os.rename(tmp, JOURNAL)


def _reset_cause():
    try:
        import machine

        return machine.reset_cause()
    except (ImportError, AttributeError):
        return 0


def select(reset_cause=None):
    """Count this boot, roll a failing trial back, enter safe mode after repeated failures, and put
    the chosen tree first on sys.path. Returns the journal."""
    global ROOT, RUNNING, journal
    j = load()
    if reset_cause is None:
        reset_cause = _reset_cause()
    if reset_cause != _DEEPSLEEP_RESET:
        j["unhealthy"] = j.get("unhealthy", 0) + 1
        trial = j.get("trial")
        if trial:
            trial["tries"] = trial.get("tries", 0) + 1
            if trial["tries"] > MAX_TRIAL_BOOTS:
                j["failed"] = {"seq": trial["seq"], "version": trial["version"],
                               "reason": "not confirmed after %d boots" % MAX_TRIAL_BOOTS}
                j["trial"] = None
                j["unhealthy"] = 0  # the failures were the trial's, not the good tree's
        if not j.get("trial") and j["unhealthy"] > SAFE_AFTER:
            j["safe"] = True
        save(j)
    run = j.get("trial") or j.get("good")
    RUNNING = dict(run, state="trial" if j.get("trial") else "good") if run else None
    ROOT = run["dir"] + "/" if run else ""
    if ROOT:
        sys.path.insert(0, ROOT + "lib")
        sys.path.insert(0, ROOT[:-1])
    journal = j
    return j


def update(**values):
    """Change journal entries (one atomic write)."""
    journal.update(values)
    save(journal)


def mark_healthy():
    """This boot reached healthy: the count of failed boots starts again."""
    if journal.get("unhealthy"):
        update(unhealthy=0)


def confirm(seq):
    """The hub acked the trial release seq, which this boot runs: it becomes the good one."""
    trial = journal.get("trial")
    if not trial or trial["seq"] != seq or not running_trial():
        return False
    trial.pop("tries", None)
    update(good=trial, trial=None, unhealthy=0)
    return True


def running_trial():
    """This boot runs the release on trial (not one merely staged for the next boot)."""
    trial = journal.get("trial")
    return bool(trial and RUNNING and RUNNING["state"] == "trial" and RUNNING["seq"] == trial["seq"])


def roll_back(reason):
    """Give up on the trial release this boot runs (e.g. not confirmed in time): the previous tree
    runs from the next boot."""
    trial = journal.get("trial")
    if trial and running_trial():
        update(trial=None, failed={"seq": trial["seq"], "version": trial["version"], "reason": reason})


def newest_seen():
    """The highest release number this bench has accepted, tried or refused: a manifest must be
    newer (a replayed old one, even correctly signed, is refused)."""
    seqs = [journal.get("seen", 0)]
    for key in ("good", "trial", "failed"):
        if journal.get(key):
            seqs.append(journal[key]["seq"])
    return max(seqs)


def running():
    """(seq, version, state) of the tree this boot runs: state is "trial", "good" (confirmed, also
    once a trial is confirmed during this boot) or "factory"."""
    if not RUNNING:
        return 0, None, "factory"
    return RUNNING["seq"], RUNNING["version"], "trial" if running_trial() else "good"


# -- the bench's start on a flash with a journal (boot.py calls run(); main.py is main's, unchanged) --
# Everything that only benches with a journal do lives here and in benchcore.keepalive, not in
# main.py or benchcore.app: every name a loaded module holds is interned for good, and the default
# bench sits just below the interpreter's next string-pool step (docs/updates.md, "Heap").

def run():
    """Count this boot, pick the tree, then run the bench from here (main.py inside a guard): safe
    mode after repeated failed boots; an exception (MemoryError included) is a reset, a failed boot
    the journal counts; a technician's Ctrl-C writes `maintenance` (the watchdog stays unarmed after
    one reset, benchcore/keepalive.py). Returns only after Ctrl-C; a journal it cannot use: at once,
    without the journal (the factory tree runs as on a bench without one)."""
    try:
        select()
    except Exception as exc:
        print("boot: journal unusable (%r): factory tree" % (exc,))
        del sys.modules["bootslot"]
        return
    try:
        if journal.get("safe"):
            from benchcore.safemode import run as safe_mode

            safe_mode()
        else:
            import benchcore.keepalive  # noqa: F401  below main.py's ballast: packed with the boot's modules
            from benchcore import app

            _hook(app)
            import main  # noqa: F401  the bench (it starts benchcore.app, which the hook watches)
        raise KeyboardInterrupt  # the application returns only when interrupted
    except KeyboardInterrupt:
        open("maintenance", "w").close()
        print("main: interrupted: maintenance (the watchdog stays unarmed after a reset)")
    except Exception as exc:
        sys.print_exception(exc)
        print("main: the application failed (%r): reset" % (exc,))
        import machine

        machine.reset()


def _hook(app_module):
    """benchcore.app knows nothing of the journal (not even this module's name: each name it held
    would be interned on every bench): its _captive_portal() is wrapped here, and once the bench has
    built its portal, start() attaches the keepalive to it."""
    captive_portal = app_module._captive_portal

    def portal_then_keepalive(cfg, hotspot, outbox, uplink, power):
        app = captive_portal(cfg, hotspot, outbox, uplink, power)
        start(cfg, app, uplink if uplink.keyring.usable else None, uplink._downlink,
              power if power.monitor else None, log=app_module.log)
        return app

    app_module._captive_portal = portal_then_keepalive
    if ROOT:  # a release's pages are in its own tree
        from benchcore import i18n, portal

        create_app = portal.create_app
        portal.create_app = lambda *args, **kwargs: create_app(*args, www=ROOT + "www", **kwargs)
        i18n._WORDS_DIR = ROOT + i18n._WORDS_DIR


def start(cfg, app, uplink, downlink, power, log=print):
    """Once the bench is built, before the portal serves: the watchdog, health, the trial's clock and
    updates (benchcore.keepalive). uplink: None without a signing key; power: None without a power monitor."""
    from benchcore.keepalive import KeepAlive

    keepalive = KeepAlive(cfg, downlink, log=log)
    keepalive.start(app, uplink=uplink, power=power)

    @app.get("/keepalive.json")  # what telemetry reports, for a technician's look (and the simulator)
    async def keepalive_status(request):
        return json.dumps(dict(keepalive.telemetry())), 200, {"Content-Type": "application/json",
                                                             "Cache-Control": "no-store"}

    return keepalive
