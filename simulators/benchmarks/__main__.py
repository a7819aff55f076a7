"""`make bench`: every headline figure in one file, build/bench/results.json, and a table.

    python -m simulators.benchmarks                 # the full run (about an hour on 2 cores)
    python -m simulators.benchmarks --smoke         # every figure at toy size (CI: keeps it working)
    python -m simulators.benchmarks --only energy,portal   # refreshes those figures in results.json

Each figure records the machine, the versions and the date; targets are printed beside the
figures, never asserted. A measurement that fails leaves its figures null with the error, and the
others still run. Figures taken while other work loads the machine are distorted: see `load_before`.
"""
import argparse
import dataclasses
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# key: (unit, target text)
FIGURES = {
    "ingest_ratio": ("ratio", ">= 0.5 (SQLite)"),
    "ingest_ratio_postgres": ("ratio", "(PostgreSQL, where a server answers)"),
    "e2e_latency_ms_p50": ("ms", ""),
    "e2e_latency_ms_p99": ("ms", "< 500"),
    "telemetry_10k_lag_s_p99": ("s", "< 2"),
    "firmware_heap_peak_bytes": ("bytes, chip-equivalent", "< 100 KB"),
    "firmware_heap_peak_host_bytes": ("bytes, host", ""),
    "portal_page_bytes": ("bytes on the wire", ""),
    "portal_p95_ratio": ("portal p95 / hello-world p95", ""),
    "energy_december_availability_min": ("share of hotspot hours", ">= 0.95"),
    "energy_brownouts": ("count", "0"),
    "chaos_lost": ("proposals", "0"),
    "chaos_duplicates": ("proposals", "0"),
    "energy_dark_20d_availability_min": ("share of hotspot hours", ""),
    "energy_dark_20d_brownouts": ("count", ""),
    "outage_7d_lost": ("proposals", "0"),
    "outage_7d_refused": ("citizens", "0"),
    "fleet_dashboard_10k_ms_p50": ("ms, server time of /fleet/, SQLite", "< 200"),
    "fleet_dashboard_10k_ms_p95": ("ms, SQLite", ""),
    "fleet_dashboard_1k_ms_p50": ("ms, SQLite, same run (baseline)", ""),
    "fleet_dashboard_10k_ms_p50_postgres": ("ms, PostgreSQL", "< 200"),
    "fleet_dashboard_10k_ms_p95_postgres": ("ms, PostgreSQL", ""),
    "fleet_dashboard_1k_ms_p50_postgres": ("ms, PostgreSQL, same run (baseline)", ""),
    "fleet_bench_30d_ms_p50": ("ms, /fleet/<id>/?days=30, SQLite", ""),
    "fleet_bench_30d_ms_p50_postgres": ("ms, PostgreSQL", ""),
}

FULL = {"ingest": {"proposals": 2000, "benches": 20}, "telemetry": {"benches": 10000, "minutes": 3, "compress": 2.0},
        "portal": {"rounds": 3, "requests": 200}, "energy": {"days": 31, "benches": 12},
        "chaos": {"benches": 12, "proposals": 2000}, "fleet": {"duration": "12h", "benches": None, "speed": None},
        "outage": {"ideas": None},
        # a year: every bench one reading a day, three at the firmware's 5-minute cadence (dashboard.py)
        "dashboard": {"benches": 10000, "baseline_benches": 1000, "days": 365, "per_day": 1, "chart_benches": 3,
                      "runs": 25}}
SMOKE = {"ingest": {"proposals": 40, "benches": 3, "sqlite_only": True},
         "telemetry": {"benches": 60, "minutes": 1, "compress": 20.0},
         "portal": {"rounds": 1, "requests": 20}, "energy": {"days": 2, "benches": 2},
         "chaos": {"benches": 2, "proposals": 8, "duration_s": 4.0}, "fleet": {"duration": "8h", "benches": 2, "speed": 1800},
         "outage": {"ideas": 5},
         "dashboard": {"benches": 300, "baseline_benches": 30, "days": 14, "per_day": 1, "chart_benches": 1, "runs": 5,
                       "sqlite_only": True}}


def context() -> dict:
    def version(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return None

    from simulators.bench import micropython_binary
    from simulators.stack import mosquitto_binary

    import django
    import paho.mqtt

    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"host": platform.node(), "cpus": os.cpu_count(), "cpu": _cpu_model(), "system": platform.platform(),
                    "load_before": os.getloadavg()[0]},
        "versions": {"python": platform.python_version(), "django": django.get_version(), "paho_mqtt": paho.mqtt.__version__,
                     "micropython": version([micropython_binary(), "-c", "import sys; print(sys.version)"]),
                     "mosquitto": version([mosquitto_binary(), "-h"]), "git": version(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])},
    }


def _cpu_model():
    try:
        return next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor()


# -- the measurements: each returns ({figure: value}, details) ---------------------------------------
def m_ingest(p, work):
    from simulators.benchmarks.hub_load import ingest_ratio

    sqlite_only = p.get("sqlite_only", False)
    p = {k: v for k, v in p.items() if k != "sqlite_only"}
    sqlite = ingest_ratio(work / "ingest", **p)
    figures, details = {"ingest_ratio": sqlite["ratio"]}, {"sqlite": sqlite}
    pg = None if sqlite_only else _postgres_database()
    if pg:
        try:
            details["postgres"] = ingest_ratio(work / "ingest-pg", database_url=pg[0], **p)
            figures["ingest_ratio_postgres"] = details["postgres"]["ratio"]
        finally:
            pg[1]()
    return figures, details


def _postgres_database(suffix=""):
    """(url, drop) of a fresh database on the local PostgreSQL server, or None."""
    base = os.environ.get("HUB_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    name = f"hub_bench_{os.getpid()}{suffix}"
    try:
        import psycopg

        psycopg.connect(base + "/postgres", connect_timeout=3, autocommit=True).execute(f"CREATE DATABASE {name}")
    except Exception:
        return None

    def drop():
        import psycopg

        psycopg.connect(base + "/postgres", autocommit=True).execute(f"DROP DATABASE {name} WITH (FORCE)")

    return f"{base}/{name}", drop


def m_telemetry(p, work):
    from simulators.benchmarks.hub_load import telemetry_lag

    r = telemetry_lag(work / "telemetry", **p)
    return {"telemetry_10k_lag_s_p99": r["lag_s_p99"]}, r


def m_portal(p, work):
    from simulators.benchmarks.portal import measure

    r = measure(work / "portal", **p)
    return {"firmware_heap_peak_bytes": r["heap_peak_chip_bytes"], "firmware_heap_peak_host_bytes": r["heap_peak_host_bytes"],
            "portal_page_bytes": r["page_bytes"], "portal_p95_ratio": r["p95_ratio"]}, r


def m_energy(p, work):
    from simulators.power import climate
    from simulators.power.runner import load_profile, run_fleet

    sites = list(climate.SITES)[:p["benches"]]
    dec = run_fleet(12, p["days"], policies=("firmware",), sites=sites, profile=load_profile())
    dark = run_fleet(12, min(20, p["days"]), policies=("firmware",), sites=sites, profile=load_profile(), sunless_days=20)
    strip = lambda r: {k: v for k, v in r.items() if k not in ("firmware",)}  # noqa: E731
    return {"energy_december_availability_min": dec["availability_min"], "energy_brownouts": dec["brownouts"],
            "energy_dark_20d_availability_min": dark["availability_min"],
            "energy_dark_20d_brownouts": dark["brownouts"]}, {"december": strip(dec), "dark_20d": strip(dark)}


def m_chaos(p, work):
    from simulators.chaos import Chaos

    r = Chaos(work / "chaos", benches=p["benches"], proposals=p["proposals"], duration_s=p.get("duration_s")).run()
    return {"chaos_lost": r["lost"], "chaos_duplicates": r["duplicates"]}, r


def m_fleet(p, work):
    from simulators.fleet.report import verdict, write
    from simulators.fleet.runner import Fleet
    from simulators.fleet.scenario import DEFAULT_SCENARIO, load, seconds

    sc = load(DEFAULT_SCENARIO)
    if p["benches"]:
        keep = {b.id for b in sc.benches[:p["benches"]]}
        sc = dataclasses.replace(sc, benches=sc.benches[:p["benches"]], faults=[f for f in sc.faults if f.bench in keep])
    fleet = Fleet(sc, work / "fleet", speed=p["speed"], duration_s=seconds(p["duration"]), echo=lambda line: None,
                  web=False)
    try:
        fleet.setup()
        started = time.monotonic()
        fleet.run()
        r = verdict(fleet, fleet.stored(), fleet.recover(), time.monotonic() - started)
        write(fleet, r, ROOT / "build" / "bench" / "fleet")
    finally:
        fleet.stop()
    r.pop("per_bench")
    return {"e2e_latency_ms_p50": r["latency_ms"]["p50"], "e2e_latency_ms_p99": r["latency_ms"]["p99"]}, r


def m_outage(p, work):
    from simulators.benchmarks.outage import measure

    r = measure(work / "outage", **p)
    return {"outage_7d_lost": r["lost"], "outage_7d_refused": r["refused"]}, r


def m_dashboard(p, work):
    from simulators.benchmarks.dashboard import measure

    r = measure(work / "dashboard", postgres_database=_postgres_database, **p)
    big, small = str(p["benches"]), str(p["baseline_benches"])
    figures = {}
    for vendor, suffix in (("sqlite", ""), ("postgresql", "_postgres")):
        sizes = r.get(vendor, {})
        if big in sizes:
            figures.update({f"fleet_dashboard_10k_ms_p50{suffix}": sizes[big]["dashboard"]["ms_p50"],
                            f"fleet_dashboard_10k_ms_p95{suffix}": sizes[big]["dashboard"]["ms_p95"],
                            f"fleet_bench_30d_ms_p50{suffix}": sizes[big]["bench_30d"]["ms_p50"]})
        if small in sizes:
            figures[f"fleet_dashboard_1k_ms_p50{suffix}"] = sizes[small]["dashboard"]["ms_p50"]
    return figures, r


MEASURES = {"energy": m_energy, "portal": m_portal, "ingest": m_ingest, "telemetry": m_telemetry,
            "fleet": m_fleet, "outage": m_outage, "chaos": m_chaos, "dashboard": m_dashboard}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m simulators.benchmarks", description=__doc__.split("\n\n")[0])
    ap.add_argument("--smoke", action="store_true", help="every figure at toy size (seconds, not an hour)")
    ap.add_argument("--only", default="", help="comma-separated: " + ",".join(MEASURES))
    ap.add_argument("--out", default=str(ROOT / "build" / "bench" / "results.json"))
    args = ap.parse_args(argv)
    sizes = SMOKE if args.smoke else FULL
    chosen = [m for m in (args.only.split(",") if args.only else MEASURES) if m]
    ctx = context()
    results = {"mode": "smoke" if args.smoke else "full", **ctx, "figures": {}, "details": {}, "errors": {}}
    work = Path(tempfile.mkdtemp(prefix="benchsim-bench-"))
    try:
        for name in chosen:
            started = time.monotonic()
            print(f"bench: {name} ...", file=sys.stderr, flush=True)
            try:
                figures, details = MEASURES[name](sizes[name], work)
            except Exception as exc:
                traceback.print_exc()
                figures, details = {}, None
                results["errors"][name] = repr(exc)
            took = round(time.monotonic() - started, 1)
            results["details"][name] = {"seconds": took, "size": sizes[name], "result": details}
            for key, value in figures.items():
                unit, target = FIGURES[key]
                results["figures"][key] = {"value": value, "unit": unit, "target": target, "measure": name,
                                           "seconds": took, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                           "machine": ctx["machine"], "versions": ctx["versions"]}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.only and out.exists():  # --only refreshes some figures of an earlier run, keeps the others
        earlier = json.loads(out.read_text())
        if earlier.get("mode") == results["mode"]:
            for part in ("figures", "details", "errors"):
                results[part] = {**{k: v for k, v in earlier.get(part, {}).items()
                                    if part == "figures" and v.get("measure") not in chosen
                                    or part != "figures" and k not in chosen}, **results[part]}
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str))
    print(f"{'figure':<36} {'value':>12}  {'unit':<30} target")
    for key, (unit, target) in FIGURES.items():
        fig = results["figures"].get(key)
        value = "–" if fig is None or fig["value"] is None else fig["value"]
        print(f"{key:<36} {value!s:>12}  {unit:<30} {target}")
    print(f"results: {out} ({results['mode']}; {ctx['machine']['cpus']} CPUs, load {ctx['machine']['load_before']:.1f} "
          f"before; {ctx['date']})")
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
