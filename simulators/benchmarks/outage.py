"""Seven days without the hub at the busiest bench of a scenario, at its peak rate.

The bench (real MicroPython) cannot reach the broker (its FaultProxy refuses connections) while
citizens leave `days` x the scenario's busiest bench-day of ideas, as fast as the portal takes them
(the outbox does not care how they were spread over the week). Then the link comes back: every idea
with a receipt must reach the hub. refused: the citizens the bench turned away (outbox full).
"""
import time
from pathlib import Path

from simulators.chaos import add_proxied_bench
from simulators.fleet.citizens import Citizen, corpus
from simulators.fleet.scenario import DEFAULT_SCENARIO, load


def measure(workdir: Path, scenario_path=DEFAULT_SCENARIO, days=7, ideas=None, recovery_s=600) -> dict:
    from simulators.stack import Stack

    sc = load(scenario_path)
    bench_id, per_day = sc.peak_ideas_per_day()
    total = ideas if ideas is not None else int(round(per_day * days))
    stack = Stack(workdir)
    proxy = None
    try:
        stack.migrate()
        proxy, bench = add_proxied_bench(stack, bench_id, sc.bench(bench_id).municipality.name, portal={})
        stack.start_broker()
        stack.start_ingest()
        proxy.refuse()  # the hub unreachable from the start
        bench.start()
        bench.wait_ready(90)
        capacity = bench.config.get("outbox", {}).get("capacity", 200)  # firmware/benchcore/config.py's default
        texts = corpus()["bs"]
        receipts, refused = [], 0
        for k in range(total):
            r = Citizen(bench.portal_url, "127.0.%d.%d" % (5 + k // 250, 1 + k % 250), timeout=30).visit(
                "bs", dict(texts[k % len(texts)], title=f"{texts[k % len(texts)]['title'][:100]} ({k})"))
            if r["receipt"]:
                receipts.append(r["receipt"])
            else:
                refused += 1
        held = bench.status()["outbox"]
        proxy.passthrough()
        deadline = time.monotonic() + recovery_s
        while time.monotonic() < deadline and bench.status()["outbox"]:
            time.sleep(1.0)
        time.sleep(1.0)
        stored = {row["receipt"] for row in stack.proposals()}
        return {"bench": bench_id, "days": days, "ideas_per_day": round(per_day, 1), "ideas": total,
                "receipts": len(receipts), "refused": refused, "held_in_outbox": held, "outbox_capacity": capacity,
                "outbox_needed": total, "lost": sum(1 for r in receipts if r not in stored),
                "recovery_outbox_left": bench.status()["outbox"]}
    finally:
        stack.stop()
        if proxy:
            proxy.stop()
