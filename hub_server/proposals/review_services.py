"""Review decisions and actions: every write of the review workflow, each with its audit entry.

Keyword-only, in one transaction each. The bench digest is queued in that transaction (it commits
with the decision); emails go out after the commit and can fail without undoing anything
(mail.services).
Permission checks are the views' and the API's job (membership.selectors.user_can_review); the
services trust their caller, like the ingest's do.
"""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils import timezone

from hub_server.fleet_health.signals import digest_changed_queue
from hub_server.mail.services import mail_on_commit
from hub_server.membership.services import municipality_ensure
from hub_server.proposals import notifications
from hub_server.proposals.models import Action, ActionUpdate, AuditEntry, Proposal

_REVIEW_FIELDS = ("status", "category", "tags", "public_title", "public_body", "duplicate_of_id",
                  "decline_reason", "decline_note")


def _snapshot(proposal: Proposal, fields) -> dict:
    return {f: getattr(proposal, f) for f in fields}


def _locked(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_for_update().select_related("bench").get(pk=proposal.pk)


def _tell_citizens_on_commit(proposal_ids: list[str]) -> None:
    for pid in proposal_ids:  # one hook each: one citizen's failing address does not stop the next email
        mail_on_commit(lambda pid=pid: notifications.send_citizen_status(proposal_id=pid))


def _change(*, proposal: Proposal, by, verb: str, changes: dict) -> Proposal:
    proposal = _locked(proposal)
    before = _snapshot(proposal, changes)
    for field, value in changes.items():
        setattr(proposal, field, value)
    status_moved = "status" in changes and before["status"] != changes["status"]
    if status_moved:
        proposal.status_changed = timezone.now()
    proposal.save(update_fields=list(changes) + (["status_changed"] if status_moved else []))
    AuditEntry.objects.create(actor=by, verb=verb, proposal=proposal, before=before,
                              after=_snapshot(proposal, changes))
    if status_moved:
        _tell_citizens_on_commit([proposal.pk])
    digest_changed_queue(municipality=proposal.bench.municipality)
    return proposal


@transaction.atomic
def proposal_validate(*, proposal: Proposal, by) -> Proposal:
    return _change(proposal=proposal, by=by, verb=AuditEntry.Verb.VALIDATE,
                   changes={"status": Proposal.Status.VALIDATED, "decline_reason": "", "decline_note": "",
                            "duplicate_of_id": None})


@transaction.atomic
def proposal_decline(*, proposal: Proposal, by, reason: str, note: str = "") -> Proposal:
    if reason not in Proposal.DeclineReason.values:
        raise ValidationError(f"Unknown decline reason {reason!r}.")
    return _change(proposal=proposal, by=by, verb=AuditEntry.Verb.DECLINE,
                   changes={"status": Proposal.Status.DECLINED, "decline_reason": reason,
                            "decline_note": note.strip()[:500], "duplicate_of_id": None})


@transaction.atomic
def proposal_mark_duplicate(*, proposal: Proposal, original: Proposal, by) -> Proposal:
    if original.pk == proposal.pk:
        raise ValidationError(_("A proposal cannot duplicate itself."))
    original = Proposal.objects.select_related("bench").get(pk=original.pk)
    if original.bench.municipality != Proposal.objects.select_related("bench").get(pk=proposal.pk).bench.municipality:
        raise ValidationError(_("The original must be from the same municipality."))
    if original.duplicate_of_id:  # point at the root, never at another duplicate
        original = original.duplicate_of
    if original.pk == proposal.pk:
        raise ValidationError(_("That proposal is already a duplicate of this one."))
    return _change(proposal=proposal, by=by, verb=AuditEntry.Verb.DUPLICATE,
                   changes={"status": Proposal.Status.DUPLICATE, "duplicate_of_id": original.pk,
                            "decline_reason": "", "decline_note": ""})


@transaction.atomic
def proposal_edit(*, proposal: Proposal, by, category: str, tags: list[str]) -> Proposal:
    if category not in Proposal.Category.values:
        raise ValidationError(f"Unknown category {category!r}.")
    clean = []
    for tag in tags:
        tag = tag.strip().lower()[:30]
        if tag and tag not in clean:
            clean.append(tag)
    return _change(proposal=proposal, by=by, verb=AuditEntry.Verb.EDIT,
                   changes={"category": category, "tags": ", ".join(clean)[:200]})


@transaction.atomic
def proposal_redact(*, proposal: Proposal, by, public_title: str, public_body: str) -> Proposal:
    """Replace the public text (personal data removed); the original stays for administrators."""
    public_title, public_body = public_title.strip(), public_body.strip()
    if not public_title or not public_body:
        raise ValidationError(_("The redacted title and text must not be empty."))
    if len(public_title) > 120 or len(public_body) > 2000:
        raise ValidationError(_("The redacted text is longer than the original limits (120 / 2000)."))
    return _change(proposal=proposal, by=by, verb=AuditEntry.Verb.REDACT,
                   changes={"public_title": public_title, "public_body": public_body})


@transaction.atomic
def proposal_hide(*, proposal: Proposal, by, note: str = "") -> Proposal:
    return _change(proposal=proposal, by=by, verb=AuditEntry.Verb.HIDE,
                   changes={"status": Proposal.Status.HIDDEN, "decline_note": note.strip()[:500]})


@transaction.atomic
def action_create(*, municipality: str, title: str, proposals: list[Proposal], by, public_answer: str = "") -> Action:
    """An action for one or more validated ideas of one municipality."""
    title = title.strip()
    if not title or len(title) > 120:
        raise ValidationError(_("An action needs a title of 1-120 characters."))
    if not proposals:
        raise ValidationError(_("An action links at least one validated idea."))
    linked = list(Proposal.objects.select_related("bench").filter(pk__in=[p.pk for p in proposals]))
    for p in linked:
        if p.status != Proposal.Status.VALIDATED:
            raise ValidationError(_("Proposal %(receipt)s is not validated.") % {"receipt": p.receipt})
        if p.bench.municipality != municipality:
            raise ValidationError(_("Proposal %(receipt)s is from another municipality.") % {"receipt": p.receipt})
    action = Action.objects.create(title=title, municipality=municipality_ensure(name=municipality),
                                   public_answer=public_answer.strip()[:2000], created_by=by)
    action.proposals.set(linked)
    ActionUpdate.objects.create(action=action, status=action.status, note=action.public_answer, by=by)
    AuditEntry.objects.create(actor=by, verb=AuditEntry.Verb.ACTION_CREATE, action=action, before={},
                              after={"title": title, "status": action.status,
                                     "proposals": sorted(p.pk for p in linked)})
    _tell_citizens_on_commit([p.pk for p in linked])
    digest_changed_queue(municipality=municipality)
    return action


@transaction.atomic
def action_update(*, action: Action, by, status: str, note: str, public_answer: str | None = None) -> ActionUpdate:
    """A dated step: a new status and/or note; optionally a new public answer."""
    if status not in Action.Status.values:
        raise ValidationError(f"Unknown action status {status!r}.")
    action = Action.objects.select_for_update().select_related("municipality").get(pk=action.pk)
    before = {"status": action.status, "public_answer": action.public_answer}
    action.status = status
    if public_answer is not None:
        action.public_answer = public_answer.strip()[:2000]
    action.save(update_fields=["status", "public_answer", "updated"])
    update = ActionUpdate.objects.create(action=action, status=status, note=note.strip()[:2000], by=by)
    AuditEntry.objects.create(actor=by, verb=AuditEntry.Verb.ACTION_UPDATE, action=action, before=before,
                              after={"status": action.status, "public_answer": action.public_answer,
                                     "note": update.note})
    if before["status"] != status:
        _tell_citizens_on_commit(list(action.proposals.values_list("pk", flat=True)))
    digest_changed_queue(municipality=action.municipality.name)
    return update
