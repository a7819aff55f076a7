"""`make demo`: a broker, the hub, three benches running the real firmware on MicroPython and one
Linux bench running the same core as the edge agent (`bench run`); Ctrl-C stops it.

DEMO_SECONDS=N stops it cleanly after N seconds. Endpoints go to build/demo/endpoints.json.
"""
import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path

from simulators.stack import Stack

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / "build" / "demo"
DEMO_BENCHES = [("sarajevo-centar-1", "Sarajevo Centar", "micropython"), ("mostar-1", "Mostar", "micropython"),
                ("tuzla-1", "Tuzla", "micropython"), ("bihac-linux-1", "Bihać", "cpython")]


def main() -> int:
    seconds = float(os.environ.get("DEMO_SECONDS", "0") or 0)
    if DEMO_DIR.exists():
        shutil.rmtree(DEMO_DIR)  # a fresh system each run: no stale ports or broker state
    stop_requested = []
    signal.signal(signal.SIGTERM, lambda *_: stop_requested.append(1))
    workers = []
    stack = Stack(DEMO_DIR, echo=lambda line: print(line, flush=True) if os.environ.get("DEMO_VERBOSE") else None)
    try:
        print("demo: preparing the hub database ...", flush=True)
        stack.migrate()
        reviewer = stack.add_administrator("reviewer")
        for bench_id, municipality, runtime in DEMO_BENCHES:
            stack.add_bench(bench_id, municipality, start=False, runtime=runtime)
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
            "benches": {bid: {"portal": b.portal_url + "/", "dns": "%s:%d" % (b.config["dns"]["host"], b.config["dns"]["port"])} for bid, b in stack.benches.items()},
        }
        (DEMO_DIR / "endpoints.json").write_text(json.dumps(endpoints, indent=2, ensure_ascii=False))
        print(f"\nHub (reviewers):   {hub_url}   login: {reviewer['username']} / {reviewer['password']}")
        print(f"Public portal:     {endpoints['public']}")
        print(f"Fleet dashboard:   {endpoints['dashboard']}   API schema: {endpoints['openapi']}")
        print(f"Broker:            127.0.0.1:{stack.broker_port}")
        for bid, b in stack.benches.items():
            print(f"Bench {bid:<18} portal: {b.portal_url}/   captive DNS: {endpoints['benches'][bid]['dns']}"
                  + ("   (edge agent, CPython)" if getattr(b, "runtime", "") == "cpython" else ""))
        print(f"Endpoints written to {DEMO_DIR / 'endpoints.json'}")
        print("Open a bench portal, leave an idea, then see it on the hub. " +
              (f"Stopping in {seconds:.0f} s." if seconds else "Ctrl-C stops the demo."), flush=True)
        deadline = time.monotonic() + seconds if seconds else None
        while not stop_requested and (deadline is None or time.monotonic() < deadline):
            for bid, b in stack.benches.items():
                if b.proc.poll() is not None:
                    raise RuntimeError(f"bench {bid} stopped (exit {b.proc.returncode}); see {b.log_path}")
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        print("\ndemo: stopping ...", flush=True)
        for worker in workers:
            worker.terminate()
            worker.wait(10)
        stack.stop()
        for bid, b in stack.benches.items():
            if getattr(b, "runtime", "") != "cpython":  # the agent has no ESP32 heap to report
                print(f"bench {bid}: peak heap {b.peak_heap} bytes of {b.heap}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
