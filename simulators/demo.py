"""`make demo`: a broker, the hub and three benches running the real firmware; Ctrl-C stops it.

DEMO_SECONDS=N stops it cleanly after N seconds. Endpoints go to build/demo/endpoints.json.
`demo_system()` starts the same processes for the hub's browser tests, `make screenshots` and
scripts/bench_live.sh, so that what they check is what a user of `make demo` gets.
"""
import json
import os
import shutil
import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from simulators.stack import Stack

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / "build" / "demo"
DEMO_BENCHES = [("sarajevo-centar-1", "Sarajevo Centar"), ("mostar-1", "Mostar"), ("tuzla-1", "Tuzla")]
DEMO_CSO = "Udruženje Klupa za sve"


@contextmanager
def demo_system(workdir: Path = DEMO_DIR, echo=None, benches=DEMO_BENCHES):
    """Everything `make demo` runs, started afresh in workdir; yields (stack, endpoints)."""
    if workdir.exists():
        shutil.rmtree(workdir)  # a fresh system each run: no stale ports or broker state
    stack = Stack(workdir, echo=echo)
    workers = []
    try:
        stack.migrate()
        admin = stack.add_administrator("admin")
        # the approval e-mails go to the console backend first: the login is the last line
        reviewer = json.loads(stack.hub("cso-add", DEMO_CSO, "--email", "reviewer@example.org", "--username",
                                        "reviewer", "--by", "admin",
                                        *[a for _, m in benches for a in ("--municipality", m)]).splitlines()[-1])
        for bench_id, municipality in benches:
            stack.add_bench(bench_id, municipality, start=False)
        stack.start_broker()
        stack.start_ingest()
        stack.start_downlink()
        # alerts (offline, low battery, sensor faults) and the reviewers' batched e-mails
        workers.append(stack._spawn("fleet-check", [sys.executable, "-m", "hub_server.cli", "fleet-check",
                                                    "--every", "60"]))
        hub_url = stack.start_web()
        for bench in stack.benches.values():
            bench.start()
        for bench in stack.benches.values():
            bench.wait_ready()
        endpoints = {
            "hub": hub_url,
            "public": hub_url.rstrip("/") + "/public/",
            "openapi": hub_url.rstrip("/") + "/api/v1/openapi.json",
            "dashboard": hub_url.rstrip("/") + "/fleet/",
            "broker": f"127.0.0.1:{stack.broker_port}",
            "database": stack.database_url,
            "reviewer": reviewer,
            "administrator": admin,
            "benches": {bid: {"portal": b.portal_url + "/", "dns": "%s:%d" % (b.config["dns"]["host"], b.config["dns"]["port"])}
                        for bid, b in stack.benches.items()},
        }
        (workdir / "endpoints.json").write_text(json.dumps(endpoints, indent=2, ensure_ascii=False))
        yield stack, endpoints
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(10)
        stack.stop()


def main() -> int:
    seconds = float(os.environ.get("DEMO_SECONDS", "0") or 0)
    stop_requested = []
    signal.signal(signal.SIGTERM, lambda *_: stop_requested.append(1))
    echo = (lambda line: print(line, flush=True)) if os.environ.get("DEMO_VERBOSE") else None
    print("demo: preparing the hub database ...", flush=True)
    stack = None
    try:
        with demo_system(DEMO_DIR, echo=echo) as (stack, endpoints):
            reviewer, admin = endpoints["reviewer"], endpoints["administrator"]
            print(f"\nHub (reviewers):   {endpoints['hub']}   login: {reviewer['username']} / {reviewer['password']}"
                  f"   ({DEMO_CSO}: {', '.join(m for _, m in DEMO_BENCHES)})")
            print(f"Network admin:     login: {admin['username']} / {admin['password']}   (all municipalities, fleet)")
            print(f"Public portal:     {endpoints['public']}")
            print(f"Fleet dashboard:   {endpoints['dashboard']}   API schema: {endpoints['openapi']}")
            print(f"Broker:            {endpoints['broker']}")
            for bid, b in endpoints["benches"].items():
                print(f"Bench {bid:<18} portal: {b['portal']}   captive DNS: {b['dns']}")
            print(f"Endpoints written to {DEMO_DIR / 'endpoints.json'}")
            print("Open a bench portal, leave an idea, then see it on the hub. " +
                  (f"Stopping in {seconds:.0f} s." if seconds else "Ctrl-C stops the demo."), flush=True)
            deadline = time.monotonic() + seconds if seconds else None
            while not stop_requested and (deadline is None or time.monotonic() < deadline):
                for bid, b in stack.benches.items():
                    if b.proc.poll() is not None:
                        raise RuntimeError(f"bench {bid} stopped (exit {b.proc.returncode}); see {b.log_path}")
                time.sleep(0.5)
            print("\ndemo: stopping ...", flush=True)
    except KeyboardInterrupt:
        print("\ndemo: stopping ...", flush=True)
    finally:
        for bid, b in (stack.benches.items() if stack else ()):
            print(f"bench {bid}: peak heap {b.peak_heap} bytes of {b.heap}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
