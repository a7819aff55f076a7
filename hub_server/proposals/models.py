from django.db import models

from hub_server.fleet.models import Bench


class Proposal(models.Model):
    """A citizen's idea as the bench sent it; the id is the bench's, so a resend stores nothing new."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        VALIDATED = "validated", "Validated"
        DECLINED = "declined", "Declined"
        DUPLICATE = "duplicate", "Duplicate"
        HIDDEN = "hidden", "Hidden"

    class Category(models.TextChoices):
        ENVIRONMENT = "environment", "Environment"
        TRANSPORT = "transport", "Transport"
        CULTURE = "culture", "Culture and sport"
        SOCIAL = "social", "Social issues"
        INFRASTRUCTURE = "infrastructure", "Infrastructure"
        OTHER = "other", "Other"

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
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    created = models.DateTimeField(null=True, blank=True, help_text="When the citizen submitted it (bench clock)")
    received = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received"]
        indexes = [models.Index(fields=["bench", "-received"])]

    def __str__(self):
        return f"{self.receipt} {self.title}"
