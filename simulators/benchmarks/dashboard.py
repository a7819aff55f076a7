"""The fleet dashboard with a large fleet and a year of telemetry: server time of /fleet/ (the page
staff open), a filtered page and one bench's 30-day charts, on SQLite and PostgreSQL.

What "a year of telemetry" is here: every bench has readings over `days` days at `per_day` a bench a
day (10,000 benches x 365 days = 3.65 M rows in the full run; 3.97 M with the rows below), and
`chart_benches` of them have the firmware's real cadence, one reading every 5 minutes for the whole
year (105,120 rows each), so the 30-day charts face the rows a real bench leaves. The dashboard
itself never reads the readings (each bench's latest is copied into its BenchHealth row), so the
table's size matters to it only through the database's caches; the charts read one bench's month
through the index (bench, received), whatever the other benches sent.

Each size is seeded into a fresh database by `python -m simulators.benchmarks.dashboard seed-and-time`
in a process of its own (the hub's settings are read from DATABASE_URL at start).
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path

MUNICIPALITIES = ["Sarajevo Centar", "Mostar", "Banja Luka", "Tuzla", "Zenica", "Bihać", "Trebinje", "Brčko",
                  "Bijeljina", "Livno", "Goražde", "Prijedor"]
FIRMWARE = ["0.3.0", "0.3.1", "0.4.0"]
CHART_EVERY = timedelta(minutes=5)  # the firmware's telemetry period


def measure(workdir: Path, benches=10000, baseline_benches=1000, days=365, per_day=1, chart_benches=3, runs=25,
            sqlite_only=False, postgres_database=None) -> dict:
    """{"sqlite": {"10000": {...}, "1000": {...}}, "postgresql": {...}}: each size seeded fresh."""
    workdir.mkdir(parents=True, exist_ok=True)
    out = {}
    for vendor in ("sqlite",) + (() if sqlite_only else ("postgresql",)):
        out[vendor] = {}
        for size in (baseline_benches, benches):
            if vendor == "sqlite":
                url, drop = f"sqlite:///{workdir}/dashboard-{size}.sqlite3", None
            else:
                made = postgres_database(f"dash{size}") if postgres_database else None
                if made is None:
                    out[vendor] = {"skipped": "no PostgreSQL server answers"}
                    break
                url, drop = made
            try:
                out[vendor][str(size)] = _run(url, size, days, per_day, chart_benches, runs)
            finally:
                if drop:
                    drop()
                for f in workdir.glob(f"dashboard-{size}.sqlite3*"):
                    f.unlink()
    return out


def _run(url, benches, days, per_day, chart_benches, runs) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "hub_server.settings"}
    args = [sys.executable, "-m", "simulators.benchmarks.dashboard", "seed-and-time", "--benches", str(benches),
            "--days", str(days), "--per-day", str(per_day), "--chart-benches", str(chart_benches), "--runs", str(runs)]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=7200)
    if done.returncode:
        raise RuntimeError(f"dashboard benchmark ({benches} benches) failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- in the hub's process ---------------------------------------------------------------------------
def seed(*, benches: int, days: int, per_day: int, chart_benches: int) -> dict:
    from django.db import connection, transaction

    from hub_server.fleet.models import Bench
    from hub_server.fleet_health.models import Alert, BenchHealth, TelemetryReading

    rng = random.Random(16)
    now = datetime.now(dt_timezone.utc).replace(microsecond=0)
    started = time.monotonic()
    ids = [f"bench-{i:05d}" for i in range(benches)]
    Bench.objects.bulk_create([Bench(id=b, municipality=MUNICIPALITIES[i % 12], key="00" * 32, last_seen=now)
                               for i, b in enumerate(ids)], batch_size=2000)
    # history: `per_day` readings a day for every bench, the 5-minute cadence for the charted ones
    history = 0
    step = timedelta(days=1) / per_day
    chunk = []
    with transaction.atomic():
        for i, bench_id in enumerate(ids):
            every = CHART_EVERY if i < chart_benches else step
            count = int(timedelta(days=days) / every)
            chunk += [(bench_id, now - every * (k + 1), 40 + (k * 7 + i) % 60, (k % 288) * 0.4) for k in range(count)]
            history += count
            if len(chunk) >= 50000:
                _insert_readings(connection, chunk)
                chunk = []
        _insert_readings(connection, chunk)
    # the state at the moment: 1 % never reported, 3 % silent for two days, 5 % on low battery
    silent = set(ids[7::33])
    never = set(ids[5::100])
    latest = TelemetryReading.objects.bulk_create([
        TelemetryReading(bench_id=b, received=now - (timedelta(days=2) if b in silent else timedelta(minutes=2)),
                         soc=12.0 if i % 20 == 3 else 40 + rng.random() * 60, battery_v=12.4, solar_w=rng.random() * 30,
                         mode="normal", clients=rng.randint(0, 8), outbox=0, heap_free=60000, firmware=FIRMWARE[i % 3],
                         faults=[]) for i, b in enumerate(ids) if b not in never], batch_size=2000)
    BenchHealth.objects.bulk_create([BenchHealth(bench_id=r.bench_id, reading=r, **{c: getattr(r, c) for c in
                                                                                   BenchHealth.LATEST})
                                     for r in latest], batch_size=2000)
    Bench.objects.filter(id__in=silent | never).update(last_seen=None)
    Alert.objects.bulk_create([Alert(bench_id=r.bench_id, kind=Alert.Kind.LOW_BATTERY, detail="SoC 12 %",
                                     opened=now - timedelta(hours=3)) for r in latest if r.soc == 12.0]
                              + [Alert(bench_id=b, kind=Alert.Kind.OFFLINE, detail="offline", opened=now - timedelta(days=1))
                                 for b in sorted(silent | never)], batch_size=2000)
    with connection.cursor() as c:
        c.execute("ANALYZE")
    return {"benches": benches, "readings": history + len(latest), "days": days, "per_day": per_day,
            "chart_benches": chart_benches, "chart_readings_per_bench": int(timedelta(days=days) / CHART_EVERY),
            "open_alerts": Alert.objects.filter(cleared=None).count(), "seed_s": round(time.monotonic() - started, 1),
            "chart_bench": ids[0], "municipality": MUNICIPALITIES[0]}


def _insert_readings(connection, rows):
    """(bench, received, soc, wh_in) rows, the fastest way each database takes them."""
    columns = "bench_id, received, soc, wh_in_today, battery_v, solar_w, mode, firmware, faults"
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            with c.cursor.copy(f"COPY fleet_health_telemetryreading ({columns}) FROM STDIN") as copy:
                for bench_id, received, soc, wh_in in rows:
                    copy.write_row((bench_id, received, soc, wh_in, 12.4, 5.0, "normal", "0.3.1", "[]"))
        else:
            c.executemany(f"INSERT INTO fleet_health_telemetryreading ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          [(b, r.strftime("%Y-%m-%d %H:%M:%S"), s, w, 12.4, 5.0, "normal", "0.3.1", "[]")
                           for b, r, s, w in rows])


def time_pages(*, runs: int, chart_bench: str, municipality: str) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    admin = get_user_model().objects.create_superuser("bench-admin", "a@example.org", "x")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    out = {}
    for label, url in [("dashboard", "/fleet/"), ("dashboard_filtered", f"/fleet/?state=alert&municipality={municipality}"),
                       ("dashboard_page_40", "/fleet/?page=40"), ("bench_30d", f"/fleet/{chart_bench}/?days=30")]:
        response = client.get(url)  # warm up
        assert response.status_code == 200, (url, response.status_code)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        out[label] = {"url": url, "ms_p50": round(statistics.median(times), 1),
                      "ms_p95": round(times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], 1),
                      "bytes": len(response.content)}
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m simulators.benchmarks.dashboard")
    ap.add_argument("command", choices=["seed-and-time"])
    ap.add_argument("--benches", type=int, default=10000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--per-day", type=int, default=1)
    ap.add_argument("--chart-benches", type=int, default=3)
    ap.add_argument("--runs", type=int, default=25)
    args = ap.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub_server.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    seeded = seed(benches=args.benches, days=args.days, per_day=args.per_day, chart_benches=args.chart_benches)
    timed = time_pages(runs=args.runs, chart_bench=seeded.pop("chart_bench"), municipality=seeded.pop("municipality"))
    print(json.dumps({**seeded, "database": connection.vendor, **timed}))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    main()
