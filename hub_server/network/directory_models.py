"""The directory of member organisations, partners in actions and the Leadership Academy trainings.

Imported by models.py (Django finds models there)."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FieldOfWork(models.TextChoices):
    YOUTH = "youth", _("Youth")
    WOMEN = "women", _("Women and gender equality")
    ENVIRONMENT = "environment", _("Environment")
    SOCIAL = "social", _("Social inclusion")
    DISABILITY = "disability", _("People with disabilities")
    CULTURE = "culture", _("Culture and sport")
    EDUCATION = "education", _("Education")
    DEMOCRACY = "democracy", _("Democracy and human rights")
    LOCAL = "local", _("Local development")


class OrganisationProfile(models.Model):
    """What a member organisation shows in the public directory; contact only if it fills it in."""

    organisation = models.OneToOneField("membership.Organisation", on_delete=models.CASCADE, related_name="profile")
    description = models.TextField(max_length=1000, blank=True)
    website = models.URLField(max_length=200, blank=True)
    fields_of_work = models.JSONField(default=list, help_text="FieldOfWork values")
    # Empty unless the organisation chooses to publish them (its registered contact is never shown).
    public_email = models.EmailField(blank=True)
    public_phone = models.CharField(max_length=40, blank=True)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Profile of {self.organisation}"

    def field_labels(self) -> list[str]:
        return [FieldOfWork(f).label for f in self.fields_of_work if f in FieldOfWork.values]


class ActionPartner(models.Model):
    """An organisation invited to join an action as a partner; shown in public once it accepts."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", _("Partner")
        DECLINED = "declined", _("Declined the invitation")

    action = models.ForeignKey("proposals.Action", on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey("membership.Organisation", on_delete=models.CASCADE,
                                     related_name="partnerships")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    invited = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.INVITED)
    responded = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["invited", "id"]
        constraints = [models.UniqueConstraint(fields=["action", "organisation"], name="partner_once_per_action")]

    def __str__(self):
        return f"{self.organisation} in {self.action_id} ({self.status})"


class Training(models.Model):
    """A training or event of the Leadership Academy Programme, published by network administrators."""

    title = models.CharField(max_length=160)
    description = models.TextField(max_length=2000, blank=True)
    starts = models.DateTimeField()
    place = models.CharField(max_length=160, blank=True, help_text="Empty when online")
    online = models.BooleanField(default=False)
    capacity = models.PositiveSmallIntegerField()
    language = models.CharField(max_length=10, choices=settings.LANGUAGES)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        ordering = ["-starts", "id"]

    def __str__(self):
        return f"{self.title} {self.starts:%Y-%m-%d}"


class TrainingRegistration(models.Model):
    """A participant an organisation registered; the name is personal data: never public."""

    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="registrations")
    organisation = models.ForeignKey("membership.Organisation", on_delete=models.CASCADE,
                                     related_name="training_registrations")
    participant = models.CharField(max_length=120)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                      related_name="+")
    registered = models.DateTimeField(auto_now_add=True)
    attended = models.BooleanField(null=True, help_text="None until the administrators record attendance")

    class Meta:
        ordering = ["registered", "id"]

    def __str__(self):
        return f"{self.participant} ({self.organisation}) → {self.training_id}"
