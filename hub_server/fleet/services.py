"""Writes that change the fleet: registering benches and their broker credentials."""
import secrets

from django.db import transaction

from hub_server.broker import password_hash
from hub_server.fleet.models import Bench


def bench_register(*, bench_id: str, municipality: str) -> tuple[Bench, str]:
    """Create or re-key a bench; returns it with its new MQTT password (shown once, never stored)."""
    password = secrets.token_urlsafe(18)
    with transaction.atomic():
        bench, _ = Bench.objects.update_or_create(
            id=bench_id, defaults={"municipality": municipality, "mqtt_password_hash": password_hash(password)})
    return bench, password
