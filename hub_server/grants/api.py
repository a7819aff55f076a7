"""/api/v1/ endpoints of the grant scheme: awarded projects (public, no personal data) and the evaluation's
progress of a call (administrators' token). Registered on the hub's API in api/api.py."""
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from hub_server.grants import access, selectors
from hub_server.grants.models import Call
from hub_server.grants.money import to_eur

router = Router(tags=["grants"])


class AwardedOut(Schema):
    call_id: int
    call: str
    application_id: int
    title: str
    organisation: str
    partners: list[str]
    municipality: str
    amount_bam: str
    amount_eur: str
    idea_ids: list[str]


class ProgressRow(Schema):
    name: str
    done: int
    of: int


class ProgressOut(Schema):
    call_id: int
    done: int
    of: int
    evaluators: list[ProgressRow]
    applications: list[ProgressRow]


@router.get("/grants/awarded", response=list[AwardedOut], summary="Awarded grant projects with amounts")
def awarded(request):
    return [{"call_id": d.application.call_id, "call": d.application.call.title_in("en"),
             "application_id": d.application_id, "title": d.application.title,
             "organisation": d.application.organisation.name,
             "partners": [o.name for o in d.application.partners.all()],
             "municipality": d.application.municipality.name, "amount_bam": str(d.amount),
             "amount_eur": str(to_eur(d.amount)), "idea_ids": [p.pk for p in d.application.ideas.all()]}
            for d in selectors.awarded()]


def register_staff(api, auth) -> None:
    @api.get("/staff/grants/calls/{call_id}/progress", response=ProgressOut, auth=auth, tags=["staff", "grants"],
             summary="Evaluation progress of a call: n of m done, per evaluator and per application")
    def progress(request, call_id: int):
        if not access.is_admin(user=request.user):
            raise PermissionDenied(_("Only network administrators run the grant scheme."))
        call = get_object_or_404(Call, pk=call_id)
        total = selectors.call_progress(call=call)
        return {"call_id": call.pk, **total,
                "evaluators": [{"name": r["evaluator"], "done": r["done"], "of": r["of"]}
                               for r in selectors.evaluators_progress(call=call)],
                "applications": [{"name": r["application"].title, "done": r["done"], "of": r["of"]}
                                 for r in selectors.applications_progress(call=call)]}
