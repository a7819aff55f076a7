"""The fleet run's figures (verdict) and its report: report.md with PNG plots, and result.json."""
import json
from collections import Counter
from pathlib import Path


def percentile(values, q):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def verdict(fleet, stored, outboxes, real_s) -> dict:
    visits = list(fleet.visits)
    receipts = {v["receipt"]: v for v in visits if v["receipt"]}
    counts = Counter(row["receipt"] for row in stored)
    lost = sorted(r for r in receipts if r not in counts)
    latencies = [(fleet.acks[r] - v["post_at"]) * 1000 for r, v in receipts.items() if r in fleet.acks]
    per_bench = {}
    for bench in fleet.sc.benches:
        mine = [s for s in fleet.samples if s["bench"] == bench.id]
        tel = [t for t in fleet.telemetry if t["bench"] == bench.id]
        battery = [b["soc"] for b in fleet.battery if b["bench"] == bench.id]
        lat = [(fleet.acks[r] - v["post_at"]) * 1000 for r, v in receipts.items()
               if v["bench"] == bench.id and r in fleet.acks]
        per_bench[bench.id] = {
            "municipality": bench.municipality.name, "lat": bench.lat, "lon": bench.lon,
            "submitted": sum(1 for v in receipts.values() if v["bench"] == bench.id),
            "stored": sum(1 for row in stored if row["bench_id"] == bench.id),
            "availability": round(sum(s["up"] for s in mine) / len(mine), 4) if mine else None,
            "battery_soc_start": bench.start_soc, "battery_soc_min": min(battery, default=None),
            "battery_soc_end": battery[-1] if battery else None,
            "reported_soc_last": next((t["soc"] for t in reversed(tel) if t["soc"] is not None), None),
            "modes": dict(Counter(t["mode"] for t in tel if t["mode"])),
            "latency_ms_p50": _r(percentile(lat, 50)),
            "peak_heap": fleet.stack.benches[bench.id].peak_heap,
            "outbox_end": outboxes.get(bench.id),
        }
    faults = []
    for f in fleet.faults:
        hit_lost = [r for r in lost if f["bench"] is None or receipts[r]["bench"] == f["bench"]]
        faults.append(dict(f, survived=f["recovered"] and not hit_lost))
    return {
        "scenario": fleet.sc.name, "speed": fleet.speed, "simulated_s": round(min(fleet.sim_now(), fleet.duration_s)),
        "real_s": round(real_s, 1), "benches": len(fleet.sc.benches),
        "submitted": len(receipts), "refused": sum(1 for v in visits if not v["receipt"]),
        "refused_by_reason": dict(Counter(v["why"] for v in visits if not v["receipt"])),
        "stored": len(stored), "lost": len(lost), "lost_receipts": lost[:20],
        "duplicates": sum(c - 1 for c in counts.values() if c > 1),
        "stored_without_receipt": sum(1 for r in counts if r not in receipts),
        "latency_ms": {"n": len(latencies), "p50": _r(percentile(latencies, 50)), "p90": _r(percentile(latencies, 90)),
                       "p99": _r(percentile(latencies, 99)), "max": _r(max(latencies, default=None))},
        "languages": dict(Counter(v["lang"] for v in receipts.values())),
        "faults": faults, "faults_injected": len(faults), "faults_survived": sum(f["survived"] for f in faults),
        "outboxes_empty": all(v == 0 for v in outboxes.values()),
        "per_bench": per_bench,
    }


def _r(x):
    return None if x is None else round(x, 1)


def write(fleet, result, out: Path) -> Path:
    """report.md, result.json and the plots in `out`; returns the report's path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "result.json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
    plots = _plots(fleet, result, out)
    r, lat = result, result["latency_ms"]
    lines = [f"# Fleet run: {r['scenario']}", "",
             f"{r['benches']} benches, {r['simulated_s'] / 3600:.1f} simulated hours in {r['real_s']:.0f} s "
             f"(speed {r['speed']:g}x). Real MicroPython benches, Mosquitto and the hub; citizens through the portals.", "",
             "| figure | value |", "|---|---:|"]
    for key in ("submitted", "refused", "stored", "lost", "duplicates", "stored_without_receipt", "faults_injected",
                "faults_survived", "outboxes_empty"):
        lines.append(f"| {key.replace('_', ' ')} | {r[key]} |")
    lines += [f"| delivery latency p50 / p90 / p99 / max (ms) | {lat['p50']} / {lat['p90']} / {lat['p99']} / {lat['max']} |",
              f"| ideas by language | {', '.join(f'{k} {v}' for k, v in sorted(r['languages'].items()))} |", "",
              "Delivery latency: from the citizen's POST to the moment the hub's ack for that idea leaves the broker "
              "for the bench (after the hub's database commit), on loopback.", "",
              "## Benches", "",
              "| bench | municipality | ideas | stored | availability | battery SoC start → min → end | SoC the bench reports | modes (telemetry) | p50 ms | peak heap |",
              "|---|---|---:|---:|---:|---|---:|---|---:|---:|"]
    for bid, b in r["per_bench"].items():
        avail = "–" if b["availability"] is None else f"{100 * b['availability']:.1f}%"
        modes = ", ".join(f"{m} {n}" for m, n in b["modes"].items()) or "–"
        lines.append(f"| {bid} | {b['municipality']} | {b['submitted']} | {b['stored']} | {avail} | "
                     f"{b['battery_soc_start']} → {b['battery_soc_min']} → {b['battery_soc_end']} | {b['reported_soc_last']} | {modes} | {b['latency_ms_p50']} | {b['peak_heap']} |")
    lines += ["", "## Faults", "", "| kind | bench | at (sim h) | for (sim min) | recovered | survived |", "|---|---|---:|---:|---|---|"]
    for f in r["faults"]:
        lines.append(f"| {f['kind']} | {f['bench'] or 'all'} | {f['at_sim'] / 3600:.1f} | {f['for_sim'] / 60:.0f} | "
                     f"{f['recovered']} | {f['survived']} |")
    lines += ["", "A fault is survived when what it hit came back and no idea a citizen got a receipt for was lost.", ""]
    lines += [f"![{name}]({name})" for name in plots]
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def _plots(fleet, r, out) -> list:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = []
    benches = list(r["per_bench"])
    fig, ax = plt.subplots(figsize=(9, 3.5))
    ax.bar(range(len(benches)), [r["per_bench"][b]["submitted"] for b in benches], color="#2b7a78")
    ax.set_xticks(range(len(benches)), [b.rsplit("-1", 1)[0] for b in benches], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("ideas submitted")
    ax.set_title("Ideas per bench")
    fig.tight_layout()
    fig.savefig(out / "ideas_per_bench.png", dpi=90)
    names.append("ideas_per_bench.png")
    plt.close(fig)

    receipts = {v["receipt"]: v for v in fleet.visits if v["receipt"]}
    lat = sorted((fleet.acks[k] - v["post_at"]) * 1000 for k, v in receipts.items() if k in fleet.acks)
    if lat:
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.2))
        a1.hist([min(x, 5000) for x in lat], bins=40, color="#3a6ea5")
        a1.set_xlabel("ms (values above 5 s shown at 5 s)")
        a1.set_title("Delivery latency")
        a2.plot(lat, [i / len(lat) for i in range(1, len(lat) + 1)])
        a2.set_xscale("log")
        a2.set_xlabel("ms (log)")
        a2.set_title("Cumulative share delivered")
        fig.tight_layout()
        fig.savefig(out / "latency.png", dpi=90)
        names.append("latency.png")
        plt.close(fig)

    fig, ax = plt.subplots(figsize=(9, 4))
    for k, b in enumerate(benches):
        color = plt.cm.tab20(k % 20)
        pts = [(x["sim"] / 3600, x["soc"]) for x in fleet.battery if x["bench"] == b]
        if pts:
            ax.plot(*zip(*pts), label=b.rsplit("-1", 1)[0], linewidth=1.2, color=color)
        rep = [(t["sim"] / 3600, t["soc"]) for t in fleet.telemetry if t["bench"] == b and t["soc"] is not None]
        if rep:
            ax.plot(*zip(*rep), linestyle=":", linewidth=0.8, color=color)
    for f in r["faults"]:
        ax.axvspan(f["at_sim"] / 3600, f.get("end_sim", f["at_sim"]) / 3600, color="#d9534f", alpha=0.12)
    ax.set_xlabel("simulated hours (faults shaded)")
    ax.set_ylabel("battery SoC, % (dotted: the bench's estimate)")
    ax.legend(fontsize=6, ncol=4)
    fig.tight_layout()
    fig.savefig(out / "soc.png", dpi=90)
    names.append("soc.png")
    plt.close(fig)
    return names
