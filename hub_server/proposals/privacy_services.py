"""Writes about citizens' personal data: retention, erasure, consent withdrawal, audited contact views.

What a citizen gives with consent (name, contact) is kept until HUB_CONTACT_RETENTION_DAYS after
the idea is closed (declined, duplicate, hidden, or every linked action done or not possible), or
at most HUB_CONTACT_RETENTION_MAX_DAYS after it arrived if it never closes; `hub retention`, run
daily by a scheduler, erases the rest. A citizen can ask for a copy, withdraw consent (contact
erased, no more emails) or have the whole idea erased. Every such act leaves an audit entry; no
erasure deletes one. An erased idea leaves an ErasedProposal so a bench that sends it again is
acknowledged without it being stored again (services.proposal_receive).
"""
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from hub_server.fleet_health.signals import digest_changed_queue
from hub_server.mail.models import MailFailure
from hub_server.proposals.models import Action, AuditEntry, ErasedProposal, Proposal

CLOSED_STATUSES = (Proposal.Status.DECLINED, Proposal.Status.DUPLICATE, Proposal.Status.HIDDEN)
FINAL_ACTION_STATUSES = (Action.Status.DONE, Action.Status.NOT_POSSIBLE)


class CitizenNotMatched(ValidationError):
    """No idea has this receipt code with this contact (the same answer whether the code exists or not)."""


def _forget_failed_mail(contact: str) -> None:
    if contact:
        MailFailure.objects.filter(recipients__icontains=contact).delete()


@transaction.atomic
def contact_erase(*, proposal: Proposal, by, why: str) -> Proposal:
    """Erase name and contact (consent ends with them); the idea itself stays."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    had = {"name": bool(proposal.name), "contact": bool(proposal.contact), "consent": proposal.consent}
    _forget_failed_mail(proposal.contact)
    proposal.name, proposal.contact, proposal.consent = "", "", False
    proposal.contact_erased = timezone.now()
    proposal.save(update_fields=["name", "contact", "consent", "contact_erased"])
    AuditEntry.objects.create(actor=by, verb=AuditEntry.Verb.CONTACT_ERASE, proposal=proposal, before=had,
                              after={"why": why})
    return proposal


@transaction.atomic
def contact_view(*, proposal: Proposal, by) -> dict:
    """A reviewer looks at an idea's contact details: returned, and the look is audited."""
    AuditEntry.objects.create(actor=by, verb=AuditEntry.Verb.CONTACT_VIEW, proposal=proposal, before={}, after={})
    fresh = Proposal.objects.only("name", "contact", "consent").get(pk=proposal.pk)
    return {"name": fresh.name, "contact": fresh.contact, "consent": fresh.consent}


@transaction.atomic
def proposal_erase(*, proposal: Proposal, by, why: str) -> None:
    """Erase an idea entirely: a tombstone keeps its id; its audit entries stay; the digest is redone."""
    proposal = Proposal.objects.select_for_update().select_related("bench").get(pk=proposal.pk)
    ErasedProposal.objects.get_or_create(id=proposal.pk, defaults={"bench_id": proposal.bench_id, "why": why[:40]})
    AuditEntry.objects.create(actor=by, verb=AuditEntry.Verb.ERASE, proposal=proposal,
                              before={"status": proposal.status, "receipt": proposal.receipt}, after={"why": why})
    _forget_failed_mail(proposal.contact)
    municipality = proposal.bench.municipality
    proposal.delete()  # its action links go with it; duplicates of it lose their original
    digest_changed_queue(municipality=municipality)


def contacts_due_for_erasure(*, now: datetime | None = None):
    """Ideas still holding a name or contact whose retention period is over."""
    now = now or timezone.now()
    closed_before = now - timedelta(days=settings.HUB_CONTACT_RETENTION_DAYS)
    arrived_before = now - timedelta(days=settings.HUB_CONTACT_RETENTION_MAX_DAYS)
    holding = Proposal.objects.exclude(name="", contact="")
    actions_over = (holding.filter(status=Proposal.Status.VALIDATED)
                    .annotate(actions_n=Count("actions", distinct=True),
                              open_n=Count("actions", filter=~Q(actions__status__in=FINAL_ACTION_STATUSES),
                                           distinct=True),
                              last_update=Max("actions__updated"))
                    .filter(actions_n__gt=0, open_n=0, last_update__lt=closed_before).values("pk"))
    return holding.filter(Q(status__in=CLOSED_STATUSES, status_changed__lt=closed_before)
                          | Q(pk__in=actions_over) | Q(received__lt=arrived_before))


def contacts_erase_expired(*, now: datetime | None = None) -> int:
    """The retention job (`hub retention`): erase what is due; returns how many ideas."""
    erased = 0
    for proposal in contacts_due_for_erasure(now=now).only("pk").iterator():
        contact_erase(proposal=proposal, by=None, why="retention")
        erased += 1
    return erased


def mail_failures_purge(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    deleted, _ = MailFailure.objects.filter(at__lt=now - timedelta(days=settings.HUB_MAIL_FAILURE_DAYS)).delete()
    return deleted


def login_logs_purge() -> int:
    """django-axes keeps every login's address and browser: personal data of the staff, kept
    HUB_LOGIN_LOG_DAYS (90) for investigating break-in attempts, then deleted."""
    from axes.handlers.proxy import AxesProxyHandler

    days = settings.HUB_LOGIN_LOG_DAYS
    return AxesProxyHandler.reset_logs(age_days=days) + AxesProxyHandler.reset_failure_logs(age_days=days)


def citizen_match(*, receipt: str, contact: str) -> Proposal:
    """The idea with this receipt whose stored contact is the one given (case and spaces forgiven)."""
    wanted = "".join(contact.split()).casefold()
    for proposal in Proposal.objects.select_related("bench").filter(receipt=receipt).exclude(contact=""):
        if wanted and "".join(proposal.contact.split()).casefold() == wanted:
            return proposal
    raise CitizenNotMatched("No idea has that receipt code with that contact.")


def citizen_request(*, receipt: str, contact: str, kind: str) -> Proposal:
    """A citizen's request, proven by the receipt code and the contact they gave: 'copy' (audited;
    the caller shows the copy), 'withdraw' (consent and contact erased) or 'erase' (the whole idea)."""
    proposal = citizen_match(receipt=receipt, contact=contact)
    if kind == "copy":
        AuditEntry.objects.create(actor=None, verb=AuditEntry.Verb.DATA_COPY, proposal=proposal, before={},
                                  after={"by": "citizen"})
    elif kind == "withdraw":
        contact_erase(proposal=proposal, by=None, why="consent withdrawn by the citizen")
    elif kind == "erase":
        proposal_erase(proposal=proposal, by=None, why="erased at the citizen's request")
    else:
        raise ValidationError(f"Unknown request {kind!r}.")
    return proposal
