"""Writes about fleet health: telemetry as it arrives, alerts opened once and cleared on recovery."""
import logging
from datetime import datetime, timedelta

from benchcore import contract
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from hub_server.fleet.models import Bench
from hub_server.fleet_health import emails
from hub_server.fleet_health.models import Alert, BenchHealth, TelemetryReading
from hub_server.mail.services import mail_on_commit

log = logging.getLogger("hub.fleet_health")
# Telemetry key (benchcore.contract, as the bench sends it) -> column of TelemetryReading.
COLUMNS = {
    contract.batt_v: "battery_v", contract.batt_a: "battery_a", contract.soc: "soc",
    contract.solar_w: "solar_w", contract.wh_in: "wh_in_today", contract.wh_out: "wh_out_today",
    contract.clients: "clients", contract.outbox: "outbox", contract.heap_free: "heap_free",
    contract.up: "uptime", contract.mode: "mode", contract.firmware: "firmware", contract.faults: "faults",
}
_FLOATS = ("battery_v", "battery_a", "soc", "solar_w", "wh_in_today", "wh_out_today")
_INTS = ("clients", "outbox", "heap_free", "uptime")
_TEXTS = {"mode": 20, "firmware": 40}
SOC_RECOVERY_MARGIN = 5.0  # hysteresis, so a battery near the threshold does not flap


def _number(value, kind):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return kind(value)


def _fields(message: dict) -> dict:
    data = {column: message.get(key) for key, column in COLUMNS.items()}
    if message.get(contract.soc_valid) is False:
        data["soc"] = None  # the bench has no trustworthy estimate yet: better no value than a wrong one
    fields = {k: _number(data.get(k), float) for k in _FLOATS}
    fields.update({k: _number(data.get(k), int) for k in _INTS})
    fields.update({k: data[k][:n] if isinstance(data.get(k), str) else "" for k, n in _TEXTS.items()})
    faults = data.get("faults")
    fields["faults"] = [f[:40] for f in faults if isinstance(f, str)][:10] if isinstance(faults, list) else []
    return fields


def _open(*, bench_id: str, kind: str, facts: dict, now: datetime) -> None:
    alert = Alert(bench_id=bench_id, kind=kind, facts=facts, opened=now)
    with translation.override("en"):
        english = alert.describe()
    alert, created = Alert.objects.get_or_create(bench_id=bench_id, kind=kind, cleared=None,
                                                 defaults={"detail": english[:200], "facts": facts, "opened": now})
    if created:
        alert_id = alert.pk
        mail_on_commit(lambda: emails.send_alert(alert_id=alert_id))


@transaction.atomic(durable=True)
def telemetry_record(*, bench_id: str, data: dict, received: datetime) -> None:
    """telemetry_store, committed before it returns (refused inside someone else's transaction)."""
    telemetry_store(bench_id=bench_id, data=data, received=received)


def telemetry_store(*, bench_id: str, data: dict, received: datetime) -> None:
    """Store one verified telemetry message and open or clear the bench's alerts, inside the caller's
    transaction (the ingest commits a batch of readings together).

    Unknown keys are ignored, missing or mistyped values stored as null; an unknown bench is logged
    and ignored (the ingest has verified the signature, so that means the bench was removed).
    """
    if not Bench.objects.filter(pk=bench_id).exists():
        log.warning("telemetry from unknown bench %s ignored", bench_id)
        return
    fields = _fields(data if isinstance(data, dict) else {})
    reading = TelemetryReading.objects.create(bench_id=bench_id, received=received, **fields)
    health = BenchHealth.objects.select_for_update().filter(bench_id=bench_id).first()
    previous_outbox = health.outbox if health else None
    first = health is None
    if first:
        health = BenchHealth(bench_id=bench_id)
    elif health.received is not None and health.received > received:
        return  # a late reading: stored for the charts, but not the bench's current state
    health.reading = reading
    for column in BenchHealth.LATEST:  # the dashboard reads these, never the readings
        setattr(health, column, getattr(reading, column))
    outbox = fields["outbox"]
    if outbox is not None and previous_outbox is not None and outbox > previous_outbox:
        health.outbox_rises += 1
        health.outbox_rising_since = health.outbox_rising_since or received
    elif outbox is not None and (previous_outbox is None or outbox < previous_outbox or outbox == 0):
        health.outbox_rises, health.outbox_rising_since = 0, None
    health.save(force_insert=first)

    recovered = [Alert.Kind.OFFLINE]  # cleared together, in one statement
    soc = fields["soc"]
    if soc is not None and soc < settings.HUB_ALERT_LOW_SOC:
        _open(bench_id=bench_id, kind=Alert.Kind.LOW_BATTERY, facts={"soc": round(soc)}, now=received)
    elif soc is not None and soc >= settings.HUB_ALERT_LOW_SOC + SOC_RECOVERY_MARGIN:
        recovered.append(Alert.Kind.LOW_BATTERY)
    if fields["faults"]:
        _open(bench_id=bench_id, kind=Alert.Kind.SENSOR_FAULT, facts={"faults": fields["faults"]}, now=received)
    else:
        recovered.append(Alert.Kind.SENSOR_FAULT)
    if health.outbox_rises >= settings.HUB_ALERT_OUTBOX_RISES:
        _open(bench_id=bench_id, kind=Alert.Kind.OUTBOX_GROWING,
              facts={"outbox": outbox, "since": health.outbox_rising_since.isoformat()}, now=received)
    elif health.outbox_rises == 0:
        recovered.append(Alert.Kind.OUTBOX_GROWING)
    Alert.objects.filter(bench_id=bench_id, kind__in=recovered, cleared=None).update(cleared=received)


@transaction.atomic
def fleet_check(*, now: datetime | None = None) -> int:
    """Open an offline alert for every bench silent for longer than the threshold; returns how many opened.

    Run periodically (`hub fleet-check --every 60`); a bench's next telemetry clears its alert.
    """
    now = now or timezone.now()
    limit = now - timedelta(minutes=settings.HUB_ALERT_OFFLINE_MINUTES)
    already = set(Alert.objects.filter(kind=Alert.Kind.OFFLINE, cleared=None).values_list("bench_id", flat=True))
    opened = 0
    for bench_id, last_seen, reading_at in Bench.objects.values_list("id", "last_seen", "health__received"):
        seen = max([t for t in (last_seen, reading_at) if t is not None], default=None)
        if bench_id in already or (seen is not None and seen >= limit):
            continue
        _open(bench_id=bench_id, kind=Alert.Kind.OFFLINE, facts={"since": seen.isoformat() if seen else None}, now=now)
        opened += 1
    return opened
