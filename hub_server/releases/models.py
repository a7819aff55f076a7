"""Signed application releases, their staged rollouts, each bench's update state, and the audit."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from hub_server.fleet.models import Bench


class Release(models.Model):
    """A release built by `bench image --release`, numbered and signed by `hub release add`. The
    manifest is kept byte for byte: its signature is over exactly these bytes' SHA-256."""

    seq = models.PositiveIntegerField(primary_key=True)
    version = models.CharField(max_length=32)
    manifest = models.TextField()
    signature = models.CharField(max_length=128, help_text="hex Ed25519 over sha256(manifest)")
    files = models.PositiveIntegerField()
    size = models.PositiveIntegerField(help_text="bytes")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-seq"]

    def __str__(self):
        return f"{self.version} (#{self.seq})"


class Rollout(models.Model):
    class Stage(models.TextChoices):
        CANARY = "canary", _("Canary")
        SHARE = "share", _("Share of the fleet")
        ALL = "all", _("All benches")
        DONE = "done", _("Done")
        HALTED = "halted", _("Halted")

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="rollouts")
    stage = models.CharField(max_length=8, choices=Stage.choices, default=Stage.CANARY)
    canary = models.ForeignKey(Bench, on_delete=models.PROTECT, related_name="+")
    share_pct = models.PositiveSmallIntegerField(default=25)
    halt_after = models.PositiveSmallIntegerField(default=1, help_text="rollbacks that halt the rollout")
    url = models.CharField(max_length=200, help_text="where benches fetch the release's files")
    started = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)
    halted_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-started"]

    def __str__(self):
        return f"rollout of {self.release} ({self.stage})"


class RolloutBench(models.Model):
    class State(models.TextChoices):
        SENT = "sent", _("Sent")
        CONFIRMING = "confirming", _("Confirming")
        UPDATED = "updated", _("Updated")
        ROLLED_BACK = "rolled_back", _("Rolled back")
        REFUSED = "refused", _("Refused")

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="benches")
    bench = models.ForeignKey(Bench, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=8, choices=Rollout.Stage.choices)
    state = models.CharField(max_length=12, choices=State.choices, default=State.SENT)
    sent = models.DateTimeField(auto_now_add=True)
    done = models.DateTimeField(null=True, blank=True)
    detail = models.CharField(max_length=120, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rollout", "bench"], name="one_target_per_bench")]


class BenchUpdate(models.Model):
    """What a bench last said about its application and updates (from its telemetry)."""

    bench = models.OneToOneField(Bench, primary_key=True, on_delete=models.CASCADE, related_name="update")
    app_seq = models.PositiveIntegerField(default=0)
    version = models.CharField(max_length=40, blank=True)
    state = models.CharField(max_length=12, blank=True)
    update_seq = models.PositiveIntegerField(default=0)
    detail = models.CharField(max_length=120, blank=True)
    safe_mode = models.BooleanField(default=False)
    reset_cause = models.PositiveSmallIntegerField(null=True)
    reported = models.DateTimeField()


class ReleaseEvent(models.Model):
    """The audit of releases: every registration, stage, command, outcome and halt."""

    at = models.DateTimeField(auto_now_add=True)
    actor = models.CharField(max_length=150, help_text="a user, or 'hub' for the rollout worker")
    verb = models.CharField(max_length=24)
    release = models.ForeignKey(Release, null=True, on_delete=models.CASCADE, related_name="events")
    rollout = models.ForeignKey(Rollout, null=True, on_delete=models.CASCADE, related_name="events")
    bench_id = models.CharField(max_length=32, blank=True)
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
