"""Live pages without a reload: a cheap change marker that open pages poll (static/hub/live.js).

When the marker changes, the page fetches itself again and swaps its `data-live` regions; without
JavaScript the region's "Show the newest" link does the same by hand. Polling rather than
server-sent events: waitress buffers streamed answers and gives each open stream a thread.
"""
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from hub_server.fleet_health.models import Alert, TelemetryReading
from hub_server.proposals.models import ActionUpdate, AuditEntry, Proposal

POLL_SECONDS = 2


def change_marker(*, fleet: bool = False) -> str:
    """Changes whenever a proposal arrives, is decided or removed, or an action moves (fleet: telemetry, alerts)."""
    p = Proposal.objects.aggregate(n=Count("pk"), received=Max("received"), changed=Max("status_changed"))
    parts = [p["n"], p["received"], p["changed"], AuditEntry.objects.aggregate(m=Max("pk"))["m"],
             ActionUpdate.objects.aggregate(m=Max("pk"))["m"]]
    if fleet:
        parts += [TelemetryReading.objects.aggregate(m=Max("pk"))["m"],
                  Alert.objects.aggregate(m=Max("pk"), cleared=Max("cleared")).values()]
    return "|".join(str(part) for part in parts)


@require_GET
def public_marker(request):
    return _answer(change_marker())


@require_GET
@login_required
def staff_marker(request):
    return _answer(change_marker(fleet=request.user.has_perm("fleet_health.view_fleet")))


def _answer(marker: str) -> JsonResponse:
    response = JsonResponse({"v": marker, "poll": POLL_SECONDS})
    response["Cache-Control"] = "no-store"
    return response
