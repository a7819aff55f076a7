"""Provisioning a bench from the technician's laptop (`bench provision`), in two steps so that nothing
is half done:

1. POST /api/v1/staff/benches/{id}/provision makes an offer: fresh MQTT credentials and signing key,
   and a signed, short-lived `offer` that carries them (the password only as the broker's hash). The
   hub's database does not change: if the laptop never comes back, there is nothing to clean up.
2. Once config.json is written on the bench and read back, POST .../provision/confirm with the offer
   installs the credentials in one transaction (fleet.services.bench_provision), which revokes the
   previous ones. An offer made before another provisioning or a key rotation is refused.
"""
import json
import secrets

from benchcore.config import ConfigError, parse_config
from django.conf import settings
from django.core import signing
from ninja import Router, Schema
from ninja.errors import HttpError

from hub_server.api.api import TokenAuth
from hub_server.broker import password_hash
from hub_server.fleet.models import Bench
from hub_server.fleet.seal import seal_public_modulus
from hub_server.fleet.services import _key_number, bench_provision, credentials_fingerprint

router = Router(tags=["staff"], auth=TokenAuth())
OFFER_SALT = "link.bench-provision"
OFFER_MAX_AGE_S = 15 * 60


class ProvisionIn(Schema):
    municipality: str


class MqttOut(Schema):
    host: str
    port: int
    user: str
    password: str


class OfferOut(Schema):
    bench_id: str
    municipality: str
    mqtt: MqttOut
    key_id: str
    key: str
    seal_key: str
    offer: str
    expires_in_s: int
    replaces: bool


class ConfirmIn(Schema):
    offer: str


class ConfirmOut(Schema):
    bench_id: str
    municipality: str
    key_id: str


def _require_permission(request):
    if not (request.user.has_perm("fleet.add_bench") and request.user.has_perm("fleet.change_bench")):
        raise HttpError(403, "This token's user may not register benches (needs fleet.add_bench and "
                             "fleet.change_bench).")


def _next_key_id(bench: Bench | None) -> str:
    """As bench_issue_credentials numbers them: keys only count up, so an old one is never mistaken for new."""
    if bench is None or not bench.key:
        return "k1"
    return f"k{max(_key_number(bench.key_id), _key_number(bench.next_key_id)) + 1}"


@router.post("/{bench_id}/provision", response=OfferOut, summary="Offer new credentials for a bench")
def provision_offer(request, bench_id: str, body: ProvisionIn):
    _require_permission(request)
    try:  # the firmware's own rule for the id, which goes into MQTT topics
        parse_config(json.dumps({"bench_id": bench_id, "municipality": "-", "mqtt": {"host": "-", "port": 1}}))
    except ConfigError as exc:
        raise HttpError(400, str(exc).replace("config.json: 'bench_id'", "bench id"))
    municipality = body.municipality.strip()
    if not 1 <= len(municipality) <= 80:
        raise HttpError(400, "municipality must be 1 to 80 characters")
    bench = Bench.objects.filter(pk=bench_id).first()
    password, key, key_id = secrets.token_urlsafe(18), secrets.token_bytes(32).hex(), _next_key_id(bench)
    offer = signing.dumps({"bench_id": bench_id, "municipality": municipality, "hash": password_hash(password),
                           "key_id": key_id, "key": key, "expects": credentials_fingerprint(bench=bench)},
                          salt=OFFER_SALT, compress=True)
    return {"bench_id": bench_id, "municipality": municipality, "key_id": key_id, "key": key, "offer": offer,
            "seal_key": seal_public_modulus(),
            "mqtt": {**settings.BENCH_MQTT, "user": bench_id, "password": password},
            "expires_in_s": OFFER_MAX_AGE_S, "replaces": bench is not None}


@router.post("/{bench_id}/provision/confirm", response=ConfirmOut, summary="Install offered credentials")
def provision_confirm(request, bench_id: str, body: ConfirmIn):
    _require_permission(request)
    try:
        offer = signing.loads(body.offer, salt=OFFER_SALT, max_age=OFFER_MAX_AGE_S)
    except signing.SignatureExpired:
        raise HttpError(400, "this offer has expired: run bench provision again")
    except signing.BadSignature:
        raise HttpError(400, "this offer was not made by this hub")
    if offer["bench_id"] != bench_id:
        raise HttpError(400, "this offer is for another bench")
    try:
        bench = bench_provision(bench_id=bench_id, municipality=offer["municipality"],
                                mqtt_password_hash=offer["hash"], key_id=offer["key_id"], key=offer["key"],
                                expected_fingerprint=offer["expects"], actor=request.user)
    except ValueError as exc:
        raise HttpError(409, str(exc))
    return {"bench_id": bench.id, "municipality": bench.municipality, "key_id": bench.key_id}
