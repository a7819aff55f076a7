"""/api/v1/ endpoints of the network: protocols, signatories, answers and response times (public), and
the officials' and organisations' staff endpoints (token). Registered on the hub's API in api/api.py."""
from datetime import date

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from hub_server.membership.models import Municipality
from hub_server.network import access, forwarding_services, selectors
from hub_server.network.models import Forwarding
from hub_server.network.open_data import answer_row, protocol_rows, signatory_row, stats_rows
from hub_server.proposals.models import Action, Proposal

router = Router(tags=["network"])


class ProtocolOut(Schema):
    municipality_id: int
    municipality: str
    version: int
    published: str
    response_days: int
    changes: str
    text_bs: str
    text_hr: str
    text_sr_latn: str
    text_sr: str
    text_en: str


class SignatoryOut(Schema):
    municipality: str
    version: int
    party: str
    name: str
    capacity: str
    acceded: str
    withdrawn: str | None
    withdraw_reason: str


class AnswerOut(Schema):
    id: int
    municipality: str
    organisation: str
    idea_id: str | None
    action_id: int | None
    title: str
    status: str
    forwarded: str
    due: str
    answered: str | None
    in_time: bool | None
    answer: str
    answer_lang: str
    department: str
    budget: str
    expected: str | None


class StatsOut(Schema):
    municipality_id: int
    municipality: str
    response_days: int
    forwarded: int
    answered: int
    answered_in_time: int
    overdue: int
    open: int
    median_days: float | None


@router.get("/protocols", response=list[ProtocolOut], summary="Every version of every municipality's protocol")
def protocols(request, municipality_id: int | None = None):
    return [r for r in protocol_rows() if municipality_id is None or r["municipality_id"] == municipality_id]


@router.get("/protocols/{municipality_id}/signatories", response=list[SignatoryOut],
            summary="Who acceded to a municipality's protocol, every version (withdrawals included)")
def protocol_signatories(request, municipality_id: int):
    m = get_object_or_404(Municipality, pk=municipality_id)
    return [signatory_row(a) for v in selectors.protocol_versions(municipality=m) for a in v.accessions.all()]


@router.get("/answers", response=list[AnswerOut], summary="Ideas and actions forwarded to municipalities, answers")
def answers(request, municipality_id: int | None = None, offset: int = 0, limit: int = 100):
    m = get_object_or_404(Municipality, pk=municipality_id) if municipality_id else None
    qs = selectors.public_forwardings(municipality=m)
    return [answer_row(f) for f in qs[max(0, offset):max(0, offset) + max(1, min(limit, 500))]]


@router.get("/response-times", response=list[StatsOut], summary="Per municipality: answers in time, median, overdue")
def response_times(request):
    return list(stats_rows())


# Staff endpoints: the token's user acts as in the web pages, with the same checks (network/access.py).

class Forward(Schema):
    idea_id: str | None = None
    action_id: int | None = None
    note: str = ""


class Answer(Schema):
    status: str
    note: str = ""
    answer: str = ""
    answer_lang: str = ""
    department: str = ""
    budget: str = ""
    expected: date | None = None


def _token_auth():
    from hub_server.api.api import TokenAuth
    return TokenAuth()


@router.get("/staff/forwardings", response=list[AnswerOut], auth=_token_auth(),
            summary="An official's inbox, or what the token owner's organisation forwarded")
def staff_forwardings(request):
    official = access.official_municipality(user=request.user)
    if official is not None:
        return [answer_row(f) for f in selectors.official_inbox(municipality=official)[:500]]
    organisation = access.user_organisation(user=request.user)
    if organisation is not None:
        return [answer_row(f) for f in selectors.organisation_forwardings(organisation=organisation)[:500]]
    if access.is_admin(user=request.user):
        return [answer_row(f) for f in selectors.public_forwardings()[:500]]
    raise HttpError(403, "This token's user has no role in the network.")


@router.post("/staff/forwardings", response={201: AnswerOut}, auth=_token_auth(),
             summary="Forward a validated idea or an action to its municipality (member organisations)")
def staff_forward(request, body: Forward):
    organisation = access.user_organisation(user=request.user)
    if organisation is None:
        raise HttpError(403, "Only member organisations forward ideas.")
    if bool(body.idea_id) == bool(body.action_id):
        raise HttpError(400, "Give idea_id or action_id, not both.")
    try:
        if body.idea_id:
            f = forwarding_services.forward_idea(proposal=get_object_or_404(Proposal, pk=body.idea_id),
                                                 organisation=organisation, by=request.user, note=body.note)
        else:
            f = forwarding_services.forward_action(action=get_object_or_404(Action, pk=body.action_id),
                                                   organisation=organisation, by=request.user, note=body.note)
    except ValidationError as exc:
        raise HttpError(400, " ".join(exc.messages))
    return 201, answer_row(selectors.forwarding_for(forwarding_id=f.pk))


@router.post("/staff/forwardings/{forwarding_id}/answer", response=AnswerOut, auth=_token_auth(),
             summary="The municipality's next step: received, considering, accepted (with a plan) or declined")
def staff_answer(request, forwarding_id: int, body: Answer):
    f = get_object_or_404(Forwarding, pk=forwarding_id)
    if not access.can_answer(user=request.user, forwarding=f):
        raise HttpError(403, "Only officials of this municipality answer.")
    try:
        forwarding_services.forwarding_answer(forwarding=f, by=request.user, **body.dict())
    except ValidationError as exc:
        raise HttpError(400, " ".join(exc.messages))
    return answer_row(selectors.forwarding_for(forwarding_id=f.pk))
