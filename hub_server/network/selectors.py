"""Reads of the network app: protocols and signatories, forwarded items, accountability figures.

Public reads carry no personal data: a signatory is a party and a capacity, never the person's name;
a forwarded idea shows its public (redacted) text only.
"""
from datetime import datetime

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from hub_server.membership.models import Municipality, Organisation
from hub_server.network.models import Accession, Forwarding, ForwardingStep, ProtocolVersion
from hub_server.proposals.models import Proposal

_IDEA_FIELDS = ("proposal__id", "proposal__receipt", "proposal__title", "proposal__public_title",
                "proposal__body", "proposal__public_body", "proposal__lang", "proposal__status",
                "proposal__bench__id", "proposal__bench__municipality")


def network_municipalities() -> QuerySet:
    return Municipality.objects.order_by("name")


def current_version(*, municipality: Municipality) -> ProtocolVersion | None:
    return ProtocolVersion.objects.filter(protocol__municipality=municipality).order_by("-number").first()


def signatories(*, version: ProtocolVersion | None) -> list[Accession]:
    """The parties bound by this version now: the municipality first, then organisations by name."""
    if version is None:
        return []
    found = list(version.accessions.filter(withdrawn__isnull=True).select_related("organisation"))
    return sorted(found, key=lambda a: (a.party != Accession.Party.MUNICIPALITY,
                                        a.organisation.name.lower() if a.organisation_id else ""))


def protocol_versions(*, municipality: Municipality) -> QuerySet:
    """Every version, newest first, with every accession to it (withdrawn ones included): the history."""
    return (ProtocolVersion.objects.filter(protocol__municipality=municipality).order_by("-number")
            .prefetch_related(Prefetch("accessions", queryset=Accession.objects.select_related("organisation"))))


def awaiting_reaccession(*, municipality: Municipality) -> list[str]:
    """Parties still bound by an older version who have not acceded to the current one (names)."""
    version = current_version(municipality=municipality)
    if version is None:
        return []
    now_signed = {(a.party, a.organisation_id) for a in signatories(version=version)}
    older = (Accession.objects.filter(version__protocol__municipality=municipality, version__number__lt=version.number,
                                      withdrawn__isnull=True).select_related("organisation", "version__protocol__municipality"))
    waiting = {}
    for a in older:
        if (a.party, a.organisation_id) not in now_signed:
            waiting[(a.party, a.organisation_id)] = a.party_name
    return sorted(waiting.values())


def active_accession(*, version: ProtocolVersion | None, organisation: Organisation | None) -> Accession | None:
    """This party's standing accession to the version (organisation None: the municipality's own)."""
    if version is None:
        return None
    qs = version.accessions.filter(withdrawn__isnull=True)
    return (qs.filter(organisation=organisation) if organisation else qs.filter(party=Accession.Party.MUNICIPALITY)).first()


def _forwardings(*, steps: bool = True) -> QuerySet:
    qs = (Forwarding.objects.select_related("municipality", "organisation", "proposal__bench", "action")
          .defer("proposal__name", "proposal__contact", "proposal__consent"))
    return qs.prefetch_related(Prefetch("steps", queryset=ForwardingStep.objects.order_by("at", "id"))) if steps else qs


def public_forwardings(*, municipality: Municipality | None = None, steps: bool = True) -> QuerySet:
    qs = _forwardings(steps=steps)
    return qs.filter(municipality=municipality) if municipality else qs


def forwarding_for(*, forwarding_id: int) -> Forwarding | None:
    return _forwardings().filter(pk=forwarding_id).first()


def official_inbox(*, municipality: Municipality) -> QuerySet:
    """What was forwarded to a municipality: open items first, the nearest deadline first."""
    return public_forwardings(municipality=municipality, steps=False).order_by("answered", "due", "id")


def organisation_forwardings(*, organisation: Organisation) -> QuerySet:
    return _forwardings().filter(organisation=organisation)


def forwardable_ideas(*, organisation: Organisation, limit: int = 100) -> QuerySet:
    """Validated ideas of the organisation's municipalities that nobody forwarded yet."""
    names = organisation.municipalities.values_list("name", flat=True)
    return (Proposal.objects.filter(status=Proposal.Status.VALIDATED, bench__municipality__in=list(names),
                                    forwardings__isnull=True).select_related("bench")
            .only("id", "receipt", "title", "public_title", "bench__id", "bench__municipality", "received")
            .order_by("-received")[:limit])


def response_stats(*, now: datetime | None = None) -> dict[int, dict]:
    """Per municipality id: forwarded, answered, answered_in_time, overdue, open, median_days (None: no answer).

    Counted by the database (one query), the median read as the middle row(s) of each municipality's
    answered items by days to answer (an indexed read per municipality with answers)."""
    now = now or timezone.now()
    unanswered = Q(answered__isnull=True)
    stats = {row.pop("municipality_id"): row for row in Forwarding.objects.values("municipality_id").annotate(
        forwarded=Count("id"), answered_n=Count("id", filter=~unanswered),
        answered_in_time=Count("id", filter=Q(answered__lte=F("due"))),
        overdue=Count("id", filter=unanswered & Q(due__lt=now)),
        open=Count("id", filter=unanswered & Q(due__gte=now))).order_by()}
    for mid, s in stats.items():
        s["answered"] = n = s.pop("answered_n")
        s["median_days"] = None
        if n:
            took = (Forwarding.objects.filter(municipality_id=mid, days_to_answer__isnull=False)
                    .order_by("days_to_answer").values_list("days_to_answer", flat=True))
            middle = list(took[(n - 1) // 2:n // 2 + 1])
            s["median_days"] = round(sum(middle) / len(middle), 1)
    return stats


EMPTY_STATS = {"forwarded": 0, "answered": 0, "answered_in_time": 0, "overdue": 0, "open": 0, "median_days": None}


def protocol_overview() -> list[dict]:
    """The public list: every municipality, its current version, signatories and accountability figures."""
    stats = response_stats()
    rows = []
    versions = {}
    for v in ProtocolVersion.objects.select_related("protocol").order_by("number"):
        versions[v.protocol.municipality_id] = v  # ascending: the last one is current
    signed_by_version: dict[int, list[Accession]] = {}
    for a in Accession.objects.filter(version__in=list(versions.values()), withdrawn__isnull=True):
        signed_by_version.setdefault(a.version_id, []).append(a)
    for m in network_municipalities():
        version = versions.get(m.pk)
        signed = signed_by_version.get(version.pk, []) if version else []
        rows.append({"municipality": m, "version": version,
                     "response_days": version.protocol.response_days if version else None,
                     "municipality_signed": any(a.party == Accession.Party.MUNICIPALITY for a in signed),
                     "organisations": sum(1 for a in signed if a.organisation_id),
                     "stats": stats.get(m.pk, EMPTY_STATS)})
    return rows


def municipal_answers(*, proposal_ids: list[str]) -> dict[str, str]:
    """The municipality's formal answer to each idea that has one (for the bench digest)."""
    return dict(Forwarding.objects.filter(proposal_id__in=proposal_ids, status__in=Forwarding.ANSWERED)
                .values_list("proposal_id", "answer"))
