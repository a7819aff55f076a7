"""Reads for the fleet dashboard, the per-bench charts and the public bench list."""
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Avg, Count, Max
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone

from hub_server.fleet.models import Bench
from hub_server.fleet_health.models import Alert, TelemetryReading
from hub_server.proposals.models import Proposal


def _last_seen(bench) -> datetime | None:
    reading = getattr(getattr(bench, "health", None), "reading", None)
    times = [t for t in (bench.last_seen, reading.received if reading else None) if t is not None]
    return max(times, default=None)


def bench_is_up(*, bench, now: datetime | None = None) -> bool:
    seen = _last_seen(bench)
    limit = (now or timezone.now()) - timedelta(minutes=settings.HUB_ALERT_OFFLINE_MINUTES)
    return seen is not None and seen >= limit


def dashboard_rows(*, now: datetime | None = None) -> list[dict]:
    """Every bench with its latest reading and open alerts: two queries whatever the fleet's size."""
    now = now or timezone.now()
    benches = list(Bench.objects.select_related("health__reading").order_by("municipality", "id"))
    alerts = {}
    for alert in Alert.objects.filter(cleared=None).order_by("opened"):
        alerts.setdefault(alert.bench_id, []).append(alert)
    rows = []
    for bench in benches:
        health = getattr(bench, "health", None)
        rows.append({"bench": bench, "reading": health.reading if health else None,
                     "last_seen": _last_seen(bench), "up": bench_is_up(bench=bench, now=now),
                     "alerts": alerts.get(bench.id, [])})
    return rows


def open_alerts() -> list[Alert]:
    return list(Alert.objects.filter(cleared=None).select_related("bench").order_by("-opened"))


def bench_series(*, bench_id: str, days: int, now: datetime | None = None) -> dict:
    """Chart data for one bench: hourly SoC, daily harvest (Wh in) and proposals per day."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    readings = TelemetryReading.objects.filter(bench_id=bench_id, received__gte=since)
    soc = list(readings.annotate(t=TruncHour("received")).values("t").annotate(v=Avg("soc")).order_by("t"))
    harvest = list(readings.annotate(d=TruncDate("received")).values("d").annotate(v=Max("wh_in_today"))
                   .order_by("d"))
    proposals = list(Proposal.objects.filter(bench_id=bench_id, received__gte=since)
                     .annotate(d=TruncDate("received")).values("d").annotate(v=Count("id")).order_by("d"))
    return {
        "days": days,
        "soc": [[int(r["t"].timestamp()), round(r["v"], 1) if r["v"] is not None else None] for r in soc],
        "harvest_wh": [[r["d"].isoformat(), round(r["v"], 1) if r["v"] is not None else None] for r in harvest],
        "proposals": [[r["d"].isoformat(), r["v"]] for r in proposals],
    }


def public_bench_list(*, now: datetime | None = None) -> list[dict]:
    """For the public portal: each bench's municipality, whether it works, and its battery in plain words."""
    rows = []
    for row in dashboard_rows(now=now):
        reading = row["reading"]
        rows.append({"id": row["bench"].id, "municipality": row["bench"].municipality, "up": row["up"],
                     "last_seen": row["last_seen"],
                     "soc": round(reading.soc) if reading and reading.soc is not None else None})
    return rows
