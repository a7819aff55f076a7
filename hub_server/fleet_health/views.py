"""The staff fleet dashboard: every bench at a glance, per-bench charts (tables without JavaScript)."""
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode

from hub_server.fleet.models import Bench
from hub_server.fleet_health import selectors
from hub_server.fleet_health.models import Alert
from hub_server.portal.geo import MAP_NAMES_BENCHES_UP_TO, STATES, map_points

TAGS = {"ok": "ok", "alert": "warn", "offline": "bad"}  # hub.css tag colours of the bench states


@login_required
@permission_required("fleet_health.view_fleet", raise_exception=True)
def dashboard(request):
    """The whole fleet in counts, the newest open alerts, the map, and one page of benches (filtered)."""
    now = timezone.now()
    summary = selectors.fleet_summary(now=now)
    filters = selectors.clean_filters(request.GET)
    page = selectors.bench_page(filters=filters, page=request.GET.get("page", 1), now=now, total=summary["total"])
    named = selectors.map_benches(summary=summary, now=now, listed=MAP_NAMES_BENCHES_UP_TO)
    rows, map_rows = selectors.bench_rows_of(list(page.object_list), named)
    return render(request, "fleet_health/dashboard.html", {
        "summary": summary, "filters": filters, "page": page, "rows": rows,
        "filter_query": urlencode(filters), "alerts": selectors.newest_open_alerts(), "alert_kinds": Alert.Kind.choices,
        "states": [(key, STATES[key], TAGS[key], summary["states"][key]) for key in ("ok", "alert", "offline")],
        "map_points": map_points(summary=summary, rows=map_rows)})


@login_required
@permission_required("fleet_health.view_fleet", raise_exception=True)
def bench_detail(request, bench_id):
    bench = Bench.objects.select_related("health__reading").filter(pk=bench_id).first()
    if bench is None:
        raise Http404("No such bench.")
    days = 30 if request.GET.get("days") == "30" else 7
    return render(request, "fleet_health/bench.html", {
        "bench": bench, "days": days, "series": selectors.bench_series(bench_id=bench_id, days=days),
        "alerts": bench.alerts.all()[:50]})


@login_required
@permission_required("fleet_health.view_fleet", raise_exception=True)
def bench_series(request, bench_id):
    if not Bench.objects.filter(pk=bench_id).exists():
        raise Http404("No such bench.")
    days = 30 if request.GET.get("days") == "30" else 7
    return JsonResponse(selectors.bench_series(bench_id=bench_id, days=days))
