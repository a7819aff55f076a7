"""Writes about membership: applications, decisions, reviewer accounts, API tokens."""
import hashlib
import secrets
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from hub_server.mail.services import mail_on_commit
from hub_server.membership import emails, roles
from hub_server.membership.models import ApiToken, Membership, Municipality, Organisation
from hub_server.proposals.models import AuditEntry


def municipality_ensure(*, name: str) -> Municipality:
    municipality, _ = Municipality.objects.get_or_create(name=name.strip()[:80])
    return municipality


@transaction.atomic
def organisation_apply(*, name: str, registration_number: str, municipalities: list[str], contact_name: str,
                       contact_email: str, principles_accepted: bool) -> Organisation:
    """A CSO's public application to join the network; an administrator decides on it."""
    if not principles_accepted:
        raise ValidationError(_("The network's principles must be accepted."))
    if not municipalities:
        raise ValidationError(_("Choose at least one municipality."))
    if Organisation.objects.filter(registration_number=registration_number.strip()).exists():
        raise ValidationError(_("An organisation with this registration number has already applied."))
    organisation = Organisation.objects.create(
        name=name.strip(), registration_number=registration_number.strip(), contact_name=contact_name.strip(),
        contact_email=contact_email.strip(), principles_accepted=True)
    organisation.municipalities.set([municipality_ensure(name=m) for m in municipalities])
    mail_on_commit(lambda: emails.send_application_received(organisation_id=organisation.id))
    return organisation


def _reviewer_account(*, organisation: Organisation, email: str, full_name: str):
    User = get_user_model()
    username = email.lower()
    user, created = User.objects.get_or_create(username=username, defaults={"email": email,
                                                                             "first_name": full_name[:150]})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    Membership.objects.update_or_create(user=user, defaults={"role": Membership.Role.REVIEWER,
                                                             "organisation": organisation, "municipality": None})
    user.groups.add(Group.objects.get(name=roles.REVIEWERS))
    return user


def password_set_link(*, user) -> str:
    """A one-time link (Django's password-reset token) for a new account to choose its password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)})


@transaction.atomic
def organisation_approve(*, organisation: Organisation, by) -> object:
    """Approve a pending CSO; its contact person gets a reviewer account and an email to set a password."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.status != Organisation.Status.PENDING:
        raise ValidationError(_("The organisation is already %(status)s.")
                              % {"status": organisation.get_status_display().lower()})
    organisation.status = Organisation.Status.APPROVED
    organisation.decided_by, organisation.decided_at = by, timezone.now()
    organisation.save(update_fields=["status", "decided_by", "decided_at"])
    user = _reviewer_account(organisation=organisation, email=organisation.contact_email,
                             full_name=organisation.contact_name)
    AuditEntry.objects.create(actor=by, verb=AuditEntry.Verb.ORG_APPROVE, subject=organisation.name[:200],
                              before={"status": "pending"}, after={"status": "approved", "reviewer": user.username})
    link = password_set_link(user=user)
    mail_on_commit(lambda: emails.send_welcome(user_id=user.id, link=link))
    return user


@transaction.atomic
def organisation_decline(*, organisation: Organisation, by, reason: str) -> None:
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.status != Organisation.Status.PENDING:
        raise ValidationError(_("The organisation is already %(status)s.")
                              % {"status": organisation.get_status_display().lower()})
    organisation.status = Organisation.Status.DECLINED
    organisation.decided_by, organisation.decided_at = by, timezone.now()
    organisation.decline_reason = reason.strip()[:500]
    organisation.save(update_fields=["status", "decided_by", "decided_at", "decline_reason"])
    AuditEntry.objects.create(actor=by, verb=AuditEntry.Verb.ORG_DECLINE, subject=organisation.name[:200],
                              before={"status": "pending"}, after={"status": "declined", "reason": reason[:500]})


@transaction.atomic
def reviewer_add(*, organisation: Organisation, email: str, full_name: str = "") -> object:
    """Another member of an approved CSO gets a reviewer account (email with a password link)."""
    if organisation.status != Organisation.Status.APPROVED:
        raise ValidationError(_("Only an approved organisation's members can review."))
    user = _reviewer_account(organisation=organisation, email=email, full_name=full_name)
    link = password_set_link(user=user)
    mail_on_commit(lambda: emails.send_welcome(user_id=user.id, link=link))
    return user


@transaction.atomic
def administrator_ensure(*, username: str, password: str):
    """A network administrator account (all municipalities, applications, the fleet), or a new password."""
    User = get_user_model()
    user = User.objects.filter(username=username).first() or User(username=username)
    validate_password(password, user=user)
    user.set_password(password)
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name=roles.ADMINISTRATORS))
    return user


@transaction.atomic
def municipality_staff_add(*, municipality: str, username: str, email: str = "", password: str | None = None):
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=username, defaults={"email": email})
    if password:
        user.set_password(password)
        user.save(update_fields=["password"])
    Membership.objects.update_or_create(user=user, defaults={
        "role": Membership.Role.MUNICIPALITY, "organisation": None,
        "municipality": municipality_ensure(name=municipality)})
    user.groups.add(Group.objects.get(name=roles.MUNICIPALITY_STAFF))
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user, name: str) -> str:
    """A new staff API token; returned once, only its hash is kept."""
    token = "hub_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name[:80], digest=_token_digest(token))
    return token


def api_token_user(*, token: str, now: datetime | None = None):
    """The active user a token belongs to, or None. Records when it was last used."""
    found = ApiToken.objects.select_related("user").filter(digest=_token_digest(token)).first()
    if found is None or not found.user.is_active:
        return None
    ApiToken.objects.filter(pk=found.pk).update(last_used=now or timezone.now())
    return found.user
