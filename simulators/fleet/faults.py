"""The scenario's faults on the running fleet: power cuts, uplink loss, broker and hub restarts.

Each fault is recorded with when it started and ended (simulated seconds) and whether what it hit
came back: the bench answering again, the broker listening, the ingest worker running.
"""
import time

from simulators.bench import BenchProcess


def _restart_bench(fleet, bench_id):
    st = fleet.stack
    old = st.benches[bench_id]
    old.stop()
    fleet._write_power(fleet.sc.bench(bench_id))  # the battery it comes back to, and today's sun
    bench = BenchProcess(old.flash, heap=old.heap)
    bench.peak_heap = old.peak_heap
    st.benches[bench_id] = bench
    bench.start()
    fleet.down.discard(bench_id)
    try:
        bench.wait_ready(90)
    except RuntimeError:
        if bench.proc.poll() != 76:
            raise
        fleet.asleep.add(bench_id)  # its power policy sent it straight back to deep sleep


def inject(fleet, fault):
    st = fleet.stack
    entry = {"kind": fault.kind, "bench": fault.bench, "at_sim": round(fleet.sim_now()), "for_sim": fault.for_s,
             "recovered": False, "error": None}
    with fleet._lock:
        fleet.faults.append(entry)
    fleet.echo("fault: %s%s for %.0f simulated minutes" % (fault.kind, " at " + fault.bench if fault.bench else "",
                                                            fault.for_s / 60))
    try:
        if fault.kind == "power_cut":
            fleet.down.add(fault.bench)
            st.benches[fault.bench].kill()
        elif fault.kind == "uplink_loss":
            fleet.proxies[fault.bench].blackhole()
        elif fault.kind == "broker_restart":
            st.stop_broker()
        elif fault.kind == "hub_restart":
            st.stop_ingest(kill=True)
        time.sleep(fault.for_s / fleet.speed)
        if fault.kind == "power_cut":
            _restart_bench(fleet, fault.bench)
        elif fault.kind == "uplink_loss":
            fleet.proxies[fault.bench].passthrough()
        elif fault.kind == "broker_restart":
            st.start_broker()
        elif fault.kind == "hub_restart":
            st.start_ingest()
        entry["recovered"] = True
    except Exception as exc:  # noted in the report; restore_all tries again at the end
        entry["error"] = repr(exc)
        fleet.echo("fault: %s failed to %s: %r" % (fault.kind, "recover" if entry["at_sim"] else "start", exc))
    entry["end_sim"] = round(fleet.sim_now())


def restore_all(fleet):
    """After the run: every link healthy, the broker and ingest running, every bench powered."""
    st = fleet.stack
    for proxy in fleet.proxies.values():
        proxy.passthrough()
    if st.broker is None or st.broker.poll() is not None:
        st.start_broker()
    if st.ingest is None or st.ingest.poll() is not None:
        st.start_ingest()
    for bench_id, bench in list(st.benches.items()):
        if bench.proc is None or bench.proc.poll() is not None:
            _restart_bench(fleet, bench_id)


def supervise(fleet):
    """What the bench's hardware does by itself: wake from deep sleep after the time it asked for
    (simulated), start again after machine.reset(). Called every few seconds while the fleet runs."""
    import re

    for bench_id, bench in list(fleet.stack.benches.items()):
        code = bench.proc.poll() if bench.proc else None
        if code is None or bench_id in fleet.down:
            continue
        if code == 76:  # the machine shim's deep sleep
            fleet.asleep.add(bench_id)
            asked = [int(m.group(1)) for line in bench.lines[-10:] for m in [re.search(r"deepsleep (\d+)", line)] if m]
            wake = getattr(bench, "wake_at", None)
            if wake is None:
                bench.wake_at = time.monotonic() + (asked[-1] if asked else 60000) / 1000 / fleet.speed
                continue
            if time.monotonic() < wake:
                continue
        fleet.asleep.discard(bench_id)
        try:
            _restart_bench(fleet, bench_id)
        except Exception as exc:  # shown as down; tried again on the next round
            fleet.echo("fleet: %s did not come back: %r" % (bench_id, exc))
