"""`make demo`: the default scenario (simulators/scenarios/default.toml) as a living network.

A broker, the hub (ingest, downlink worker, web, fleet check) and the twelve partner
municipalities' benches running the real firmware, with simulated citizens leaving ideas through
the portals, weather and faults; Ctrl-C stops it. DEMO_SECONDS=N stops it cleanly after N seconds,
DEMO_SCENARIO=FILE runs another scenario, DEMO_SPEED=X changes the pace. Endpoints go to
build/demo/endpoints.json; at the end of a run longer than a minute, a report to build/demo/report/.
`demo_system()` starts the hub's processes with three benches (no citizens) for the hub's browser
tests, `make screenshots` and scripts/bench_live.sh.
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
        stack.hub("protocol-model")  # the network's model protocol for each municipality
        official = json.loads(stack.hub("official-add", benches[0][1], "official@example.org", "--password",
                                        "official-" + reviewer["password"]).splitlines()[-1])  # after the e-mail
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
            "official": official,
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


def _endpoints(fleet) -> dict:
    st = fleet.stack
    hub_url = st.hub_url
    return {
        "hub": hub_url,
        "public": hub_url.rstrip("/") + "/public/",
        "openapi": hub_url.rstrip("/") + "/api/v1/openapi.json",
        "dashboard": hub_url.rstrip("/") + "/fleet/",
        "broker": f"127.0.0.1:{st.broker_port}",
        "database": st.database_url,
        "reviewer": fleet.reviewer,
        "administrator": fleet.administrator,
        "official": fleet.official,
        "scenario": str(fleet.sc.path),
        "benches": {bid: {"portal": b.portal_url + "/", "municipality": fleet.sc.bench(bid).municipality.name,
                          "dns": "%s:%d" % (b.config["dns"]["host"], b.config["dns"]["port"])}
                    for bid, b in st.benches.items()},
    }


def main() -> int:
    import threading

    from simulators.fleet.runner import Fleet
    from simulators.fleet.scenario import DEFAULT_SCENARIO, load

    seconds = float(os.environ.get("DEMO_SECONDS", "0") or 0)
    scenario = load(os.environ.get("DEMO_SCENARIO") or DEFAULT_SCENARIO)
    if DEMO_DIR.exists():
        shutil.rmtree(DEMO_DIR)  # a fresh system each run: no stale ports or broker state
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    speed = float(os.environ.get("DEMO_SPEED") or scenario.speed)
    duration = scenario.duration_s if not seconds else min(scenario.duration_s, seconds * speed)
    fleet = Fleet(scenario, DEMO_DIR, speed=speed, duration_s=duration, echo=lambda line: print(line, flush=True),
                  cso=DEMO_CSO)
    started = time.monotonic()
    try:
        print(f"demo: preparing the hub database and {len(scenario.benches)} benches ('{scenario.name}') ...", flush=True)
        fleet.setup()
        endpoints = _endpoints(fleet)
        (DEMO_DIR / "endpoints.json").write_text(json.dumps(endpoints, indent=2, ensure_ascii=False))
        reviewer, admin = fleet.reviewer, fleet.administrator
        print(f"\nHub (reviewers):   {endpoints['hub']}   login: {reviewer['username']} / {reviewer['password']}"
              f"   ({DEMO_CSO}: all twelve municipalities)")
        print(f"Network admin:     login: {admin['username']} / {admin['password']}   (all municipalities, fleet)")
        official = fleet.official
        print(f"Municipal official: {endpoints['hub'].rstrip('/')}/network/   login: {official['username']} / "
              f"{official['password']}   ({official['municipality']})")
        print(f"Public portal:     {endpoints['public']}")
        print(f"Fleet dashboard:   {endpoints['dashboard']}   API schema: {endpoints['openapi']}")
        print(f"Broker:            {endpoints['broker']}")
        for bid, b in endpoints["benches"].items():
            print(f"Bench {bid:<18} portal: {b['portal']}   captive DNS: {b['dns']}")
        print(f"Endpoints written to {DEMO_DIR / 'endpoints.json'}")
        print(f"Up in {time.monotonic() - started:.0f} s. Citizens are leaving ideas ({speed:g}x: a simulated day in "
              f"{86400 / speed / 60:.0f} min); open a bench portal and leave yours, then see it on the hub. "
              + (f"Stopping in {seconds:.0f} s." if seconds else "Ctrl-C stops the demo."), flush=True)
        fleet.run(progress_every_s=10.0, stop_event=stop)
        if not seconds and not stop.is_set():
            print("demo: the scenario is over; the network stays up until Ctrl-C", flush=True)
            stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        print("\ndemo: stopping ...", flush=True)
        _report(fleet, time.monotonic() - started)
        fleet.stop()
        for bid, b in fleet.stack.benches.items():
            print(f"bench {bid}: peak heap {b.peak_heap} bytes of {b.heap}")
    return 0


def _report(fleet, real_s):
    """What the demo saw, as `benchsim fleet` reports it (no recovery wait: the demo just stops)."""
    if fleet.t0 is None or time.monotonic() - fleet.t0 < 60:
        return  # a short look (DEMO_SECONDS) has little to report; stopping quickly matters more
    try:
        from simulators.fleet.report import verdict, write

        outboxes = {bid: s["outbox"] for s in fleet.samples for bid in [s["bench"]]}
        path = write(fleet, verdict(fleet, fleet.stored(), outboxes, real_s), DEMO_DIR / "report")
        print(f"demo: report {path}", flush=True)
    except Exception as exc:  # the report is a bonus; stopping cleanly is not
        print(f"demo: no report ({exc!r})", flush=True)


if __name__ == "__main__":
    sys.exit(main())
