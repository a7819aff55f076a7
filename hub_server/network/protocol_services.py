"""Writes about cooperation protocols: publishing versions, acceding, withdrawing, officials' accounts.

Keyword-only, one transaction each, an audit entry each; emails after commit. Permission checks are
the callers' (network/access.py); the services check what must hold whoever calls them.
"""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from hub_server.mail.services import mail_on_commit
from hub_server.membership import roles
from hub_server.membership.models import Membership, Municipality, Organisation
from hub_server.membership.services import password_set_link
from hub_server.network import audit, emails
from hub_server.network.models import TEXT_LANGUAGES, Accession, Protocol, ProtocolVersion
from hub_server.languages.script import to_cyrillic

PROTOCOL_TEXT_LIMIT = 20000
REQUIRED_LANGUAGES = ("bs", "hr", "sr-latn", "en")


def _clean_texts(texts: dict) -> dict:
    clean = {lang: (texts.get(lang) or "").strip() for lang in TEXT_LANGUAGES}
    missing = [lang for lang in REQUIRED_LANGUAGES if not clean[lang]]
    if missing:
        raise ValidationError(_("The protocol text is missing in: %(languages)s.") % {"languages": ", ".join(missing)})
    if any(len(t) > PROTOCOL_TEXT_LIMIT for t in clean.values()):
        raise ValidationError(_("A protocol text is longer than %(limit)s characters.") % {"limit": PROTOCOL_TEXT_LIMIT})
    if not clean["sr"]:
        clean["sr"] = to_cyrillic(clean["sr-latn"])
    return clean


def protocol_for(*, municipality: Municipality) -> Protocol:
    protocol, _created = Protocol.objects.get_or_create(municipality=municipality)
    return protocol


@transaction.atomic
def protocol_publish(*, municipality: Municipality, texts: dict, by, changes: str = "",
                     response_days: int | None = None) -> ProtocolVersion:
    """A new version of a municipality's protocol; everyone who acceded to the previous one is asked again."""
    clean = _clean_texts(texts)
    protocol = Protocol.objects.select_for_update().filter(pk=protocol_for(municipality=municipality).pk).get()
    before = {"response_days": protocol.response_days}
    if response_days is not None:
        if not 1 <= int(response_days) <= 365:
            raise ValidationError(_("The response deadline must be between 1 and 365 days."))
        protocol.response_days = int(response_days)
        protocol.save(update_fields=["response_days"])
    previous = protocol.versions.order_by("-number").first()
    version = ProtocolVersion.objects.create(protocol=protocol, number=(previous.number + 1) if previous else 1,
                                             texts=clean, changes=changes.strip()[:500], published_by=by)
    audit.record(actor=by, verb="protocol_publish", subject=str(version), municipality=municipality,
                 before={**before, "version": previous.number if previous else None},
                 after={"response_days": protocol.response_days, "version": version.number})
    if previous is not None:
        asked = list(previous.accessions.filter(withdrawn__isnull=True).values_list("pk", flat=True))
        if asked:
            vid = version.pk
            mail_on_commit(lambda: emails.send_new_version(version_id=vid, accession_ids=asked))
    return version


def current_version(*, municipality: Municipality) -> ProtocolVersion | None:
    return ProtocolVersion.objects.filter(protocol__municipality=municipality).order_by("-number").first()


@transaction.atomic
def protocol_accede(*, version: ProtocolVersion, by, capacity: str,
                    organisation: Organisation | None = None) -> Accession:
    """The municipality (organisation=None) or a member organisation accedes to the current version."""
    capacity = capacity.strip()
    if not capacity or len(capacity) > 120:
        raise ValidationError(_("Say in which capacity you accede (1-120 characters), e.g. Mayor or President."))
    municipality = version.protocol.municipality
    latest = current_version(municipality=municipality)
    if latest is None or latest.pk != version.pk:
        raise ValidationError(_("Only the current version of the protocol can be acceded to."))
    if organisation is not None:
        if organisation.status != Organisation.Status.APPROVED:
            raise ValidationError(_("Only approved member organisations can accede."))
        if not organisation.municipalities.filter(pk=municipality.pk).exists():
            raise ValidationError(_("The organisation does not work in this municipality."))
    party = Accession.Party.ORGANISATION if organisation else Accession.Party.MUNICIPALITY
    try:
        with transaction.atomic():
            accession = Accession.objects.create(version=version, party=party, organisation=organisation,
                                                 signed_by=by, capacity=capacity)
    except IntegrityError:
        raise ValidationError(_("This party has already acceded to this version."))
    audit.record(actor=by, verb="protocol_accede", subject=f"{accession.party_name} → {version}",
                 municipality=municipality, after={"version": version.number, "party": party,
                                                   "organisation": organisation.pk if organisation else None,
                                                   "capacity": capacity})
    return accession


@transaction.atomic
def accession_withdraw(*, accession: Accession, by, reason: str = "") -> Accession:
    from django.utils import timezone

    accession = Accession.objects.select_for_update(of=("self",)).select_related("version__protocol__municipality",
                                                                      "organisation").get(pk=accession.pk)
    if accession.withdrawn is not None:
        raise ValidationError(_("This accession was already withdrawn."))
    accession.withdrawn, accession.withdrawn_by = timezone.now(), by
    accession.withdraw_reason = reason.strip()[:500]
    accession.save(update_fields=["withdrawn", "withdrawn_by", "withdraw_reason"])
    audit.record(actor=by, verb="protocol_withdraw", subject=f"{accession.party_name} → {accession.version}",
                 municipality=accession.version.protocol.municipality, before={"withdrawn": None},
                 after={"withdrawn": accession.withdrawn.isoformat(), "reason": accession.withdraw_reason})
    return accession


@transaction.atomic
def official_add(*, municipality: Municipality, email: str, full_name: str, by) -> object:
    """An account for a municipal official, limited to their municipality; emails a password link."""
    email = email.strip().lower()
    if "@" not in email:
        raise ValidationError(_("An official's account needs an email address."))
    User = get_user_model()
    user, created = User.objects.get_or_create(username=email, defaults={"email": email,
                                                                         "first_name": full_name.strip()[:150]})
    existing = Membership.objects.filter(user=user).first()
    if existing is not None and not (existing.role == Membership.Role.MUNICIPALITY
                                     and existing.municipality_id == municipality.pk):
        raise ValidationError(_("This person already has another role on the hub."))
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    Membership.objects.update_or_create(user=user, defaults={"role": Membership.Role.MUNICIPALITY,
                                                             "organisation": None, "municipality": municipality})
    user.groups.add(Group.objects.get(name=roles.MUNICIPALITY_STAFF))
    audit.record(actor=by, verb="official_add", subject=email, municipality=municipality,
                 after={"username": user.username, "municipality": municipality.name})
    link = password_set_link(user=user)
    mail_on_commit(lambda: emails.send_official_welcome(user_id=user.pk, link=link))
    return user
