"""Reads for the fleet dashboard, the per-bench charts and the public bench list.

The dashboard reads a fixed number of queries whatever the fleet's size: counts per municipality
and state, per open alert kind and per firmware version (GROUP BY over one row per bench), then
one page of benches. Each bench's latest reading is copied into its BenchHealth row as it arrives,
so none of this reads the telemetry table; a bench's charts aggregate its readings in SQL.
"""
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Avg, Case, Count, Exists, Max, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce, Greatest, Substr, TruncDate, TruncHour
from django.utils import timezone

from hub_server.fleet.models import Bench
from hub_server.fleet_health.models import Alert, BenchHealth, TelemetryReading
from hub_server.proposals.models import Proposal

PAGE_SIZE = 50
STATES = ("offline", "alert", "ok")  # worst first, as the map colours a municipality
FILTERS = ("q", "municipality", "state", "alert", "firmware")


def _offline_limit(now: datetime | None) -> datetime:
    return (now or timezone.now()) - timedelta(minutes=settings.HUB_ALERT_OFFLINE_MINUTES)


def benches_with_state(*, now: datetime | None = None):
    """Benches annotated with `seen` (the later of their last message and their latest reading) and
    `state`: offline (silent for longer than the threshold, or never seen), alert (an open alert)
    or ok. Both are computed in SQL, so they can be counted, filtered and paged."""
    limit = _offline_limit(now)
    # GREATEST skips nulls on PostgreSQL but not on SQLite: coalesce both sides the other way round
    seen = Greatest(Coalesce("last_seen", "health__received"), Coalesce("health__received", "last_seen"))
    return (Bench.objects.annotate(seen=seen, alerting=Exists(Alert.objects.filter(bench=OuterRef("pk"), cleared=None)))
            .annotate(state=Case(When(seen__gte=limit, alerting=True, then=Value("alert")),
                                 When(seen__gte=limit, then=Value("ok")), default=Value("offline"))))


def fleet_summary(*, now: datetime | None = None) -> dict:
    """What the whole fleet looks like, in three GROUP BY queries."""
    municipalities: dict[str, dict] = {}
    for row in benches_with_state(now=now).order_by().values("municipality", "state").annotate(n=Count("pk")):
        counts = municipalities.setdefault(row["municipality"], {"total": 0, **dict.fromkeys(STATES, 0)})
        counts[row["state"]] += row["n"]
        counts["total"] += row["n"]
    states = {state: sum(m[state] for m in municipalities.values()) for state in STATES}
    labels = dict(Alert.Kind.choices)
    alerts = [(row["kind"], labels.get(row["kind"], row["kind"]), row["n"]) for row in
              Alert.objects.filter(cleared=None).order_by("kind").values("kind").annotate(n=Count("pk"))]
    versions = [(row["firmware"], row["n"]) for row in
                BenchHealth.objects.order_by("firmware").values("firmware").annotate(n=Count("pk"))]
    total = sum(states.values())
    return {"total": total, "states": states, "municipalities": dict(sorted(municipalities.items())),
            "alerts": alerts, "open_alerts": sum(n for _, _, n in alerts), "versions": versions,
            "never_reported": total - sum(n for _, n in versions)}


def clean_filters(params) -> dict[str, str]:
    """The dashboard's filters from a query string: unknown names dropped, values bounded."""
    found = {name: str(params.get(name, "")).strip()[:80] for name in FILTERS}
    if found["state"] not in STATES:
        found["state"] = ""
    if found["alert"] not in Alert.Kind.values:
        found["alert"] = ""
    return {name: value for name, value in found.items() if value}


def filtered_benches(*, filters: dict, now: datetime | None = None):
    benches = benches_with_state(now=now)
    if "q" in filters:
        benches = benches.filter(Q(id__icontains=filters["q"]) | Q(municipality__icontains=filters["q"]))
    if "municipality" in filters:
        benches = benches.filter(municipality=filters["municipality"])
    if "state" in filters:
        benches = benches.filter(state=filters["state"])
    if "alert" in filters:
        benches = benches.filter(Exists(Alert.objects.filter(bench=OuterRef("pk"), cleared=None, kind=filters["alert"])))
    if "firmware" in filters:
        benches = benches.filter(health__firmware=filters["firmware"])
    return benches.order_by("municipality", "id")


def bench_page(*, filters: dict, page: str | int = 1, now: datetime | None = None, total: int | None = None):
    """One page (PAGE_SIZE) of the filtered benches, health selected; `total`: the count when known
    (the summary's, without filters). Rows come from bench_rows."""
    paginator = Paginator(filtered_benches(filters=filters, now=now).select_related("health"), PAGE_SIZE)
    if total is not None and not filters:
        paginator.count = total  # a cached property: saves counting the fleet again
    return paginator.get_page(page)


def bench_rows(benches) -> list[dict]:
    """Benches (from benches_with_state, health selected) with their latest reading and open alerts:
    one query for the alerts of all of them."""
    return bench_rows_of(list(benches))[0]


def bench_rows_of(*groups) -> list[list[dict]]:
    """bench_rows for several lists of benches at once, with one query for all their open alerts."""
    ids = {b.pk for group in groups for b in group}
    alerts: dict[str, list] = {}
    for alert in Alert.objects.filter(cleared=None, bench_id__in=ids).order_by("opened"):
        alerts.setdefault(alert.bench_id, []).append(alert)
    return [[{"bench": b, "reading": getattr(b, "health", None), "last_seen": b.seen, "up": b.state != "offline",
              "state": b.state, "alerts": alerts.get(b.pk, [])} for b in group] for group in groups]


def dashboard_rows(*, now: datetime | None = None) -> list[dict]:
    """Every bench with its latest reading and open alerts (the staff API's export): two queries."""
    return bench_rows(benches_with_state(now=now).select_related("health").order_by("municipality", "id"))


def map_benches(*, summary: dict, now: datetime | None = None, listed: int) -> list:
    """The benches of each municipality that has at most `listed` of them (named beside the map)."""
    few = [name for name, counts in summary["municipalities"].items() if counts["total"] <= listed]
    return list(benches_with_state(now=now).select_related("health").filter(municipality__in=few)
                .order_by("municipality", "id")) if few else []


def map_rows(*, summary: dict, now: datetime | None = None, listed: int) -> list[dict]:
    return bench_rows(map_benches(summary=summary, now=now, listed=listed))


def newest_open_alerts(*, limit: int = PAGE_SIZE) -> list[Alert]:
    return list(Alert.objects.filter(cleared=None).order_by("-opened")[:limit])


def public_bench_list(*, now: datetime | None = None) -> list[dict]:
    """For the public portal: each bench's municipality, whether it works, and its battery in plain words."""
    rows = benches_with_state(now=now).order_by("municipality", "id").values("id", "municipality", "state", "seen",
                                                                            "health__soc")
    return [{"id": r["id"], "municipality": r["municipality"], "up": r["state"] != "offline", "last_seen": r["seen"],
             "soc": round(r["health__soc"]) if r["health__soc"] is not None else None} for r in rows]


def _hour_bucket():
    """The UTC hour of `received`, computed by the database itself: SQLite keeps datetimes as UTC text
    (its TruncHour calls back into Python for every row, too slow for a month of readings)."""
    if connection.vendor == "sqlite":
        return Substr("received", 1, 13)
    return TruncHour("received", tzinfo=dt_timezone.utc)


def _hour_start(bucket) -> datetime:
    if isinstance(bucket, str):
        return datetime.strptime(bucket, "%Y-%m-%d %H").replace(tzinfo=dt_timezone.utc)
    return bucket


def bench_series(*, bench_id: str, days: int, now: datetime | None = None) -> dict:
    """Chart data for one bench: hourly SoC, daily harvest (Wh in) and proposals per day.

    One GROUP BY per hour over the period's readings (index bench, received), whatever the table
    holds; the days are made of the hours (the hub's time zone is whole hours off UTC)."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    hours = (TelemetryReading.objects.filter(bench_id=bench_id, received__gte=since).order_by()
             .annotate(t=_hour_bucket()).values("t").annotate(soc=Avg("soc"), wh_in=Max("wh_in_today")).order_by("t"))
    soc, harvest = [], {}
    for row in hours:
        start = _hour_start(row["t"])
        soc.append([int(start.timestamp()), round(row["soc"], 1) if row["soc"] is not None else None])
        day = timezone.localtime(start).date()
        known = [v for v in (harvest.get(day), row["wh_in"]) if v is not None]
        harvest[day] = max(known, default=None)
    proposals = list(Proposal.objects.filter(bench_id=bench_id, received__gte=since)
                     .annotate(d=TruncDate("received")).values("d").annotate(v=Count("id")).order_by("d"))
    return {
        "days": days, "soc": soc,
        "harvest_wh": [[d.isoformat(), round(v, 1) if v is not None else None] for d, v in sorted(harvest.items())],
        "proposals": [[r["d"].isoformat(), r["v"]] for r in proposals],
    }
