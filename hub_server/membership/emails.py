"""Emails about membership (plain text)."""
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext as _

from hub_server.languages.selectors import languages_of_emails
from hub_server.mail.services import mail_send
from hub_server.membership.models import Organisation
from hub_server.proposals.text import inert, inert_line


def send_application_received(*, organisation_id: int) -> None:
    org = Organisation.objects.get(pk=organisation_id)
    admins = list(get_user_model().objects.filter(is_superuser=True, is_active=True).exclude(email="")
                  .values_list("email", flat=True))
    for language, recipients in languages_of_emails(emails=[org.contact_email] + admins).items():
        with translation.override(language):
            mail_send(purpose="org-application",
                      subject=_("LINK: application from %(name)s") % {"name": inert_line(org.name, 80)},
                      body=_("%(name)s (%(number)s) applied to join the network.") % {
                          "name": inert(org.name, 160), "number": inert_line(org.registration_number, 40)}
                      + "\n" + _("Review it at %(url)s") % {"url": f"{settings.HUB_PUBLIC_URL}/review/organisations/"}
                      + "\n", to=recipients)


def send_welcome(*, user_id: int, link: str) -> None:
    user = get_user_model().objects.get(pk=user_id)
    with translation.override(next(iter(languages_of_emails(emails=[user.email])))):
        mail_send(purpose="reviewer-welcome", subject=_("LINK: your reviewer account"),
                  body=_("Your organisation's application was approved. Your username is %(username)s.") % {
                      "username": user.username} + "\n"
                  + _("Choose a password here (the link works once): %(url)s") % {
                      "url": f"{settings.HUB_PUBLIC_URL}{link}"} + "\n", to=[user.email])
