"""How long a dead or slow uplink can stall a bench's portal (umqtt.simple blocks; ours must not).

One bench (real firmware, real MicroPython) reaches a real Mosquitto and the hub ingest through a
FaultProxy. For each condition the probe asks the portal for a small page (GET /generate_204 with
an Android probe's Host, what every phone on the hotspot sends) every 20 ms for `seconds`, while a
citizen submits a proposal every second (so the uplink always has something to publish and wait
for). Latency is wall time from connect to the last byte of the answer. Conditions:

  healthy              the baseline, same run
  blackhole            the live MQTT connection goes dark (accepts, reads, answers nothing)
  blackhole_reconnect  the connection is cut and every new one lands in the blackhole
  refuse               the connection is cut and the proxy stops listening
  delay_500ms          every chunk waits 500 ms in the proxy, both ways
  cut                  every connection is reset, once a second

    python -m simulators.stall [--seconds 20] [--json]
"""
import argparse
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from simulators.chaos import add_proxied_bench
from simulators.stack import Stack

CONDITIONS = ("healthy", "blackhole", "blackhole_reconnect", "refuse", "delay_500ms", "cut")
PROBE_HOST = "connectivitycheck.gstatic.com"


def probe_once(port, timeout=10.0):
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/generate_204", headers={"Host": PROBE_HOST})
        resp = conn.getresponse()
        resp.read()
        ok = resp.status in (200, 204, 302)
    except OSError:
        ok = False
    finally:
        conn.close()
    return (time.perf_counter() - start) * 1000, ok


def summary(samples, errors):
    ms = sorted(samples)
    if not ms:
        return {"requests": 0, "errors": errors}
    return {"requests": len(ms), "errors": errors, "median_ms": round(statistics.median(ms), 1),
            "p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 1), "max_ms": round(ms[-1], 1),
            "over_200ms": sum(1 for v in ms if v > 200)}


def measure(port, portal_url, seconds, interval=0.02, during=None):
    stop = threading.Event()
    samples, errors = [], [0]

    def citizen():
        # Another phone (source 127.0.0.2): the portal serves one request per phone at a time, so
        # the probe's own address would queue it behind the submission and measure that instead.
        n = 0
        while not stop.is_set():
            n += 1
            body = urllib.parse.urlencode({"title": "Mjerenje %d" % n, "body": "Zastoj portala", "category": "other"})
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=("127.0.0.2", 0))
            try:
                conn.request("POST", "/proposals", body, {"Content-Type": "application/x-www-form-urlencoded"})
                conn.getresponse().read()
            except OSError:
                pass
            finally:
                conn.close()
            stop.wait(1.0)

    def chaos():
        while during and not stop.wait(1.0):
            during()

    threads = [threading.Thread(target=citizen, daemon=True), threading.Thread(target=chaos, daemon=True)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        t0 = time.monotonic()
        ms, ok = probe_once(port)
        if ok:
            samples.append(ms)
        else:
            errors[0] += 1
        time.sleep(max(0.0, interval - (time.monotonic() - t0)))
    stop.set()
    for t in threads:
        t.join(15)
    return summary(samples, errors[0])


def wait_uplink(bench, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if bench.status()["uplink"]:
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def run(workdir: Path, seconds=20.0, conditions=CONDITIONS, echo=None):
    echo = echo or (lambda line: None)
    results = {}
    with Stack(workdir / "stack") as st:
        st.migrate()
        proxy, bench = add_proxied_bench(st, "stall-1", "Zastoj")
        try:
            st.start_broker()
            st.start_ingest()
            bench.start()
            bench.wait_ready(60)
            port = bench.config["portal"]["port"]
            for cond in conditions:
                proxy.passthrough()
                proxy.cut()
                if not wait_uplink(bench):
                    echo("stall: the uplink did not come back before %s" % cond)
                during = None
                if cond == "blackhole":
                    proxy.blackhole()
                elif cond == "blackhole_reconnect":
                    proxy.blackhole()
                    proxy.cut()
                elif cond == "refuse":
                    proxy.refuse()
                    proxy.cut()
                elif cond == "delay_500ms":
                    proxy.delay(500)
                elif cond == "cut":
                    during = proxy.cut
                echo("stall: %s for %.0f s" % (cond, seconds))
                results[cond] = measure(port, bench.portal_url, seconds, during=during)
                echo("stall: %s %s" % (cond, json.dumps(results[cond])))
            proxy.passthrough()
        finally:
            proxy.stop()
        status = bench.status()
        results["bench"] = {"published": status["published"], "acked": status["acked"], "outbox": status["outbox"],
                            "heap_peak": status["heap_peak"]}
    base = results.get("healthy", {}).get("max_ms")
    if base:
        for cond in conditions:
            if results[cond].get("max_ms") is not None:
                results[cond]["max_minus_healthy_max_ms"] = round(results[cond]["max_ms"] - base, 1)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m simulators.stall", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="per condition")
    parser.add_argument("--condition", action="append", choices=CONDITIONS, help="only these (repeatable)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="benchsim-stall-"))
    results = run(workdir, args.seconds, tuple(args.condition or CONDITIONS),
                  echo=lambda line: print(line, file=sys.stderr, flush=True))
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        print("%-20s %8s %8s %8s %8s %7s %6s" % ("condition", "requests", "median", "p99", "max", ">200ms", "errors"))
        for cond in args.condition or CONDITIONS:
            r = results[cond]
            print("%-20s %8d %8s %8s %8s %7s %6d" % (cond, r["requests"], r.get("median_ms"), r.get("p99_ms"),
                                                      r.get("max_ms"), r.get("over_200ms"), r["errors"]))
    import shutil

    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
