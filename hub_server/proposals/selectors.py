"""Reads of proposals and actions: the review queue, duplicate suggestions, the public views, exports."""
import re
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from hub_server.membership.selectors import user_can_review
from hub_server.proposals.models import Action, ActionUpdate, AuditEntry, Proposal

QUEUE_PAGE = 50
_WORD = re.compile(r"\w{3,}", re.UNICODE)
DUPLICATE_POOL = 500
DUPLICATE_MIN_SCORE = 0.25


def proposal_for_review(*, user, proposal_id: str) -> Proposal:
    """The idea, if this user may review it: Http404 if there is none, PermissionDenied if not theirs."""
    proposal = Proposal.objects.select_related("bench", "duplicate_of").filter(pk=proposal_id).first()
    if proposal is None:
        raise Http404(_("No such proposal."))
    if not user_can_review(user=user, municipality=proposal.bench.municipality):
        raise PermissionDenied(_("You do not review proposals of this municipality."))
    return proposal


def duplicate_original_find(*, value: str, proposal: Proposal) -> Proposal:
    """The original a reviewer named (id or receipt code), from the same municipality."""
    value = value.strip()
    found = (Proposal.objects.select_related("bench")
             .filter(Q(pk=value.lower()) | Q(receipt=value.upper()), bench__municipality=proposal.bench.municipality)
             .exclude(pk=proposal.pk).first())
    if found is None:
        raise ValidationError(_("No proposal with that id or receipt code in this municipality."))
    return found


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


def ideas_named(*, municipality: str, keys: str) -> list[Proposal]:
    """The municipality's ideas named by comma-separated ids or receipt codes; ValidationError if any is not."""
    names = [k.strip() for k in keys.split(",") if k.strip()]
    found = list(Proposal.objects.filter(bench__municipality=municipality)
                 .filter(Q(pk__in=[k.lower() for k in names]) | Q(receipt__in=[k.upper() for k in names])))
    if len(found) < len(names):
        raise ValidationError(_("Some of those ideas are not in this municipality."))
    return found


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


# Public reads: only public fields, never name or contact, and only ideas that may be named in public.

_PUBLIC_FIELDS = ("id", "receipt", "title", "body", "public_title", "public_body", "category", "tags", "status",
                  "lang", "created", "received", "status_changed", "duplicate_of_id", "decline_reason",
                  "decline_note", "bench__id", "bench__municipality")


def publicly_named() -> Q:
    """Ideas whose title and id may appear in public: validated ones, duplicates, and declined ones
    unless declined as unlawful. New (unreviewed) and hidden ideas never do."""
    return (Q(status__in=[Proposal.Status.VALIDATED, Proposal.Status.DUPLICATE])
            | (Q(status=Proposal.Status.DECLINED) & ~Q(decline_reason=Proposal.DeclineReason.ILLEGAL)))


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


def _original_if_public(proposal: Proposal) -> Proposal:
    """Drop the link to a duplicate's original unless the original may be named in public."""
    if proposal.duplicate_of_id:
        proposal.duplicate_of = (Proposal.objects.filter(publicly_named(), pk=proposal.duplicate_of_id)
                                 .only("id", "receipt", "title", "public_title", "status").first())
    return proposal


def public_idea(*, proposal_id: str) -> Proposal | None:
    """An idea's public page: validated, duplicate and (unless unlawful) declined ideas have one."""
    found = (Proposal.objects.select_related("bench").only(*_PUBLIC_FIELDS)
             .filter(publicly_named(), pk=proposal_id).first())
    return _original_if_public(found) if found else None


def public_by_receipt(*, receipt: str) -> list[Proposal]:
    """What the holder of a receipt code may see (40 bits, so rarely more than one idea), any status.

    An idea that may not be named in public (new, hidden, declined as unlawful) shows its status
    only: its title and text are blanked here, so no template can show them.
    """
    found = list(Proposal.objects.select_related("bench").only(*_PUBLIC_FIELDS)
                 .prefetch_related(Prefetch("actions", queryset=Action.objects.prefetch_related("updates")))
                 .filter(receipt=receipt)[:5])
    named = set(Proposal.objects.filter(publicly_named(), pk__in=[p.pk for p in found]).values_list("pk", flat=True))
    for p in found:
        if p.pk not in named:
            p.title = p.public_title = p.body = p.public_body = ""
        _original_if_public(p)
    return found


def public_actions(*, municipality: str = "") -> QuerySet:
    """Actions with only their publicly named ideas (an idea hidden after the action was made drops out)."""
    qs = Action.objects.select_related("municipality").prefetch_related(
        Prefetch("proposals", queryset=Proposal.objects.filter(publicly_named())
                 .only("id", "receipt", "title", "public_title").order_by("id")))
    return qs.filter(municipality__name=municipality) if municipality else qs


def public_action(*, action_id: int) -> Action | None:
    return public_actions().prefetch_related(
        Prefetch("updates", queryset=ActionUpdate.objects.order_by("at", "id"))).filter(pk=action_id).first()


def citizen_data_copy(*, proposal: Proposal) -> dict:
    """Everything held about a citizen's idea, for the citizen (who proved receipt and contact).

    The history names what happened and when, not which reviewer did it.
    """
    p = Proposal.objects.select_related("bench").get(pk=proposal.pk)
    return {
        "receipt": p.receipt, "bench": p.bench_id, "municipality": p.bench.municipality,
        "created": p.created, "received": p.received, "language": p.lang, "category": p.category,
        "title": p.title, "text": p.body, "public_title": p.public_title, "public_text": p.public_body,
        "name": p.name, "contact": p.contact, "consent": p.consent, "status": p.status,
        "decline_reason": p.decline_reason, "decline_note": p.decline_note,
        "actions": [(a.title, a.status) for a in p.actions.order_by("id")],
        "history": [(e.at, e.get_verb_display())
                    for e in AuditEntry.objects.filter(proposal_id=p.pk).order_by("at", "id")],
    }


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
