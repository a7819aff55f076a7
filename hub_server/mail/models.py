"""Emails the hub could not hand to the mail server, kept for administrators to follow up."""
from django.db import models


class MailFailure(models.Model):
    """One email that failed (server down, recipient refused, malformed address).

    Recipients are personal data: the retention command deletes these after HUB_MAIL_FAILURE_DAYS,
    and a citizen's erasure removes the ones addressed to them.
    """

    purpose = models.CharField(max_length=40, help_text="which kind of email, e.g. citizen-status")
    recipients = models.CharField(max_length=500)
    subject = models.CharField(max_length=200)
    error = models.CharField(max_length=500)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.purpose}: {self.error[:60]}"
