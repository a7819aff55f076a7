"""Bench telemetry, each bench's latest state, and alerts (opened once, cleared on recovery)."""
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_lazy as _

from hub_server.fleet.models import Bench


class TelemetryReading(models.Model):
    """One `link/v1/b/<id>/telemetry` message as received; missing values stay null."""

    bench = models.ForeignKey(Bench, on_delete=models.CASCADE, related_name="telemetry")
    received = models.DateTimeField()
    battery_v = models.FloatField(null=True)
    battery_a = models.FloatField(null=True)
    soc = models.FloatField(null=True, help_text="State of charge, percent")
    solar_w = models.FloatField(null=True)
    wh_in_today = models.FloatField(null=True)
    wh_out_today = models.FloatField(null=True)
    mode = models.CharField(max_length=20, blank=True)
    clients = models.IntegerField(null=True)
    outbox = models.IntegerField(null=True)
    heap_free = models.IntegerField(null=True)
    firmware = models.CharField(max_length=40, blank=True)
    uptime = models.BigIntegerField(null=True)
    faults = models.JSONField(default=list)

    class Meta:
        ordering = ["-received"]
        indexes = [models.Index(fields=["bench", "received"])]
        permissions = [("view_fleet", "Can see the fleet dashboard")]

    def __str__(self):
        return f"{self.bench_id} {self.received:%Y-%m-%d %H:%M}"


class BenchHealth(models.Model):
    """Each bench's latest reading, copied into one row per bench in the transaction that stores the
    reading: the dashboard's summary, filters and pages read these rows, never the readings."""

    bench = models.OneToOneField(Bench, primary_key=True, on_delete=models.CASCADE, related_name="health")
    # the full reading, for the bench's own page; kept null if old readings are ever pruned
    reading = models.ForeignKey(TelemetryReading, null=True, on_delete=models.SET_NULL, related_name="+")
    received = models.DateTimeField(null=True)
    soc = models.FloatField(null=True)
    battery_v = models.FloatField(null=True)
    solar_w = models.FloatField(null=True)
    mode = models.CharField(max_length=20, blank=True)
    clients = models.IntegerField(null=True)
    outbox = models.IntegerField(null=True)
    heap_free = models.IntegerField(null=True)
    firmware = models.CharField(max_length=40, blank=True)
    faults = models.JSONField(default=list)
    outbox_rising_since = models.DateTimeField(null=True, blank=True,
                                               help_text="First of the readings in which the outbox kept growing")
    outbox_rises = models.IntegerField(default=0)

    # the columns copied from each reading
    LATEST = ("received", "soc", "battery_v", "solar_w", "mode", "clients", "outbox", "heap_free", "firmware", "faults")

    class Meta:
        indexes = [models.Index(fields=["firmware"])]

    def __str__(self):
        return str(self.bench_id)


class Alert(models.Model):
    class Kind(models.TextChoices):
        OFFLINE = "offline", _("Offline")
        LOW_BATTERY = "low_battery", _("Low battery")
        SENSOR_FAULT = "sensor_fault", _("Sensor fault")
        OUTBOX_GROWING = "outbox_growing", _("Outbox growing")

    bench = models.ForeignKey(Bench, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    detail = models.CharField(max_length=200, blank=True, help_text="English summary (older alerts: the only one)")
    # What describe() words in the reader's language: soc, faults ["battery:i2c"], outbox, since (ISO time)
    facts = models.JSONField(default=dict, blank=True)
    opened = models.DateTimeField()
    cleared = models.DateTimeField(null=True, blank=True)
    emailed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-opened"]
        constraints = [models.UniqueConstraint(fields=["bench", "kind"], condition=models.Q(cleared__isnull=True),
                                               name="one_open_alert_per_kind")]
        indexes = [models.Index(fields=["cleared", "-opened"]), models.Index(fields=["kind", "cleared"])]

    def __str__(self):
        return f"{self.bench_id} {self.kind}"

    def describe(self) -> str:
        """The alert's facts in the active language (alerts opened before facts existed keep their text)."""
        f = self.facts or {}
        if not f:
            return self.detail
        since = _when(f.get("since"))
        if self.kind == self.Kind.LOW_BATTERY:
            return gettext("state of charge %(soc)d %%") % {"soc": f["soc"]}
        if self.kind == self.Kind.SENSOR_FAULT:
            return ", ".join(fault_label(code) for code in f.get("faults", []))
        if self.kind == self.Kind.OUTBOX_GROWING:
            return gettext("%(count)d proposals waiting on the bench, more since %(since)s") % {
                "count": f["outbox"], "since": since}
        if self.kind == self.Kind.OFFLINE:
            return gettext("last heard %(since)s") % {"since": since} if since else gettext("never heard from")
        return self.detail


SENSORS = {"battery": _("battery sensor"), "solar": _("solar panel sensor")}
FAULTS = {"i2c": _("no answer on the I2C bus"), "range": _("reading out of range, gain raised"),
          "overflow": _("current beyond what the shunt can measure"), "reset": _("sensor lost its calibration"),
          "busy": _("no reading yet"), "implausible": _("implausible reading"), "spike": _("sudden jump, unconfirmed")}


def fault_label(code: str) -> str:
    """"battery:i2c" (the firmware's fault code) -> "battery sensor: no answer on the I2C bus"."""
    sensor, _sep, reason = code.partition(":")
    return "%s: %s" % (SENSORS.get(sensor, sensor), FAULTS.get(reason, reason))


def _when(iso):
    if not iso:
        return ""
    from datetime import datetime

    return formats.date_format(timezone.localtime(datetime.fromisoformat(iso)), "SHORT_DATETIME_FORMAT")
