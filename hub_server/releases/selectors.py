"""Reads for the fleet dashboard: each bench's release and update state, rollouts and their audit."""
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from hub_server.fleet.models import Bench
from hub_server.releases.models import ReleaseEvent, Rollout

RESET_CAUSES = {1: _("power on"), 2: _("hard reset"), 3: _("watchdog"), 4: _("deep sleep"), 5: _("soft reset")}
# A bench's update state (benchcore/protocol_updates.py UPDATE_STATES) as the dashboard names it,
# and the tag it wears: what needs an operator's look is bad.
UPDATE_STATES = {
    "idle": (_("factory release"), "muted"), "downloading": (_("downloading"), "muted"),
    "failed": (_("download failed, retrying"), "warn"), "refused": (_("refused"), "bad"),
    "staged": (_("staged for the next start"), "muted"), "trial": (_("on trial"), "warn"),
    "good": (_("confirmed"), "ok"), "rolled_back": (_("rolled back"), "bad"),
}
EVENT_VERBS = {
    "release_add": _("release registered"), "rollout_start": _("rollout started"),
    "rollout_stage": _("next stage"), "rollout_halt": _("rollout halted"), "update_sent": _("update sent"),
    "release_confirm": _("release confirmed"), "bench_updated": _("bench updated"),
    "bench_rolled_back": _("bench rolled back"), "bench_refused": _("bench refused"),
    "safe_mode_leave": _("safe mode ended"),
}


def fleet_updates(*, rollouts: int = 3, events: int = 12) -> dict:
    benches = []
    for bench in Bench.objects.select_related("update").order_by("id"):
        report = getattr(bench, "update", None)
        label, tag = UPDATE_STATES.get(report.state, (report.state, "muted")) if report else ("", "")
        benches.append({"bench": bench, "report": report, "state": label, "tag": tag,
                        "reset": RESET_CAUSES.get(report.reset_cause, "") if report else ""})
    fleet = len(benches)
    recent = []
    for rollout in (Rollout.objects.select_related("release", "canary")
                    .annotate(updated=Count("benches", filter=Q(benches__state="updated")),
                              failed=Count("benches", filter=Q(benches__state__in=["rolled_back", "refused"])),
                              reached=Count("benches")).order_by("-started", "-pk")[:rollouts]):
        recent.append({"rollout": rollout, "fleet": fleet,
                       "percent": round(100 * rollout.updated / fleet) if fleet else 0})
    audit = [{"event": e, "verb": EVENT_VERBS.get(e.verb, e.verb)}
             for e in ReleaseEvent.objects.select_related("release")[:events]]
    return {"benches": benches, "rollouts": recent, "events": audit}
