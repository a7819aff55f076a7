"""Writes about the directory, partners in actions and trainings. Keyword-only, atomic, audited."""
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub_server.mail.services import mail_on_commit
from hub_server.membership.models import Organisation
from hub_server.network import audit, emails
from hub_server.network.directory_models import (ActionPartner, FieldOfWork, OrganisationProfile, Training,
                                                 TrainingRegistration)
from hub_server.proposals.models import Action


@transaction.atomic
def profile_update(*, organisation: Organisation, by, description: str, website: str, fields_of_work: list[str],
                   public_email: str = "", public_phone: str = "") -> OrganisationProfile:
    unknown = [f for f in fields_of_work if f not in FieldOfWork.values]
    if unknown:
        raise ValidationError(_("Unknown field of work: %(fields)s.") % {"fields": ", ".join(unknown)})
    website = website.strip()
    if website:
        URLValidator(schemes=["http", "https"])(website)
    profile, _created = OrganisationProfile.objects.select_for_update().get_or_create(organisation=organisation)
    before = {"description": profile.description, "website": profile.website, "fields": profile.fields_of_work,
              "public_email": profile.public_email, "public_phone": profile.public_phone}
    profile.description, profile.website = description.strip()[:1000], website[:200]
    profile.fields_of_work = [f for f in FieldOfWork.values if f in fields_of_work]  # in the list's order
    profile.public_email, profile.public_phone = public_email.strip()[:254], public_phone.strip()[:40]
    profile.save()
    audit.record(actor=by, verb="profile_update", subject=organisation.name, before=before,
                 after={"description": profile.description, "website": profile.website,
                        "fields": profile.fields_of_work, "public_email": profile.public_email,
                        "public_phone": profile.public_phone})
    return profile


@transaction.atomic
def partner_invite(*, action: Action, organisation: Organisation, by) -> ActionPartner:
    """The leading organisation invites another approved one to join its action."""
    if organisation.status != Organisation.Status.APPROVED:
        raise ValidationError(_("Only approved member organisations can be partners."))
    try:
        with transaction.atomic():
            partner = ActionPartner.objects.create(action=action, organisation=organisation, invited_by=by)
    except IntegrityError:
        raise ValidationError(_("This organisation was already invited to this action."))
    audit.record(actor=by, verb="partner_invite", subject=f"{organisation.name} → {action.title}",
                 municipality=action.municipality, after={"action": action.pk, "organisation": organisation.pk})
    pid = partner.pk
    mail_on_commit(lambda: emails.send_partner_invite(partner_id=pid))
    return partner


@transaction.atomic
def partner_respond(*, partner: ActionPartner, by, accept: bool) -> ActionPartner:
    partner = ActionPartner.objects.select_for_update().select_related("action__municipality", "organisation").get(
        pk=partner.pk)
    if partner.status != ActionPartner.Status.INVITED:
        raise ValidationError(_("This invitation was already answered."))
    partner.status = ActionPartner.Status.ACCEPTED if accept else ActionPartner.Status.DECLINED
    partner.responded = timezone.now()
    partner.save(update_fields=["status", "responded"])
    audit.record(actor=by, verb="partner_respond", subject=f"{partner.organisation.name} → {partner.action.title}",
                 municipality=partner.action.municipality, before={"status": "invited"},
                 after={"status": partner.status})
    return partner


@transaction.atomic
def training_publish(*, by, title: str, starts, capacity: int, language: str, description: str = "",
                     place: str = "", online: bool = False) -> Training:
    title = title.strip()
    if not title or len(title) > 160:
        raise ValidationError(_("A training needs a title of 1-160 characters."))
    if not online and not place.strip():
        raise ValidationError(_("Say where the training takes place, or that it is online."))
    if capacity < 1:
        raise ValidationError(_("The capacity must be at least one participant."))
    training = Training.objects.create(title=title, starts=starts, capacity=capacity, language=language,
                                       description=description.strip()[:2000], place=place.strip()[:160],
                                       online=online, published_by=by)
    audit.record(actor=by, verb="training_publish", subject=str(training),
                 after={"title": title, "starts": starts.isoformat(), "capacity": capacity})
    return training


@transaction.atomic
def training_register(*, training: Training, organisation: Organisation, participant: str,
                      by) -> TrainingRegistration:
    """An organisation registers one participant; the training row is locked so capacity holds."""
    training = Training.objects.select_for_update().get(pk=training.pk)
    participant = participant.strip()
    if not participant or len(participant) > 120:
        raise ValidationError(_("Give the participant's name (1-120 characters)."))
    if training.starts <= timezone.now():
        raise ValidationError(_("Registration is closed: the training has started."))
    if training.registrations.count() >= training.capacity:
        raise ValidationError(_("The training is full."))
    registration = TrainingRegistration.objects.create(training=training, organisation=organisation,
                                                       participant=participant, registered_by=by)
    audit.record(actor=by, verb="training_register", subject=f"{organisation.name} → {training}",
                 after={"registration": registration.pk})
    return registration


@transaction.atomic
def attendance_record(*, registration: TrainingRegistration, attended: bool, by) -> TrainingRegistration:
    registration = TrainingRegistration.objects.select_for_update().select_related("training").get(pk=registration.pk)
    before = {"attended": registration.attended}
    registration.attended = attended
    registration.save(update_fields=["attended"])
    audit.record(actor=by, verb="training_attendance", subject=str(registration.training), before=before,
                 after={"registration": registration.pk, "attended": attended})
    return registration
