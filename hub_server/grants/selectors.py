"""Reads of the grant scheme: progress of the evaluation, what each role sees, the public record.

Public reads carry no personal data: organisations, amounts, ideas' public texts; never evaluators' names.
"""
from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hub_server.grants.models import Application, Assignment, Call, Decision, MilestoneReport
from hub_server.proposals.models import Proposal


def calls_for_admin() -> QuerySet:
    return Call.objects.annotate(
        submitted=Count("applications", filter=~Q(applications__status=Application.Status.DRAFT), distinct=True))


def open_calls() -> QuerySet:
    now = timezone.now()
    return Call.objects.filter(published=True, opens__lte=now, closes__gt=now).order_by("closes")


def public_calls() -> QuerySet:
    return Call.objects.filter(published=True).order_by("-opens")


def organisation_applications(*, organisation) -> QuerySet:
    return Application.objects.filter(organisation=organisation).select_related("call").order_by("-created")


def evaluator_assignments(*, user) -> QuerySet:
    return (Assignment.objects.filter(evaluator=user).select_related("application__call")
            .order_by("submitted", "-assigned"))


def applications_progress(*, call: Call, show: str = "") -> list[dict]:
    """Each submitted application with "n of m done" (submitted evaluations of active assignments)."""
    rows = []
    query = (call.applications.exclude(status=Application.Status.DRAFT).select_related("organisation")
             .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.select_related("evaluator")))
             .order_by("pk"))
    for application in query:
        active = [a for a in application.assignments.all() if not a.conflict]
        done = sum(1 for a in active if a.submitted)
        evaluated = bool(active) and done == len(active) and done >= 2
        if (show == "evaluated" and not evaluated) or (show == "not_evaluated" and evaluated):
            continue
        rows.append({"application": application, "done": done, "of": len(active), "evaluated": evaluated,
                     "assignments": application.assignments.all()})
    return rows


def call_progress(*, call: Call) -> dict:
    active = Assignment.objects.filter(application__call=call, conflict=False)
    return {"done": active.filter(submitted__isnull=False).count(), "of": active.count()}


def evaluators_progress(*, call: Call) -> list[dict]:
    rows = (Assignment.objects.filter(application__call=call, conflict=False).values("evaluator__username")
            .annotate(of=Count("id"), done=Count("id", filter=Q(submitted__isnull=False)))
            .order_by("evaluator__username"))
    return [{"evaluator": r["evaluator__username"], "done": r["done"], "of": r["of"]} for r in rows]


def awarded(*, call: Call | None = None) -> QuerySet:
    query = (Decision.objects.filter(outcome=Decision.Outcome.AWARDED, application__call__published=True)
             .select_related("application__organisation", "application__municipality", "application__call")
             .prefetch_related("application__partners",
                               # an idea hidden or declined since (review, privacy) is no longer shown
                               Prefetch("application__ideas", queryset=Proposal.objects.filter(
                                   status=Proposal.Status.VALIDATED)),
                               Prefetch("application__milestones",
                                        queryset=MilestoneReport.objects.select_related("action")))
             .order_by("rank"))
    return query.filter(application__call=call) if call is not None else query


def funded_projects_for_idea(*, proposal_id: str) -> QuerySet:
    return (Application.objects.filter(ideas__pk=proposal_id, status=Application.Status.AWARDED)
            .select_related("organisation", "decision").order_by("pk"))


def funded_lines(*, proposal_ids: list[str]) -> dict[str, str]:
    """For the benches' digest: "Funded project: <title> (<organisation>)" per idea, in the hub's language."""
    lines = {}
    with translation.override(settings.LANGUAGE_CODE):
        for application in (Application.objects.filter(ideas__pk__in=proposal_ids, status=Application.Status.AWARDED)
                            .select_related("organisation").prefetch_related("ideas").order_by("pk")):
            for idea in application.ideas.all():
                if idea.pk in proposal_ids and idea.pk not in lines:
                    lines[idea.pk] = _("Funded project: %(title)s (%(organisation)s)") % {
                        "title": application.title, "organisation": application.organisation.name}
    return lines
