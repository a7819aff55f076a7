"""The staff fleet dashboard: every bench at a glance, per-bench charts (tables without JavaScript)."""
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, JsonResponse
from django.shortcuts import render

from hub_server.fleet.models import Bench
from hub_server.fleet_health import selectors
from hub_server.portal.geo import map_points


@login_required
@permission_required("fleet_health.view_fleet", raise_exception=True)
def dashboard(request):
    rows = selectors.dashboard_rows()
    return render(request, "fleet_health/dashboard.html", {"rows": rows, "alerts": selectors.open_alerts(),
                                                           "map_points": map_points(rows)})


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
