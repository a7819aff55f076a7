"""Emails about proposals: batched news for reviewers, status changes for citizens who asked."""
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _, ngettext

from hub_server.languages.selectors import language_of_tag, languages_of_emails
from hub_server.mail.services import mail_on_commit, mail_send
from hub_server.membership.models import Membership, Municipality, Organisation
from hub_server.proposals.models import Proposal
from hub_server.proposals.text import inert, inert_line

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
BATCH_LIST = 20


def reviewer_emails(*, municipality: str) -> list[str]:
    users = get_user_model().objects.filter(
        is_active=True, membership__role=Membership.Role.REVIEWER,
        membership__organisation__status=Organisation.Status.APPROVED,
        membership__organisation__municipalities__name=municipality).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def reviewers_notify_new(*, now=None) -> int:
    """One email per municipality about the proposals that arrived since the last one; returns emails sent.

    Run periodically (`hub notify-reviewers --every 300`): that is the batching.
    """
    now = now or timezone.now()
    sent = 0
    pending = (Proposal.objects.filter(reviewers_notified=False, status=Proposal.Status.NEW)
               .values_list("bench__municipality", flat=True).distinct())
    for municipality in sorted(set(pending)):
        with transaction.atomic():
            batch = list(Proposal.objects.select_for_update().filter(
                reviewers_notified=False, status=Proposal.Status.NEW, bench__municipality=municipality)
                .order_by("-received"))
            if not batch:
                continue
            Proposal.objects.filter(pk__in=[p.pk for p in batch]).update(reviewers_notified=True)
            Municipality.objects.filter(name=municipality).update(reviewers_notified_at=now)
            recipients = reviewer_emails(municipality=municipality)
            if not recipients:
                continue
            lines = [f"- {p.receipt} {inert_line(p.title, 80)}" for p in batch[:BATCH_LIST]]
            for language, group in languages_of_emails(emails=recipients).items():
                with translation.override(language):
                    more = ([_("... and %(n)d more") % {"n": len(batch) - BATCH_LIST}]
                            if len(batch) > BATCH_LIST else [])
                    subject = ngettext("LINK: %(n)d new proposal in %(municipality)s",
                                       "LINK: %(n)d new proposals in %(municipality)s", len(batch)) % {
                        "n": len(batch), "municipality": inert_line(municipality, 80)}
                    body = "\n".join(lines + more) + "\n\n" + _("Review queue: %(url)s") % {
                        "url": f"{settings.HUB_PUBLIC_URL}/review/"} + "\n"
                mail_on_commit(lambda s=subject, b=body, r=group: mail_send(purpose="reviewers-new", subject=s,
                                                                            body=b, to=r))
            sent += 1
    return sent


def send_citizen_status(*, proposal_id: str) -> None:
    """Tell a citizen who left an email address with consent that their idea changed status."""
    p = Proposal.objects.filter(pk=proposal_id).first()
    if p is None or not p.consent or not _EMAIL.match(p.contact or ""):
        return
    action = p.actions.order_by("-updated").first()
    with translation.override(language_of_tag(p.lang)):  # the language the citizen wrote in
        status = str(action.get_status_display() if action else p.get_status_display())
        body = _('Your idea "%(title)s" (receipt %(receipt)s) is now: %(status)s.') % {
            "title": inert_line(p.shown_title, 80), "receipt": p.receipt, "status": status} + "\n"
        if action and action.public_answer:
            body += "\n" + _("The municipality's answer: %(answer)s") % {"answer": inert(action.public_answer, 500)} + "\n"
        body += "\n" + _("See it at %(url)s") % {"url": f"{settings.HUB_PUBLIC_URL}/public/receipt/{p.receipt}/"} + "\n"
    mail_send(purpose="citizen-status", subject=f"LINK {p.receipt}: {status}", body=body, to=[p.contact])
