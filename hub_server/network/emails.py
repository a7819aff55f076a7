"""Emails of the network app (plain text, in the hub's default language), sent after commit.

A failing mail server must never undo a committed answer: mail.services records failures, never raises.
"""
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from hub_server.mail.services import mail_send
from hub_server.membership.models import Membership, Organisation
from hub_server.network.models import Accession, Forwarding, ProtocolVersion
from hub_server.proposals.text import inert_line


def officials_emails(*, municipality_id: int) -> list[str]:
    return list(Membership.objects.filter(role=Membership.Role.MUNICIPALITY, municipality_id=municipality_id,
                                          user__is_active=True).exclude(user__email="")
                .values_list("user__email", flat=True))


def organisation_emails(*, organisation: Organisation) -> list[str]:
    members = organisation.members.filter(user__is_active=True).exclude(user__email="")
    return sorted({organisation.contact_email, *members.values_list("user__email", flat=True)} - {""})


def _send(subject: str, body: str, to: list[str]) -> None:
    mail_send(purpose="network", subject=subject, body=body, to=to)  # a failure is recorded, never raised


def _url(name: str, **kwargs) -> str:
    return settings.HUB_PUBLIC_URL + reverse(name, kwargs=kwargs)


def send_forwarded(*, forwarding_id: int) -> None:
    f = Forwarding.objects.select_related("municipality", "organisation", "proposal", "action").get(pk=forwarding_id)
    with translation.override(settings.LANGUAGE_CODE):
        _send(_("LINK: %(organisation)s forwarded an idea") % {"organisation": inert_line(f.organisation.name, 80)},
              _("%(title)s\nPlease answer by %(due)s: %(url)s\n") % {
                  "title": inert_line(f.subject_title, 120), "due": f.due.date().isoformat(),
                  "url": _url("network-forwarding", forwarding_id=f.pk)},
              officials_emails(municipality_id=f.municipality_id))


def send_answered(*, forwarding_id: int) -> None:
    f = Forwarding.objects.select_related("municipality", "organisation", "proposal", "action").get(pk=forwarding_id)
    with translation.override(settings.LANGUAGE_CODE):
        _send(_("LINK: %(municipality)s answered: %(status)s") % {"municipality": f.municipality.name,
                                                                  "status": f.get_status_display()},
              f"{inert_line(f.subject_title, 120)}\n{_url('network-forwarding', forwarding_id=f.pk)}\n",
              organisation_emails(organisation=f.organisation))


def send_deadline(*, forwarding_id: int, overdue: bool) -> None:
    f = Forwarding.objects.select_related("municipality", "proposal", "action").get(pk=forwarding_id)
    with translation.override(settings.LANGUAGE_CODE):
        subject = (_("LINK: the answer to a forwarded idea is overdue") if overdue
                   else _("LINK: a forwarded idea awaits your answer"))
        _send(subject, _("%(title)s\nDeadline: %(due)s\n%(url)s\n") % {
            "title": inert_line(f.subject_title, 120), "due": f.due.date().isoformat(),
            "url": _url("network-forwarding", forwarding_id=f.pk)},
            officials_emails(municipality_id=f.municipality_id))


def send_new_version(*, version_id: int, accession_ids: list[int]) -> None:
    version = ProtocolVersion.objects.select_related("protocol__municipality").get(pk=version_id)
    municipality = version.protocol.municipality
    to = set()
    for accession in Accession.objects.filter(pk__in=accession_ids).select_related("organisation"):
        if accession.organisation_id:
            to.update(organisation_emails(organisation=accession.organisation))
        else:
            to.update(officials_emails(municipality_id=municipality.pk))
    with translation.override(settings.LANGUAGE_CODE):
        _send(_("LINK: a new version of the protocol with %(municipality)s") % {"municipality": municipality.name},
              _("Version %(number)s replaces the one you acceded to. Please read it and accede again: %(url)s\n") % {
                  "number": version.number, "url": _url("network-protocol", municipality_id=municipality.pk)},
              sorted(to))


def send_official_welcome(*, user_id: int, link: str) -> None:
    from django.contrib.auth import get_user_model
    user = get_user_model().objects.get(pk=user_id)
    with translation.override(settings.LANGUAGE_CODE):
        _send(_("LINK: your municipal official's account"),
              _("Your username is %(username)s. Choose a password here (the link works once): %(url)s\n") % {
                  "username": user.username, "url": settings.HUB_PUBLIC_URL + link},
              [user.email])


def send_partner_invite(*, partner_id: int) -> None:
    from hub_server.network.directory_models import ActionPartner
    p = ActionPartner.objects.select_related("action__municipality", "organisation").get(pk=partner_id)
    inviter = Membership.objects.filter(user_id=p.invited_by_id).select_related("organisation").first()
    lead = inviter.organisation.name if inviter and inviter.organisation_id else ""
    with translation.override(settings.LANGUAGE_CODE):
        _send(_("LINK: an invitation to join an action as a partner"),
              _("%(lead)s invites your organisation to join the action %(title)s (%(municipality)s). "
                "Answer here: %(url)s\n") % {"lead": inert_line(lead, 160), "title": inert_line(p.action.title, 120),
                                              "municipality": p.action.municipality.name,
                                              "url": settings.HUB_PUBLIC_URL + reverse("network-profile")},
              organisation_emails(organisation=p.organisation))
