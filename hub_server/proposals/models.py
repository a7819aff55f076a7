from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hub_server.fleet.models import Bench


class Proposal(models.Model):
    """A citizen's idea as the bench sent it; the id is the bench's, so a resend stores nothing new."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        VALIDATED = "validated", _("Validated")
        DECLINED = "declined", _("Declined")
        DUPLICATE = "duplicate", _("Duplicate")
        HIDDEN = "hidden", _("Hidden")

    class Category(models.TextChoices):
        ENVIRONMENT = "environment", _("Environment")
        TRANSPORT = "transport", _("Transport")
        CULTURE = "culture", _("Culture and sport")
        SOCIAL = "social", _("Social issues")
        INFRASTRUCTURE = "infrastructure", _("Infrastructure")
        OTHER = "other", _("Other")

    class DeclineReason(models.TextChoices):
        NOT_MUNICIPAL = "not_municipal", _("Not a matter for the municipality")
        UNCLEAR = "unclear", _("Too unclear to act on")
        ALREADY_DONE = "already_done", _("Already done or planned")
        ILLEGAL = "illegal", _("Against the law or others' rights")
        OFF_TOPIC = "off_topic", _("Not a proposal")

    id = models.CharField(primary_key=True, max_length=16)
    bench = models.ForeignKey(Bench, on_delete=models.PROTECT, related_name="proposals")
    receipt = models.CharField(max_length=9, db_index=True)
    title = models.CharField(max_length=120)
    body = models.TextField(max_length=2000)
    category = models.CharField(max_length=20, choices=Category.choices)
    lang = models.CharField(max_length=10, default="bs")
    # Personal data: kept only with the citizen's consent, never shown in public.
    name = models.CharField(max_length=80, blank=True)
    contact = models.CharField(max_length=120, blank=True)
    consent = models.BooleanField(default=False)
    contact_erased = models.DateTimeField(null=True, blank=True,
                                          help_text="When name and contact were erased (retention or the citizen)")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    created = models.DateTimeField(null=True, blank=True, help_text="When the citizen submitted it (bench clock)")
    received = models.DateTimeField(auto_now_add=True)

    # Review (all defaults, so the ingest keeps creating rows with only the fields above).
    public_title = models.CharField(max_length=120, blank=True, help_text="Redacted title; empty: the title as sent")
    public_body = models.TextField(max_length=2000, blank=True, help_text="Redacted text; empty: the text as sent")
    tags = models.CharField(max_length=200, blank=True, help_text="Comma-separated")
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="duplicates")
    decline_reason = models.CharField(max_length=20, choices=DeclineReason.choices, blank=True)
    decline_note = models.CharField(max_length=500, blank=True)
    status_changed = models.DateTimeField(null=True, blank=True)
    reviewers_notified = models.BooleanField(default=False)

    class Meta:
        ordering = ["-received"]
        indexes = [models.Index(fields=["bench", "-received"]),
                   models.Index(fields=["status", "-received"]),
                   models.Index(fields=["reviewers_notified", "received"])]
        permissions = [("review_proposal", "Can validate, decline and edit proposals"),
                       ("view_original_text", "Can see the unredacted text and the contact")]

    def __str__(self):
        return f"{self.receipt} {self.title}"

    @property
    def shown_title(self) -> str:
        return self.public_title or self.title

    @property
    def shown_body(self) -> str:
        return self.public_body or self.body

    @property
    def tag_list(self) -> list[str]:
        return [t for t in (x.strip() for x in self.tags.split(",")) if t]


class Action(models.Model):
    """What the municipality does about one or more validated ideas."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        NOT_POSSIBLE = "not_possible", _("Not possible")

    title = models.CharField(max_length=120)
    municipality = models.ForeignKey("membership.Municipality", on_delete=models.PROTECT, related_name="actions")
    proposals = models.ManyToManyField(Proposal, related_name="actions")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    public_answer = models.TextField(max_length=2000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated"]
        indexes = [models.Index(fields=["municipality", "-updated"])]

    def __str__(self):
        return self.title


class ActionUpdate(models.Model):
    """A dated step of an action, shown in public."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=12, choices=Action.Status.choices)
    note = models.TextField(max_length=2000, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.action_id} {self.status} {self.at:%Y-%m-%d}"


class AuditEntry(models.Model):
    """Every review decision: who, when, what it was before and after."""

    class Verb(models.TextChoices):
        VALIDATE = "validate", _("Validated")
        DECLINE = "decline", _("Declined")
        DUPLICATE = "duplicate", _("Marked as duplicate")
        EDIT = "edit", _("Edited category or tags")
        REDACT = "redact", _("Redacted personal data")
        HIDE = "hide", _("Hidden as abusive")
        ACTION_CREATE = "action_create", _("Created an action")
        ACTION_UPDATE = "action_update", _("Updated an action")
        ORG_APPROVE = "org_approve", _("Approved an organisation")
        ORG_DECLINE = "org_decline", _("Declined an organisation")
        CONTACT_VIEW = "contact_view", _("Viewed the contact details")
        CONTACT_ERASE = "contact_erase", _("Erased the contact details")
        DATA_COPY = "data_copy", _("Gave the citizen a copy of their data")
        ERASE = "erase", _("Erased the idea")
        BENCH_PROVISION = "bench_provision", _("Gave a bench new credentials")

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    verb = models.CharField(max_length=16, choices=Verb.choices)
    # No cascade and no database constraint: the entry, with the idea's id, outlives an erased idea.
    proposal = models.ForeignKey(Proposal, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
                                 related_name="audit")
    action = models.ForeignKey(Action, null=True, blank=True, on_delete=models.CASCADE, related_name="audit")
    subject = models.CharField(max_length=200, blank=True, help_text="What else it was about (an organisation)")
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.verb}"


class ErasedProposal(models.Model):
    """What is left of an erased idea: its id, so that a bench sending it again is acknowledged
    (the bench then forgets it) without the idea being stored again. Nothing personal is kept."""

    id = models.CharField(primary_key=True, max_length=16)
    bench_id = models.CharField(max_length=32)
    erased = models.DateTimeField(auto_now_add=True)
    why = models.CharField(max_length=40)

    def __str__(self):
        return f"{self.id} erased {self.erased:%Y-%m-%d} ({self.why})"
