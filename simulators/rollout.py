"""`benchsim rollout`: real simulated benches through a good release, a crashing one, a forged one
and downloads cut by power failures, with the hub's real rollout worker; prints one JSON object.

Every bench runs the real firmware on MicroPython with a boot journal (watchdog, safe mode,
updates) and is supervised like a chip: machine.reset(), deep sleep and a starved watchdog start it
again with the matching reset cause. `bricked` counts benches that ended stuck (an exit without a
reset: on a chip, a REPL prompt nobody sees) or that no longer answer: it must be 0.
"""
import json
import shutil
import tempfile
import time
from pathlib import Path

from benchcore import contract
from edge_agent.firmware_image import FIRMWARE, build_release
from simulators.bench import PWRON_RESET

# What a broken release does, as a change to the firmware's source (path, old, new).
BROKEN = {
    "crash": ("benchcore/app.py", "\ndef log(", "\nraise ImportError('release crashes at import')\ndef log("),
    "heap": ("benchcore/app.py", "\ndef log(", "\n_HOG = [bytearray(4096) for _ in range(200)]\ndef log("),
    # topics under a root the hub does not subscribe to (and the broker's ACL refuses): it boots, never reaches the hub
    "no_hub": ("benchcore/contract.py", f'TOPIC_ROOT = "{contract.TOPIC_ROOT}"', f'TOPIC_ROOT = "stray/{contract.TOPIC_ROOT}"'),
    # the power task never yields: the event loop stops, nothing feeds the watchdog
    "hang": ("benchcore/power_task.py", "    async def run(self):\n", "    async def run(self):\n        while True:\n            pass\n"),
}
BENCH_CONFIG = {"telemetry_s": 2, "updates": {"trial_s": 45}, "watchdog": {"timeout_s": 8}}


def broken_release(out: Path, version: str, kind: str) -> Path:
    path, old, new = BROKEN[kind]
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "firmware"
        shutil.copytree(FIRMWARE, source)
        text = (source / path).read_text()
        assert old in text, f"{path} no longer has {old!r}"
        (source / path).write_text(text.replace(old, new, 1))
        return build_release(out, version, firmware=source)


def forge(stack, seq: int) -> None:
    """Change one file's digest in the hub's stored manifest: its signature no longer matches."""
    manifest = stack.dir / "releases" / str(seq) / "manifest.json"
    lines = manifest.read_text().split("\n")
    digest = lines[1][:64]
    lines[1] = ("0" if digest[0] != "0" else "1") + lines[1][1:]
    manifest.write_text("\n".join(lines))


def keepalive_of(bench) -> dict:
    try:
        return bench.status(timeout=2, path="/keepalive.json")
    except Exception:
        return {}


def firmware_of(bench):
    """The version a bench runs, or None while it does not answer (e.g. restarting)."""
    try:
        return bench.status(timeout=2).get("firmware")
    except Exception:
        return None


def rollout_on_hub(stack, rollout_id: int) -> dict:
    """The hub's record of a rollout (`hub release list-rollouts --json`): stage, updated, failed."""
    for line in stack.hub("release", "list-rollouts", "--json").splitlines():
        row = json.loads(line)
        if row["rollout"] == rollout_id:
            return row
    return {}


def start_rollout(stack, seq: int, *options: str) -> int:
    return json.loads(stack.hub("release", "rollout", str(seq), *options))["rollout"]


class Dashboard:
    """The fleet dashboard as an administrator reads it in a browser: logged in through the hub's
    real login form on its real web server, in English (Accept-Language)."""

    def __init__(self, stack, username: str = "fleet-operator", password: str = "rollout-Pass-4821"):
        import http.cookiejar
        import re
        import urllib.parse
        import urllib.request

        stack.hub("admin-add", username, "--password", password)
        self.base = stack.hub_url.rstrip("/")
        self._open = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())).open
        form = self._get("/accounts/login/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode({"username": username, "password": password,
                                       "csrfmiddlewaretoken": csrf}).encode()
        self._open(urllib.request.Request(self.base + "/accounts/login/", data=data,
                                          headers={"Referer": self.base + "/", "Accept-Language": "en"}), timeout=20)

    def _get(self, path: str) -> str:
        import urllib.request

        request = urllib.request.Request(self.base + path, headers={"Accept-Language": "en"})
        with self._open(request, timeout=20) as response:
            return response.read().decode()

    def page(self) -> str:
        return self._get("/fleet/")


def _wait(predicate, timeout: float, interval: float = 1.0, during=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if during:
            during()
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None


def run_rollout(workdir: Path, benches: int = 3, echo=None, dashboards: dict | None = None) -> dict:
    """dashboards: if a dict, filled with the fleet dashboard's HTML after each stage ("good",
    "halted", "forged"), as a logged-in administrator reads it from the hub's web server."""
    from simulators.stack import Stack

    started = time.monotonic()
    workdir = Path(workdir)
    result = {"benches": benches, "good_updated": 0, "bad_rolled_back": 0, "forged_refused": 0,
              "interrupted_recovered": 0, "bricked": 0}
    with Stack(workdir, echo=echo) as stack:
        stack.migrate()
        stack.start_broker()
        stack.start_ingest()
        stack.start_web()
        stack.start_release_worker(every=0.5)
        ids = [f"r{i + 1}" for i in range(benches)]
        for bench_id in ids:
            stack.add_bench(bench_id, "Tuzla", start=False, supervise=True, keepalive=True, **BENCH_CONFIG)
        for bench in stack.benches.values():
            bench.start()
        for bench in stack.benches.values():
            bench.wait_ready(timeout=60)
            _wait(lambda b=bench: b.status().get("uplink"), 60)
        canary = ids[0]
        dashboard = Dashboard(stack) if dashboards is not None else None

        # 1. A good release, canary -> half -> all; every bench's first download is cut once by a
        #    power failure and must resume.
        good = json.loads(stack.hub("release", "add", str(build_release(workdir / "rel-good", "0.2.0"))))["seq"]
        good_rollout = start_rollout(stack, good, "--canary", canary, "--share", "50", "--halt-after", "1")
        rollout_started = time.monotonic()
        cut = set()

        def cut_downloads():
            for bench_id, bench in stack.benches.items():
                if bench_id not in cut and keepalive_of(bench).get("update") == "downloading":
                    time.sleep(0.5)  # some bytes on flash
                    bench.power_cut()
                    cut.add(bench_id)

        _wait(lambda: all(keepalive_of(b).get("app_seq") == good and keepalive_of(b).get("update") == "good"
                          for b in stack.benches.values()), timeout=120 + 60 * benches, during=cut_downloads)
        result["good_seconds"] = round(time.monotonic() - rollout_started, 1)  # rollout start to the last bench
        states = {i: keepalive_of(b) for i, b in stack.benches.items()}
        result["good_updated"] = sum(s.get("app_seq") == good and s.get("update") == "good" for s in states.values())
        result["interrupted_recovered"] = sum(states[i].get("app_seq") == good for i in cut)
        result["interrupted"] = len(cut)
        # The hub hears the last bench's confirmation in its next telemetry: the rollout is done there.
        done = _wait(lambda: rollout_on_hub(stack, good_rollout).get("stage") == "done" or None, timeout=60)
        result["good_rollout_done"] = bool(done)
        if dashboard:
            dashboards["good"] = dashboard.page()

        # 2. A release that crashes at import: the canary goes back by itself, the rollout halts.
        bad = json.loads(stack.hub("release", "add", str(broken_release(workdir / "rel-bad", "0.3.0", "crash"))))["seq"]
        bad_rollout = start_rollout(stack, bad, "--canary", canary, "--halt-after", "1")
        _wait(lambda: keepalive_of(stack.benches[canary]).get("update") == "rolled_back", timeout=180)
        rolled_back = time.monotonic()
        result["bad_rolled_back"] = sum(keepalive_of(b).get("update") == "rolled_back" and
                                        keepalive_of(b).get("app_seq") == good for b in stack.benches.values())
        # The bench knows at once; the hub from its next telemetry (sent a few seconds after it is
        # back on the broker), and the rollout worker halts at its next step.
        halted = _wait(lambda: rollout_on_hub(stack, bad_rollout).get("stage") == "halted", timeout=60)
        result["rollout_halted"] = bool(halted)
        result["halt_seconds"] = round(time.monotonic() - rolled_back, 1)  # the bench back -> the hub halted
        result["bad_reached"] = sum(1 for b in stack.benches.values() if keepalive_of(b).get("update_seq") == bad)
        if dashboard:
            dashboards["halted"] = dashboard.page()

        # 3. A forged manifest, sent to every bench: each refuses it and keeps running the good one.
        forged = json.loads(stack.hub("release", "add", str(build_release(workdir / "rel-forged", "0.4.0"))))["seq"]
        forge(stack, forged)
        stack.hub("release", "send", str(forged), *ids)
        _wait(lambda: all(keepalive_of(b).get("update") == "refused" for b in stack.benches.values()), timeout=90)
        result["forged_refused"] = sum(keepalive_of(b).get("update") == "refused" and
                                       keepalive_of(b).get("app_seq") == good for b in stack.benches.values())
        if dashboard:  # once the hub has heard every refusal
            _wait(lambda: dashboard.page().count('data-state="refused"') >= benches, timeout=30)
            dashboards["forged"] = dashboard.page()

        versions = {}
        for bench_id, bench in stack.benches.items():
            try:
                status = bench.status(timeout=3)
                versions[bench_id] = status["firmware"]
            except Exception:
                versions[bench_id] = None
            if bench.stuck is not None or versions[bench_id] is None:
                result["bricked"] += 1
        result["versions"] = versions
        result["resets"] = {i: b.resets for i, b in stack.benches.items()}
    result["seconds"] = round(time.monotonic() - started, 1)
    return result


def download_heap(workdir: Path, phones: int = 8, rounds: int = 8) -> dict:
    """Peak live heap of one bench while it downloads a release and `phones` phones use its portal
    (the portal tests' eight phones: each loads the form and submits, all at once, round after
    round up to `rounds`, the portal's burst of submissions a phone may make, or until the release
    is staged), started just before the update command so that the download runs under their load;
    `overlapped` says it did. The peak is that boot's (HeapWatch's peak after a collection, read
    from its log up to the restart into the release)."""
    import re
    import sys
    import threading

    from simulators.stack import Stack

    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    from tests.portal.phones import eight_phones  # the portal tests' phones: real HTTP clients

    def index_of(text, lines):
        return next((i for i, line in enumerate(lines) if text in line), None)

    workdir = Path(workdir)
    with Stack(workdir) as stack:
        stack.migrate()
        stack.start_broker()
        stack.start_ingest()
        stack.start_web()
        stack.start_release_worker(every=0.5)  # confirms the release once the bench runs it
        bench = stack.add_bench("h1", "Zenica", supervise=True, keepalive=True, **BENCH_CONFIG)
        _wait(lambda: bench.status().get("uplink"), 60)
        seq = json.loads(stack.hub("release", "add", str(build_release(workdir / "rel", "0.2.0"))))["seq"]
        results = []

        def rounds_until_staged():
            for _ in range(rounds):
                if index_of("release staged", bench.lines) is not None:
                    return
                results.extend(eight_phones(bench, rounds=1, phones=phones))

        load = threading.Thread(target=rounds_until_staged)
        started = time.monotonic()
        phones_from = len(bench.lines)
        load.start()
        stack.hub("release", "send", str(seq), "h1")
        load.join(300)
        phones_until = len(bench.lines)
        phones_seconds = time.monotonic() - started
        staged = _wait(lambda: index_of("release staged", bench.lines) is not None, 240)
        lines = list(bench.lines)
        first, last = index_of("update: downloading", lines), index_of("release staged", lines)
        first = len(lines) if first is None else first
        boot_start = max(i for i, line in enumerate(lines[:first]) if "firmware 0.1.0, boot" in line)
        found = (re.search(r"heap: peak=(\d+)", line) for line in lines[boot_start:(last or len(lines)) + 1])
        peaks = [int(m.group(1)) for m in found if m]
        ok = sum(1 for r in results if r.get("post") == 200 and r.get("receipt"))
        kept = _wait(lambda: keepalive_of(bench).get("update") == "good" and firmware_of(bench) == "0.2.0", 120)
        return {"peak_heap_host": max(peaks), "peak_heap_chip_equivalent": max(peaks) // 2,
                "heap_host": int(bench.heap), "phones": phones, "rounds": rounds, "submissions_ok": ok,
                "submissions": len(results), "phones_seconds": round(phones_seconds, 1),
                # the phones ran while the download did: it had started and was not yet staged
                "overlapped": bool(last is None or last > phones_from) and first < phones_until,
                "staged": bool(staged), "updated_and_confirmed": bool(kept),
                "refused_too_fast": sum("is sending too fast" in line for line in lines),
                "download_memory_errors": sum("update: failed" in line and "MemoryError" in line for line in lines),
                "memory_errors": sum("MemoryError" in line for line in lines)}


def cmd_rollout(args):
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="benchsim-rollout-"))
    if args.download_heap:
        print(json.dumps(download_heap(work)))
        return 0
    result = run_rollout(work, benches=args.benches, echo=print if args.verbose else None)
    print(json.dumps(result, indent=None if args.json else 1))
    return 0 if result["bricked"] == 0 else 1


def add_parser(sub):
    p = sub.add_parser("rollout", help="a good, a crashing and a forged release, and cut downloads, on a fleet")
    p.add_argument("--benches", type=int, default=3)
    p.add_argument("--json", action="store_true", help="one line of JSON")
    p.add_argument("--workdir", help="keep the run's files here (default: a new temporary directory)")
    p.add_argument("--verbose", action="store_true", help="echo every bench's log")
    p.add_argument("--download-heap", action="store_true",
                   help="instead: peak heap of a bench downloading a release while eight phones use its portal")
    p.set_defaults(func=cmd_rollout)
