"""The network's cooperation with local government: each municipality's protocol (versioned, in five
languages) and who acceded to it; ideas and actions forwarded to a municipality and its formal answers;
member organisations' public profiles; the network's own audit log.

Who may do what is in network/access.py; writes in protocol_services.py and forwarding_services.py.
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_RESPONSE_DAYS = 30
# Django language codes; "sr" is Serbian Cyrillic (written from "sr-latn" when not given).
TEXT_LANGUAGES = ("bs", "hr", "sr-latn", "sr", "en")


class Protocol(models.Model):
    """A municipality's protocol on cooperation with the network's member organisations."""

    municipality = models.OneToOneField("membership.Municipality", on_delete=models.PROTECT,
                                        related_name="protocol")
    response_days = models.PositiveSmallIntegerField(default=DEFAULT_RESPONSE_DAYS,
                                                     help_text="Days the municipality has to answer a forwarded idea")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["municipality__name"]

    def __str__(self):
        return f"Protocol of {self.municipality}"


class ProtocolVersion(models.Model):
    """One published text of a protocol; a new version asks every signatory to accede again."""

    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    texts = models.JSONField(help_text="Text per language code (bs, hr, sr-latn, sr, en)")
    changes = models.CharField(max_length=500, blank=True, help_text="What changed from the previous version")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+")
    published = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["protocol", "-number"]
        constraints = [models.UniqueConstraint(fields=["protocol", "number"], name="protocol_version_once")]

    def __str__(self):
        return f"{self.protocol.municipality} v{self.number}"

    def text_in(self, language: str) -> str:
        return self.texts.get(language) or self.texts.get("bs") or ""


class Accession(models.Model):
    """Who acceded (a person), for whom (the municipality itself or a member organisation), in which
    capacity, and when; withdrawn_at ends it. Accessions to older versions stay as history."""

    class Party(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipality")
        ORGANISATION = "organisation", _("Member organisation")

    version = models.ForeignKey(ProtocolVersion, on_delete=models.PROTECT, related_name="accessions")
    party = models.CharField(max_length=12, choices=Party.choices)
    organisation = models.ForeignKey("membership.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="accessions")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    capacity = models.CharField(max_length=120, help_text="The signer's role, e.g. Mayor, President of the board")
    acceded = models.DateTimeField(auto_now_add=True)
    withdrawn = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    withdraw_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["acceded", "id"]
        constraints = [
            models.CheckConstraint(name="accession_party_matches", condition=(
                models.Q(party="municipality", organisation__isnull=True)
                | models.Q(party="organisation", organisation__isnull=False))),
            models.UniqueConstraint(fields=["version", "organisation"], condition=models.Q(withdrawn__isnull=True),
                                    name="accession_one_active_per_organisation"),
            models.UniqueConstraint(fields=["version"], condition=models.Q(withdrawn__isnull=True,
                                                                          party="municipality"),
                                    name="accession_one_active_municipality"),
        ]

    def __str__(self):
        return f"{self.party_name} → {self.version}"

    @property
    def party_name(self) -> str:
        return self.organisation.name if self.organisation_id else self.version.protocol.municipality.name


class Forwarding(models.Model):
    """A validated idea or an action that an organisation forwarded to its municipality, and the answer."""

    class Status(models.TextChoices):
        FORWARDED = "forwarded", _("Forwarded, awaiting the municipality")
        RECEIVED = "received", _("Received by the municipality")
        CONSIDERING = "considering", _("Under consideration")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    ANSWERED = (Status.ACCEPTED, Status.DECLINED)

    municipality = models.ForeignKey("membership.Municipality", on_delete=models.PROTECT, related_name="forwardings")
    proposal = models.ForeignKey("proposals.Proposal", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="forwardings")
    action = models.ForeignKey("proposals.Action", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="forwardings")
    organisation = models.ForeignKey("membership.Organisation", on_delete=models.PROTECT, related_name="forwardings")
    forwarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(max_length=2000, blank=True, help_text="The organisation's covering note (public)")
    forwarded = models.DateTimeField()
    due = models.DateTimeField(help_text="Answer deadline: forwarded + the protocol's response days")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.FORWARDED)
    answered = models.DateTimeField(null=True, blank=True, help_text="When it was accepted or declined")
    days_to_answer = models.FloatField(null=True, blank=True, help_text="answered - forwarded, in days (for the median)")
    answer = models.TextField(max_length=2000, blank=True, help_text="The municipality's public answer")
    answer_lang = models.CharField(max_length=10, blank=True)
    department = models.CharField(max_length=160, blank=True)
    budget = models.CharField(max_length=160, blank=True, help_text="Budget line or amount")
    expected = models.DateField(null=True, blank=True, help_text="Expected date of completion")
    reminded = models.DateTimeField(null=True, blank=True, help_text="When officials were reminded of the deadline")
    overdue_notified = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-forwarded", "-id"]
        indexes = [models.Index(fields=["municipality", "-forwarded"]), models.Index(fields=["status", "due"]),
                   models.Index(fields=["municipality", "days_to_answer"])]
        constraints = [
            models.CheckConstraint(name="forwarding_idea_or_action", condition=(
                models.Q(proposal__isnull=False, action__isnull=True)
                | models.Q(proposal__isnull=True, action__isnull=False))),
            models.UniqueConstraint(fields=["proposal"], condition=models.Q(proposal__isnull=False),
                                    name="forwarding_idea_once"),
            models.UniqueConstraint(fields=["action"], condition=models.Q(action__isnull=False),
                                    name="forwarding_action_once"),
        ]

    def __str__(self):
        return f"{self.municipality}: {self.subject_title}"

    @property
    def subject_title(self) -> str:
        return self.proposal.shown_title if self.proposal_id else self.action.title

    @property
    def is_answered(self) -> bool:
        return self.status in self.ANSWERED


class ForwardingStep(models.Model):
    """A dated step of a formal answer, shown in public (who answered is kept, not shown)."""

    forwarding = models.ForeignKey(Forwarding, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(max_length=12, choices=Forwarding.Status.choices)
    note = models.TextField(max_length=2000, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.forwarding_id} {self.status} {self.at:%Y-%m-%d}"


class NetworkAudit(models.Model):
    """Every write of the network app: who, when, what, before and after (actor null: the scheduler)."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    verb = models.CharField(max_length=32)
    municipality = models.ForeignKey("membership.Municipality", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    subject = models.CharField(max_length=200)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.verb} {self.subject}"


from hub_server.network.directory_models import (  # noqa: E402,F401 (models Django must find here)
    ActionPartner, FieldOfWork, OrganisationProfile, Training, TrainingRegistration)
