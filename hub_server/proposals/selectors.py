"""Reads of proposals and actions: the review queue, duplicate suggestions, the public views, exports."""
import re
from datetime import date

from django.db.models import Prefetch, Q, QuerySet

from hub_server.proposals.models import Action, ActionUpdate, AuditEntry, Proposal

QUEUE_PAGE = 50
_WORD = re.compile(r"\w{3,}", re.UNICODE)
DUPLICATE_POOL = 500
DUPLICATE_MIN_SCORE = 0.25


def proposal_list_for_review(*, limit: int = 200):
    return Proposal.objects.select_related("bench").order_by("-received")[:limit]


def review_queue(*, municipalities: set[str] | None, status: str = "", bench: str = "", category: str = "",
                 lang: str = "", since: date | None = None, until: date | None = None, q: str = "") -> QuerySet:
    """Proposals a reviewer may act on (None: all municipalities), newest first, filtered."""
    qs = Proposal.objects.select_related("bench").defer("name", "contact").order_by("-received", "-id")
    if municipalities is not None:
        qs = qs.filter(bench__municipality__in=municipalities)
    if status:
        qs = qs.filter(status=status)
    if bench:
        qs = qs.filter(bench_id=bench)
    if category:
        qs = qs.filter(category=category)
    if lang:
        qs = qs.filter(lang=lang)
    if since:
        qs = qs.filter(received__date__gte=since)
    if until:
        qs = qs.filter(received__date__lte=until)
    if q:
        q = q.strip()[:100]
        qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q) | Q(receipt__iexact=q) | Q(tags__icontains=q))
    return qs


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def duplicate_candidates(*, proposal: Proposal, limit: int = 5) -> list[tuple[Proposal, float]]:
    """Likely duplicates: the municipality's recent ideas with the most words in common (Jaccard)."""
    mine = _words(f"{proposal.title} {proposal.body}")
    if not mine:
        return []
    pool = (Proposal.objects.filter(bench__municipality=proposal.bench.municipality)
            .exclude(pk=proposal.pk).exclude(status__in=[Proposal.Status.HIDDEN, Proposal.Status.DUPLICATE])
            .only("id", "receipt", "title", "body", "status", "received").order_by("-received")[:DUPLICATE_POOL])
    scored = []
    for other in pool:
        theirs = _words(f"{other.title} {other.body}")
        if theirs:
            score = len(mine & theirs) / len(mine | theirs)
            if score >= DUPLICATE_MIN_SCORE:
                scored.append((other, round(score, 2)))
    scored.sort(key=lambda pair: (-pair[1], pair[0].pk))
    return scored[:limit]


def proposal_audit(*, proposal: Proposal) -> QuerySet:
    return AuditEntry.objects.filter(proposal=proposal).select_related("actor")


def audit_recent(*, limit: int = 200) -> QuerySet:
    return AuditEntry.objects.select_related("actor", "proposal", "action")[:limit]


def actions_for(*, municipalities: set[str] | None) -> QuerySet:
    qs = Action.objects.select_related("municipality").prefetch_related("proposals")
    return qs if municipalities is None else qs.filter(municipality__name__in=municipalities)


# Public reads: only public fields, never name or contact, never hidden ones.

_PUBLIC_FIELDS = ("id", "receipt", "title", "body", "public_title", "public_body", "category", "tags", "status",
                  "lang", "created", "received", "status_changed", "duplicate_of_id", "decline_reason",
                  "decline_note", "bench__id", "bench__municipality")


def public_ideas(*, municipality: str = "", q: str = "") -> QuerySet:
    qs = (Proposal.objects.filter(status=Proposal.Status.VALIDATED).select_related("bench")
          .only(*_PUBLIC_FIELDS).order_by("-received", "-id"))
    if municipality:
        qs = qs.filter(bench__municipality=municipality)
    if q:
        q = q.strip()[:100]
        qs = qs.filter(Q(title__icontains=q, public_title="") | Q(public_title__icontains=q)
                       | Q(body__icontains=q, public_body="") | Q(public_body__icontains=q) | Q(tags__icontains=q))
    return qs


def public_idea(*, proposal_id: str) -> Proposal | None:
    """An idea's public page: validated, declined and duplicate ideas have one; new and hidden do not."""
    return (Proposal.objects.select_related("bench", "duplicate_of").only(*_PUBLIC_FIELDS, "duplicate_of__receipt",
                                                                           "duplicate_of__title",
                                                                           "duplicate_of__public_title",
                                                                           "duplicate_of__status")
            .filter(pk=proposal_id, status__in=[Proposal.Status.VALIDATED, Proposal.Status.DECLINED,
                                                Proposal.Status.DUPLICATE]).first())


def public_by_receipt(*, receipt: str) -> list[Proposal]:
    """Everything with this receipt code (40 bits, so rarely more than one), any status, public fields only."""
    code = receipt.strip().upper().replace(" ", "")[:9]
    return list(Proposal.objects.select_related("bench", "duplicate_of").only(
        *_PUBLIC_FIELDS, "duplicate_of__receipt", "duplicate_of__title", "duplicate_of__public_title")
        .prefetch_related(Prefetch("actions", queryset=Action.objects.prefetch_related("updates")))
        .filter(receipt=code)[:5])


def public_actions(*, municipality: str = "") -> QuerySet:
    qs = Action.objects.select_related("municipality").prefetch_related(
        Prefetch("proposals", queryset=Proposal.objects.only("id", "receipt", "title", "public_title")))
    return qs.filter(municipality__name=municipality) if municipality else qs


def public_action(*, action_id: int) -> Action | None:
    return public_actions().prefetch_related(
        Prefetch("updates", queryset=ActionUpdate.objects.order_by("at", "id"))).filter(pk=action_id).first()


def public_municipalities() -> list[dict]:
    from hub_server.membership.selectors import municipality_choices
    return [{"name": m} for m in municipality_choices()]


def proposal_export_rows():
    for p in Proposal.objects.order_by("received", "id"):
        yield {
            "id": p.id,
            "bench_id": p.bench_id,
            "title": p.title,
            "body": p.body,
            "category": p.category,
            "receipt": p.receipt,
            "status": p.status,
            "created": (p.created or p.received).isoformat(),
        }
