"""Reads for the fleet dashboard: each bench's release and update state, rollouts and their audit."""
from django.db.models import Count, Q

from hub_server.fleet.models import Bench
from hub_server.releases.models import ReleaseEvent, Rollout

RESET_CAUSES = {1: "power on", 2: "hard reset", 3: "watchdog", 4: "deep sleep", 5: "soft reset"}


def fleet_updates(*, rollouts: int = 3, events: int = 12) -> dict:
    benches = []
    for bench in Bench.objects.select_related("update").order_by("id"):
        report = getattr(bench, "update", None)
        benches.append({"bench": bench, "report": report,
                        "reset": RESET_CAUSES.get(report.reset_cause, "") if report else ""})
    fleet = len(benches)
    recent = []
    for rollout in (Rollout.objects.select_related("release", "canary")
                    .annotate(updated=Count("benches", filter=Q(benches__state="updated")),
                              failed=Count("benches", filter=Q(benches__state__in=["rolled_back", "refused"])),
                              reached=Count("benches"))[:rollouts]):
        recent.append({"rollout": rollout, "fleet": fleet,
                       "percent": round(100 * rollout.updated / fleet) if fleet else 0})
    return {"benches": benches, "rollouts": recent,
            "events": list(ReleaseEvent.objects.select_related("release")[:events])}
