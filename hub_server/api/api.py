"""REST API v1 (django-ninja): public reads of validated ideas, actions and benches; staff endpoints
with a token (`Authorization: Bearer hub_...`, made by `hub api-token <username>`).
OpenAPI schema at /api/v1/openapi.json."""
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer

from hub_server.fleet_health.selectors import dashboard_rows, public_bench_list
from hub_server.membership.selectors import user_review_scope
from hub_server.membership.services import api_token_user
from hub_server.proposals import decisions, selectors
from hub_server.proposals.models import Proposal
from hub_server.proposals.text import inert, inert_line

api = NinjaAPI(title="LINK hub API", version="1", urls_namespace="api-v1", docs_url=None,
               description="Public reads need no authentication; /staff/ endpoints need a staff token. "
                           "Open data licence: CC BY 4.0.")


MAX_OFFSET = 10_000_000


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = api_token_user(token=token)
        if user is not None:
            request.user = user
        return user


class IdeaOut(Schema):
    id: str
    receipt: str
    municipality: str
    bench: str
    category: str
    tags: list[str]
    title: str
    body: str
    received: date


class ActionOut(Schema):
    id: int
    municipality: str
    title: str
    status: str
    public_answer: str
    updated: date
    idea_ids: list[str]


class BenchOut(Schema):
    id: str
    municipality: str
    up: bool
    soc: int | None


class Page(Schema):
    count: int
    offset: int
    limit: int


class IdeaPage(Page):
    items: list[IdeaOut]


def _idea(p: Proposal) -> dict:
    return {"id": p.id, "receipt": p.receipt, "municipality": p.bench.municipality, "bench": p.bench_id,
            "category": p.category, "tags": p.tag_list, "title": inert_line(p.shown_title, 120),
            "body": inert(p.shown_body, 2000), "received": p.received.date()}


def _action(a) -> dict:
    return {"id": a.id, "municipality": a.municipality.name, "title": inert_line(a.title, 120), "status": a.status,
            "public_answer": inert(a.public_answer, 2000), "updated": a.updated.date(),
            "idea_ids": sorted(p.id for p in a.proposals.all())}


@api.get("/ideas", response=IdeaPage, tags=["public"], summary="Validated ideas, newest first")
def ideas(request, municipality: str = "", q: str = "", offset: int = 0, limit: int = 50):
    # Bounded on both sides: an offset past what a database integer holds was a 500.
    limit, offset = max(1, min(limit, 200)), max(0, min(offset, MAX_OFFSET))
    qs = selectors.public_ideas(municipality=municipality, q=q)
    return {"count": qs.count(), "offset": offset, "limit": limit,
            "items": [_idea(p) for p in qs[offset:offset + limit]]}


@api.get("/ideas/{proposal_id}", response=IdeaOut, tags=["public"])
def idea(request, proposal_id: str):
    p = selectors.public_ideas().filter(pk=proposal_id).first()
    if p is None:
        raise HttpError(404, _("No such validated idea."))
    return _idea(p)


@api.get("/actions", response=list[ActionOut], tags=["public"])
def actions(request, municipality: str = ""):
    return [_action(a) for a in selectors.public_actions(municipality=municipality)[:500]]


@api.get("/benches", response=list[BenchOut], tags=["public"])
def benches(request):
    return [{k: row[k] for k in ("id", "municipality", "up", "soc")} for row in public_bench_list()]


class QueueItem(Schema):
    id: str
    receipt: str
    municipality: str
    bench: str
    category: str
    status: str
    title: str
    body: str
    received: str


class FleetRow(Schema):
    id: str
    municipality: str
    up: bool
    last_seen: str | None
    soc: float | None
    battery_v: float | None
    solar_w: float | None
    mode: str
    outbox: int | None
    firmware: str
    alerts: list[str]


def _queue_item(p: Proposal) -> dict:
    return {"id": p.id, "receipt": p.receipt, "municipality": p.bench.municipality, "bench": p.bench_id,
            "category": p.category, "status": p.status, "title": inert_line(p.shown_title, 120),
            "body": inert(p.shown_body, 2000), "received": p.received.isoformat()}


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Forbidden."}, status=403)


@api.get("/staff/queue", response=list[QueueItem], auth=TokenAuth(), tags=["staff"],
         summary="The review queue of the token owner's municipalities")
def staff_queue(request, status: str = "new", municipality: str = "", limit: int = 50):
    scope = user_review_scope(user=request.user, municipality=municipality)
    if scope == set():
        raise HttpError(403, _("This token's user reviews no municipality."))
    qs = selectors.review_queue(municipalities=scope, status=status)[:max(1, min(limit, 200))]
    return [_queue_item(p) for p in qs]


class Decision(Schema):
    decision: str
    reason: str = ""
    note: str = ""
    original: str = ""
    category: str = ""
    tags: str = ""
    public_title: str = ""
    public_body: str = ""


@api.post("/staff/proposals/{proposal_id}/decision", response={200: QueueItem}, auth=TokenAuth(), tags=["staff"],
          summary="validate | decline (reason, note) | duplicate (original) | edit (category, tags) | "
                  "redact (public_title, public_body) | hide (note): the review UI's decisions")
def staff_decide(request, proposal_id: str, body: Decision):
    p = selectors.proposal_for_review(user=request.user, proposal_id=proposal_id)
    try:
        p = decisions.decision_apply(proposal=p, by=request.user, decision=body.decision, data=body.dict())
    except ValidationError as exc:
        raise HttpError(400, " ".join(exc.messages))
    return _queue_item(Proposal.objects.select_related("bench").get(pk=p.pk))


@api.get("/staff/fleet", response=list[FleetRow], auth=TokenAuth(), tags=["staff"])
def staff_fleet(request):
    if not request.user.has_perm("fleet_health.view_fleet"):
        raise HttpError(403, _("This token's user cannot see the fleet."))
    out = []
    for row in dashboard_rows():
        r = row["reading"]
        out.append({"id": row["bench"].id, "municipality": row["bench"].municipality, "up": row["up"],
                    "last_seen": row["last_seen"].isoformat() if row["last_seen"] else None,
                    "soc": r.soc if r else None, "battery_v": r.battery_v if r else None,
                    "solar_w": r.solar_w if r else None, "mode": r.mode if r else "",
                    "outbox": r.outbox if r else None, "firmware": r.firmware if r else "",
                    "alerts": [a.kind for a in row["alerts"]]})
    return out


from hub_server.network.api import router as network_router  # noqa: E402 (needs TokenAuth above)

api.add_router("/", network_router)

from hub_server.grants.api import register_staff as register_grants_staff  # noqa: E402
from hub_server.grants.api import router as grants_router  # noqa: E402

api.add_router("/", grants_router)
register_grants_staff(api, TokenAuth())

# Provisioning benches from the technician's laptop (`bench provision`): its own module.
from hub_server.api.provisioning import router as provisioning_router  # noqa: E402

api.add_router("/staff/benches", provisioning_router)
