"""Writes about forwarded ideas and actions: forwarding, the municipality's formal answer, reminders.

Keyword-only, one transaction each, an audit entry each; the bench digest queued in the same transaction,
emails after commit (mail.services: a failure is recorded, never raised).
"""
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub_server.fleet_health.signals import digest_changed_queue
from hub_server.mail.services import mail_on_commit
from hub_server.membership.models import Municipality, Organisation
from hub_server.network import audit, emails
from hub_server.network.models import DEFAULT_RESPONSE_DAYS, Forwarding, ForwardingStep, Protocol
from hub_server.proposals.models import Action, Proposal

Status = Forwarding.Status
# Which answer may follow which: an answer (accepted, declined) is final.
NEXT = {Status.FORWARDED: {Status.RECEIVED, Status.CONSIDERING, Status.ACCEPTED, Status.DECLINED},
        Status.RECEIVED: {Status.CONSIDERING, Status.ACCEPTED, Status.DECLINED},
        Status.CONSIDERING: {Status.ACCEPTED, Status.DECLINED},
        Status.ACCEPTED: set(), Status.DECLINED: set()}
REMIND_DAYS_BEFORE = 7


def _response_days(municipality: Municipality) -> int:
    protocol = Protocol.objects.filter(municipality=municipality).first()
    return protocol.response_days if protocol else DEFAULT_RESPONSE_DAYS


def _forward(*, municipality: Municipality, organisation: Organisation, by, note: str, **subject) -> Forwarding:
    if organisation.status != Organisation.Status.APPROVED:
        raise ValidationError(_("Only approved member organisations forward to municipalities."))
    if not organisation.municipalities.filter(pk=municipality.pk).exists():
        raise ValidationError(_("Your organisation does not work in this municipality."))
    now = timezone.now()
    try:
        with transaction.atomic():
            forwarding = Forwarding.objects.create(
                municipality=municipality, organisation=organisation, forwarded_by=by, note=note.strip()[:2000],
                forwarded=now, due=now + timedelta(days=_response_days(municipality)), **subject)
    except IntegrityError:
        raise ValidationError(_("This was already forwarded to the municipality."))
    ForwardingStep.objects.create(forwarding=forwarding, status=Status.FORWARDED, note=forwarding.note, by=by)
    audit.record(actor=by, verb="forward", subject=str(forwarding), municipality=municipality,
                 after={"organisation": organisation.pk, "due": forwarding.due.isoformat(),
                        **{k: v.pk for k, v in subject.items()}})
    fid = forwarding.pk
    mail_on_commit(lambda: emails.send_forwarded(forwarding_id=fid))
    return forwarding


@transaction.atomic
def forward_idea(*, proposal: Proposal, organisation: Organisation, by, note: str = "") -> Forwarding:
    """A validated idea goes to its municipality, with the protocol's answer deadline."""
    proposal = Proposal.objects.select_related("bench").get(pk=proposal.pk)
    if proposal.status != Proposal.Status.VALIDATED:
        raise ValidationError(_("Only validated ideas can be forwarded."))
    municipality = Municipality.objects.filter(name=proposal.bench.municipality).first()
    if municipality is None:
        raise ValidationError(_("The idea's municipality is not a member of the network."))
    return _forward(municipality=municipality, organisation=organisation, by=by, note=note, proposal=proposal)


@transaction.atomic
def forward_action(*, action: Action, organisation: Organisation, by, note: str = "") -> Forwarding:
    action = Action.objects.select_related("municipality").get(pk=action.pk)
    return _forward(municipality=action.municipality, organisation=organisation, by=by, note=note, action=action)


def _digest_municipality(forwarding: Forwarding) -> str:
    return forwarding.proposal.bench.municipality if forwarding.proposal_id else forwarding.municipality.name


@transaction.atomic
def forwarding_answer(*, forwarding: Forwarding, by, status: str, note: str = "", answer: str = "",
                      answer_lang: str = "", department: str = "", budget: str = "",
                      expected: date | None = None) -> Forwarding:
    """The municipality's next step: received, under consideration, accepted with a plan, or declined
    with reasons. Accepted and declined are answers: public, final, and they stop the deadline clock."""
    forwarding = (Forwarding.objects.select_for_update(of=("self",)).select_related("municipality", "proposal__bench")
                  .get(pk=forwarding.pk))
    if status not in Status.values:
        raise ValidationError(_("Unknown answer status %(status)r.") % {"status": status})
    if status not in NEXT[forwarding.status]:
        raise ValidationError(_("%(now)s cannot become %(next)s.") % {"now": forwarding.get_status_display(),
                                                                       "next": Status(status).label})
    answer, note = answer.strip()[:2000], note.strip()[:2000]
    department, budget = department.strip()[:160], budget.strip()[:160]
    if status == Status.ACCEPTED and not (department and budget and expected):
        raise ValidationError(_("An acceptance needs a plan: the responsible department, a budget line or amount, "
                              "and an expected date."))
    if status == Status.DECLINED and not answer:
        raise ValidationError(_("A decline needs the reasons, in the public answer."))
    before = {"status": forwarding.status}
    forwarding.status = status
    fields = ["status"]
    if status in Forwarding.ANSWERED:
        forwarding.answered = timezone.now()
        forwarding.days_to_answer = (forwarding.answered - forwarding.forwarded).total_seconds() / 86400
        forwarding.answer, forwarding.answer_lang = answer, answer_lang[:10]
        forwarding.department, forwarding.budget, forwarding.expected = department, budget, expected
        fields += ["answered", "days_to_answer", "answer", "answer_lang", "department", "budget", "expected"]
    forwarding.save(update_fields=fields)
    ForwardingStep.objects.create(forwarding=forwarding, status=status, note=note or answer, by=by)
    audit.record(actor=by, verb="forwarding_answer", subject=str(forwarding), municipality=forwarding.municipality,
                 before=before, after={"status": status, "answer": answer, "department": department,
                                       "budget": budget, "expected": expected.isoformat() if expected else None})
    fid = forwarding.pk
    mail_on_commit(lambda: emails.send_answered(forwarding_id=fid))
    digest_changed_queue(municipality=_digest_municipality(forwarding))
    return forwarding


def forwardings_remind(*, now: datetime | None = None, days_before: int = REMIND_DAYS_BEFORE) -> dict:
    """Remind officials of forwarded items due within `days_before` days, once, and tell them once
    when an item is overdue. The scheduler runs this (`hub network-remind`); safe to run any time."""
    now = now or timezone.now()
    open_ = Forwarding.objects.exclude(status__in=Forwarding.ANSWERED)
    counts = {"reminded": 0, "overdue": 0}
    for field, verb, condition in (("reminded", "remind", {"due__gt": now, "due__lte": now + timedelta(days=days_before)}),
                                   ("overdue_notified", "overdue_notice", {"due__lte": now})):
        for fid in list(open_.filter(**{f"{field}__isnull": True}, **condition).values_list("pk", flat=True)):
            with transaction.atomic():
                forwarding = (Forwarding.objects.select_for_update().select_related("municipality")
                              .filter(pk=fid, **{f"{field}__isnull": True}).first())
                if forwarding is None:
                    continue  # another run took it
                setattr(forwarding, field, now)
                forwarding.save(update_fields=[field])
                audit.record(actor=None, verb=verb, subject=str(forwarding), municipality=forwarding.municipality,
                             after={"due": forwarding.due.isoformat()})
                mail_on_commit(lambda fid=fid, overdue=(verb != "remind"):
                                      emails.send_deadline(forwarding_id=fid, overdue=overdue))
            counts["reminded" if verb == "remind" else "overdue"] += 1
    return counts
