"""E-mails of the grant scheme (plain text, in the hub's default language), sent after commit.

A failing mail server never undoes a submission or a decision: mail.services records the failure
(administrators see it under /review/mail-failures/).
"""
from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from hub_server.mail.services import mail_send
from hub_server.network.emails import organisation_emails
from hub_server.proposals.text import inert_line


def _send(subject: str, body: str, to: list[str]) -> None:
    mail_send(purpose="grants", subject=subject, body=body, to=to)


def _application(application_id: int):
    from hub_server.grants.models import Application
    return Application.objects.select_related("call", "organisation").get(pk=application_id)


def _url(application_id: int) -> str:
    return settings.HUB_PUBLIC_URL + reverse("grants-application", kwargs={"application_id": application_id})


def send_receipt(*, application_id: int) -> None:
    a = _application(application_id)
    language = settings.LANGUAGE_CODE
    with translation.override(language):
        _send(_("LINK grants: receipt %(receipt)s") % {"receipt": a.receipt},
              _("Your application %(title)s to the call %(call)s was received on %(at)s.\n"
                "Receipt: %(receipt)s\nIt is now frozen; you can read it here: %(url)s\n") % {
                  "title": inert_line(a.title, 160), "call": inert_line(a.call.title_in(language), 160),
                  "at": formats.date_format(timezone.localtime(a.submitted), "SHORT_DATETIME_FORMAT"),
                  "receipt": a.receipt,
                  "url": _url(a.pk)},
              organisation_emails(organisation=a.organisation))


def send_ineligible(*, application_id: int) -> None:
    a = _application(application_id)
    check = a.eligibility_checks.first()
    with translation.override(settings.LANGUAGE_CODE):
        _send(_("LINK grants: your application is not eligible"),
              _("%(title)s\nReasons: %(reasons)s\n%(url)s\n") % {
                  "title": inert_line(a.title, 160), "reasons": check.reasons if check else "", "url": _url(a.pk)},
              organisation_emails(organisation=a.organisation))


def send_assigned(*, assignment_id: int) -> None:
    from hub_server.grants.models import Assignment
    s = Assignment.objects.select_related("evaluator", "application").get(pk=assignment_id)
    if not s.evaluator.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        _send(_("LINK grants: an application to evaluate"),
              _("Please declare any conflict of interest, then score: %(url)s\n") % {
                  "url": settings.HUB_PUBLIC_URL + reverse("grants-assignment", kwargs={"assignment_id": s.pk})},
              [s.evaluator.email])


def send_decision(*, application_id: int) -> None:
    from hub_server.grants.evaluation import decision_reasons
    a = _application(application_id)
    language = settings.LANGUAGE_CODE
    with translation.override(language):
        from hub_server.grants.money import format_bam
        d = a.decision
        _send(_("LINK grants: decision on %(title)s") % {"title": inert_line(a.title, 120)},
              _("Outcome: %(outcome)s\nAmount: %(amount)s\n%(reasons)s\n%(url)s\n") % {
                  "outcome": d.get_outcome_display(), "amount": format_bam(d.amount, language),
                  "reasons": decision_reasons(d, language), "url": _url(a.pk)},
              organisation_emails(organisation=a.organisation))
