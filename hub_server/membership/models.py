"""Who may do what on the hub: municipalities, member CSOs and their reviewers, municipality staff.

Roles are Django groups with model permissions (see membership/roles.py); the municipalities a
person may act on come from their organisation (CSO reviewers) or their staff assignment.
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Municipality(models.Model):
    """A municipality of the network; benches name theirs in `fleet.Bench.municipality` (same text)."""

    name = models.CharField(max_length=80, unique=True)
    reviewers_notified_at = models.DateTimeField(null=True, blank=True,
                                                 help_text="Last batched new-proposal email to its reviewers")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "municipalities"

    def __str__(self):
        return self.name


class Organisation(models.Model):
    """A civil-society organisation that applied to join the network."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    name = models.CharField(max_length=160)
    registration_number = models.CharField(max_length=40, unique=True)
    municipalities = models.ManyToManyField(Municipality, related_name="organisations")
    contact_name = models.CharField(max_length=120)
    contact_email = models.EmailField()
    principles_accepted = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=500, blank=True)
    applied = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-applied"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A person's role on the hub: reviewer of a CSO, or staff of a municipality."""

    class Role(models.TextChoices):
        REVIEWER = "reviewer", _("CSO reviewer")
        MUNICIPALITY = "municipality", _("Municipality staff")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    role = models.CharField(max_length=12, choices=Role.choices)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="members")
    municipality = models.ForeignKey(Municipality, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="staff")

    class Meta:
        constraints = [models.CheckConstraint(
            name="membership_has_scope",
            condition=(models.Q(role="reviewer", organisation__isnull=False)
                       | models.Q(role="municipality", municipality__isnull=False)))]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"


class ApiToken(models.Model):
    """A staff API token; only its SHA-256 is stored, the token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    digest = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.name} ({self.user})"
