"""Emails about membership (plain text)."""
from django.conf import settings
from django.contrib.auth import get_user_model

from hub_server.mail.services import mail_send
from hub_server.membership.models import Organisation
from hub_server.proposals.text import inert, inert_line


def send_application_received(*, organisation_id: int) -> None:
    org = Organisation.objects.get(pk=organisation_id)
    admins = list(get_user_model().objects.filter(is_superuser=True, is_active=True).exclude(email="")
                  .values_list("email", flat=True))
    mail_send(purpose="org-application", subject=f"LINK: application from {inert_line(org.name, 80)}",
              body=f"{inert(org.name, 160)} ({inert_line(org.registration_number, 40)}) applied to join the network.\n"
                   f"Review it at {settings.HUB_PUBLIC_URL}/review/organisations/\n",
              to=[org.contact_email] + admins)


def send_welcome(*, user_id: int, link: str) -> None:
    user = get_user_model().objects.get(pk=user_id)
    mail_send(purpose="reviewer-welcome", subject="LINK: your reviewer account",
              body=f"Your organisation's application was approved. Your username is {user.username}.\n"
                   f"Choose a password here (the link works once): {settings.HUB_PUBLIC_URL}{link}\n",
              to=[user.email])
