"""Writes about calls and applications: publishing and amending calls, drafting, attaching, submitting.

Keyword-only, one transaction each, an audit entry each; e-mails after commit. Permission checks are the
callers' (grants/access.py); the services check what must hold whoever calls them: the deadline by the
server's clock, the budget limits, only validated ideas, a submitted application frozen.
"""
import hashlib
import io
import secrets
import zipfile
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from hub_server.grants import audit, emails
from hub_server.grants.models import (TEXT_LANGUAGES, Activity, Application, ApplicationSnapshot, Attachment,
                                      BudgetLine, Call, CallVersion, Criterion)
from hub_server.languages.script import to_cyrillic
from hub_server.mail.services import mail_on_commit
from hub_server.membership.models import Organisation
from hub_server.proposals.models import Proposal

REQUIRED_LANGUAGES = ("bs", "hr", "sr-latn", "en")
LINKABLE_IDEAS = (Proposal.Status.VALIDATED,)  # a forwarded idea is a validated one (network.Forwarding)
CALL_FIELDS = ("budget", "min_amount", "max_amount", "cofinancing_percent", "require_good_standing",
               "require_network_municipality", "require_validated_idea", "pass_mark", "divergence", "opens",
               "closes", "evaluation_until", "decision_by")


def _texts(texts: dict, missing_message: str) -> dict:
    """missing_message: "... %(languages)s" (a whole sentence, so that each language can phrase it)."""
    clean = {lang: (texts.get(lang) or "").strip() for lang in TEXT_LANGUAGES}
    missing = [lang for lang in REQUIRED_LANGUAGES if not clean[lang]]
    if missing:
        raise ValidationError(missing_message % {"languages": ", ".join(missing)})
    if not clean["sr"]:
        clean["sr"] = to_cyrillic(clean["sr-latn"])
    return clean


def _title_missing() -> str:
    return _("The title is missing in: %(languages)s.")


def _text_missing() -> str:
    return _("The text is missing in: %(languages)s.")


def _name_missing() -> str:
    return _("The criterion's name is missing in: %(languages)s.")


def _check_call(fields: dict) -> None:
    if not 0 < fields["min_amount"] <= fields["max_amount"] <= fields["budget"]:
        raise ValidationError(_("The amounts must satisfy 0 < minimum ≤ maximum ≤ total budget."))
    if not fields["opens"] < fields["closes"] or fields["closes"].date() > fields["evaluation_until"] \
            or fields["evaluation_until"] > fields["decision_by"]:
        raise ValidationError(_("The dates must follow each other: opening, closing, evaluation, decision."))
    if not 0 <= fields["cofinancing_percent"] < 100:
        raise ValidationError(_("The co-financing share must be between 0 and 99 %."))


def _snapshot(call: Call) -> dict:
    data = {f: str(getattr(call, f)) for f in CALL_FIELDS}
    data.update(titles=call.titles, texts=call.texts,
                criteria=[{"names": c.names, "weight": str(c.weight), "pass_mark": str(c.pass_mark)}
                          for c in call.criteria.all()])
    return data


@transaction.atomic
def call_create(*, titles: dict, texts: dict, by, **fields) -> Call:
    _check_call(fields)
    call = Call.objects.create(titles=_texts(titles, _title_missing()), texts=_texts(texts, _text_missing()),
                               created_by=by, **fields)
    audit.record(actor=by, verb="call_create", subject=call.title_in("en"), call=call, after=_snapshot(call))
    return call


@transaction.atomic
def call_change(*, call: Call, by, titles: dict, texts: dict, changes: str = "", **fields) -> Call:
    """Before opening: edited in place. After opening: an amendment, kept as a new visible version."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.decided:
        raise ValidationError(_("The call is decided; it cannot change."))
    _check_call(fields)
    amending = call.has_opened()
    if amending and not changes.strip():
        raise ValidationError(_("The call is open: say what the amendment changes."))
    if amending and call.applications.exclude(status=Application.Status.DRAFT).exists() \
            and fields["closes"] < call.closes:
        raise ValidationError(_("Applications were submitted: the deadline may be extended, not brought forward."))
    before = _snapshot(call)
    call.titles, call.texts = _texts(titles, _title_missing()), _texts(texts, _text_missing())
    for name, value in fields.items():
        setattr(call, name, value)
    call.save()
    if amending:
        last = call.versions.order_by("-number").first()
        CallVersion.objects.create(call=call, number=(last.number + 1) if last else 1, snapshot=_snapshot(call),
                                   changes=changes.strip()[:500], by=by)
    audit.record(actor=by, verb="call_amend" if amending else "call_edit", subject=call.title_in("en"), call=call,
                 before=before, after={**_snapshot(call), "changes": changes.strip()[:500]})
    return call


@transaction.atomic
def criterion_add(*, call: Call, names: dict, weight: Decimal, pass_mark: Decimal, by) -> Criterion:
    if call.has_opened():
        raise ValidationError(_("Criteria are fixed once the call opens."))
    if not (0 < weight <= 10 and 0 <= pass_mark <= 5):
        raise ValidationError(_("A weight is above 0 and at most 10; a pass mark is between 0 and 5."))
    criterion = Criterion.objects.create(call=call, names=_texts(names, _name_missing()), weight=weight,
                                         pass_mark=pass_mark, order=call.criteria.count())
    audit.record(actor=by, verb="criterion_add", subject=criterion.name_in("en"), call=call,
                 after={"weight": str(weight), "pass_mark": str(pass_mark)})
    return criterion


@transaction.atomic
def call_publish(*, call: Call, by) -> Call:
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.published:
        raise ValidationError(_("The call is already published."))
    if not call.criteria.exists():
        raise ValidationError(_("A call needs at least one criterion."))
    if call.pass_mark > call.max_total:
        raise ValidationError(_("The overall pass mark is above the highest possible total."))
    call.published = True
    call.save(update_fields=["published"])
    CallVersion.objects.create(call=call, number=1, snapshot=_snapshot(call), changes="", by=by)
    audit.record(actor=by, verb="call_publish", subject=call.title_in("en"), call=call, after=_snapshot(call))
    return call


# Applications ---------------------------------------------------------------------------------------------

def _editable(application: Application) -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != Application.Status.DRAFT:
        raise ValidationError(_("The application was submitted; it is frozen."))
    return application


def _ideas(ids) -> list[Proposal]:
    ideas = list(Proposal.objects.filter(pk__in=list(ids)))
    if len(ideas) != len(set(ids)) or any(p.status not in LINKABLE_IDEAS for p in ideas):
        raise ValidationError(_("Only validated or forwarded citizens' ideas can be linked."))
    return ideas


def _partners(organisation: Organisation, ids) -> list[Organisation]:
    partners = list(Organisation.objects.filter(pk__in=list(ids), status=Organisation.Status.APPROVED)
                    .exclude(pk=organisation.pk))
    if len(partners) != len(set(ids) - {organisation.pk}):
        raise ValidationError(_("Partners must be other approved member organisations."))
    return partners


@transaction.atomic
def application_save(*, call: Call, organisation: Organisation, by, title: str, summary: str, objectives: str,
                     municipality, partner_ids=(), idea_ids=(), application: Application | None = None) -> Application:
    """Create or update a draft (drafts save at any time before the deadline)."""
    if not call.is_open():
        raise ValidationError(_("The call is not open for applications."))
    title = title.strip()
    if not title:
        raise ValidationError(_("Give the project a title."))
    ideas, partners = _ideas(idea_ids), _partners(organisation, partner_ids)
    if application is None:
        if Application.objects.filter(call=call, organisation=organisation, title=title).exists():
            raise ValidationError(_("Your organisation already has an application with this title."))
        application = Application.objects.create(call=call, organisation=organisation, municipality=municipality,
                                                 title=title, summary=summary, objectives=objectives, created_by=by)
        verb = "application_create"
    else:
        application = _editable(application)
        application.title, application.summary, application.objectives = title, summary, objectives
        application.municipality = municipality
        application.save()
        verb = "application_edit"
    application.ideas.set(ideas)
    application.partners.set(partners)
    audit.record(actor=by, verb=verb, subject=title, call=call,
                 after={"application": application.pk, "ideas": [p.pk for p in ideas],
                        "partners": [o.pk for o in partners]})
    return application


@transaction.atomic
def budget_line_add(*, application: Application, item: str, requested: Decimal, own: Decimal, by) -> BudgetLine:
    application = _editable(application)
    if requested < 0 or own < 0 or not item.strip():
        raise ValidationError(_("A budget line needs an item and amounts of 0 or more."))
    line = BudgetLine.objects.create(application=application, item=item.strip()[:200], requested=requested, own=own)
    audit.record(actor=by, verb="budget_add", subject=application.title, call=application.call,
                 after={"item": line.item, "requested": str(requested), "own": str(own)})
    return line


@transaction.atomic
def budget_line_remove(*, line: BudgetLine, by) -> None:
    application = _editable(line.application)
    audit.record(actor=by, verb="budget_remove", subject=application.title, call=application.call,
                 before={"item": line.item, "requested": str(line.requested), "own": str(line.own)})
    line.delete()


@transaction.atomic
def activity_add(*, application: Application, title: str, starts, ends, by) -> Activity:
    application = _editable(application)
    if not title.strip() or ends < starts:
        raise ValidationError(_("An activity needs a title and an end on or after its start."))
    activity = Activity.objects.create(application=application, title=title.strip()[:200], starts=starts, ends=ends)
    audit.record(actor=by, verb="activity_add", subject=application.title, call=application.call,
                 after={"title": activity.title, "starts": str(starts), "ends": str(ends)})
    return activity


def budget_problems(application: Application) -> list[str]:
    """What keeps the budget from meeting the call's limits (empty: it does)."""
    call, requested, own = application.call, application.requested, application.own_share
    problems = []
    if not call.min_amount <= requested <= call.max_amount:
        problems.append(_("The amount requested must be between the call's minimum and maximum."))
    total = requested + own
    if call.cofinancing_percent and (total == 0 or own * 100 < total * call.cofinancing_percent):
        problems.append(_("The own share must be at least %(percent)s %% of the total.") % {
            "percent": call.cofinancing_percent})
    return problems


def _application_data(application: Application) -> dict:
    return {"title": application.title, "summary": application.summary, "objectives": application.objectives,
            "municipality": application.municipality.name, "status": application.status,
            "partners": sorted(application.partners.values_list("name", flat=True)),
            "ideas": sorted(application.ideas.values_list("pk", flat=True)),
            "activities": [[a.title, str(a.starts), str(a.ends)] for a in application.activities.all()],
            "budget": [[b.item, str(b.requested), str(b.own)] for b in application.budget_lines.all()],
            "attachments": [[a.name, a.kind, a.sha256] for a in application.attachments.all()]}


def snapshot(*, application: Application, step: str) -> ApplicationSnapshot:
    return ApplicationSnapshot.objects.create(application=application, step=step, data=_application_data(application))


@transaction.atomic
def application_submit(*, application: Application, by, now=None) -> Application:
    """Submit by the server's clock: refused once the call closed; a receipt is mailed; the text is frozen."""
    application = _editable(application)
    now = now or timezone.now()
    if not application.call.is_open(now):
        raise ValidationError(_("The call closed at %(closes)s; applications are no longer accepted.") % {
            "closes": formats.date_format(timezone.localtime(application.call.closes), "SHORT_DATETIME_FORMAT")})
    problems = budget_problems(application)
    if not application.summary.strip() or not application.objectives.strip():
        problems.append(_("Write the summary and the objectives."))
    if not application.activities.exists():
        problems.append(_("Add at least one activity with its dates."))
    if problems:
        raise ValidationError(problems)
    application.status = Application.Status.SUBMITTED
    application.submitted = now
    application.receipt = f"G{application.call_id}-{application.pk}-{secrets.token_hex(3).upper()}"
    application.save(update_fields=["status", "submitted", "receipt", "updated"])
    snapshot(application=application, step="submitted")
    audit.record(actor=by, verb="application_submit", subject=application.title, call=application.call,
                 after={"receipt": application.receipt, "requested": str(application.requested),
                        "at": now.isoformat()})
    aid = application.pk
    mail_on_commit(lambda: emails.send_receipt(application_id=aid))
    return application


# Attachments: the type is what the bytes are, not what the name says ---------------------------------------

ATTACHMENT_KINDS = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg",
                    "odt": "application/vnd.oasis.opendocument.text",
                    "ods": "application/vnd.oasis.opendocument.spreadsheet",
                    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_EXTENSIONS = {"pdf": "pdf", "png": "png", "jpg": "jpg", "jpeg": "jpg", "odt": "odt", "ods": "ods", "docx": "docx",
               "xlsx": "xlsx"}


def sniff(data: bytes) -> str | None:
    """The kind the content really is (one of ATTACHMENT_KINDS), or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
                if "mimetype" in names:
                    mimetype = z.read("mimetype").decode("ascii", "replace").strip()
                    return {v: k for k, v in ATTACHMENT_KINDS.items()}.get(mimetype) if mimetype.startswith(
                        "application/vnd.oasis") else None
                if "[Content_Types].xml" in names:
                    if any(n.startswith("word/") for n in names):
                        return "docx"
                    if any(n.startswith("xl/") for n in names):
                        return "xlsx"
        except zipfile.BadZipFile:
            return None
    return None


@transaction.atomic
def attachment_add(*, application: Application, name: str, data: bytes, by) -> Attachment:
    application = _editable(application)
    limit = settings.HUB_GRANT_FILE_LIMIT
    if len(data) > limit:
        raise ValidationError(_("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)})
    extension = _EXTENSIONS.get(name.rsplit(".", 1)[-1].lower()) if "." in name else None
    kind = sniff(data)
    if kind is None or extension != kind:
        raise ValidationError(_("Only PDF, PNG, JPEG, ODT, ODS, DOCX and XLSX files whose content matches "
                                "their name are accepted."))
    stored_as = f"{secrets.token_hex(16)}.{kind}"
    folder = settings.HUB_GRANT_FILES
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / stored_as
    path.write_bytes(data)
    try:
        attachment = Attachment.objects.create(application=application, name=name[-160:], kind=kind, size=len(data),
                                               sha256=hashlib.sha256(data).hexdigest(), stored_as=stored_as)
        audit.record(actor=by, verb="attachment_add", subject=application.title, call=application.call,
                     after={"name": attachment.name, "kind": kind, "size": len(data), "sha256": attachment.sha256})
    except BaseException:
        path.unlink(missing_ok=True)  # the rows roll back: no file may stay behind without one
        raise
    return attachment


def attachment_path(attachment: Attachment):
    return settings.HUB_GRANT_FILES / attachment.stored_as
