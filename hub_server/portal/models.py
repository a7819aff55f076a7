"""Counters for throttling the public forms (see throttle.py)."""
from django.db import models


class ThrottleCount(models.Model):
    """Requests of one client to one public form within one time window.

    `client` is a keyed hash of the address, not the address: the counter needs to tell clients
    apart, not to know who they are. Rows of past windows are deleted as new ones are counted.
    """

    scope = models.CharField(max_length=20)
    client = models.CharField(max_length=32)
    window = models.BigIntegerField(help_text="unix time // window length")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "client", "window"], name="one_count_per_window")]
        indexes = [models.Index(fields=["scope", "window"])]

    def __str__(self):
        return f"{self.scope} {self.client[:8]} {self.window}: {self.count}"
