"""Writes that change the fleet: registering benches, trusting their messages, rotating keys."""
import json
import logging
import secrets
from datetime import datetime, timezone

from django.db import transaction
from django.db.models import F

from hub_server import signing
from hub_server.broker import password_hash
from hub_server.fleet.models import Bench, RejectedMessage

log = logging.getLogger("hub.fleet")


class MessageRejected(ValueError):
    """A bench message the hub will not act on; the reason goes to the log and a counter."""


def bench_register(*, bench_id: str, municipality: str) -> tuple[Bench, dict]:
    """Create or re-provision a bench; returns it with its new credentials (shown once)."""
    password = secrets.token_urlsafe(18)
    key = secrets.token_bytes(32)
    with transaction.atomic():
        bench, _ = Bench.objects.update_or_create(id=bench_id, defaults={
            "municipality": municipality, "mqtt_password_hash": password_hash(password),
            "key_id": "k1", "key": key.hex(), "next_key_id": "", "next_key": ""})
    return bench, {"mqtt_user": bench_id, "mqtt_password": password, "key_id": "k1", "key": key.hex()}


def rejection_count(*, bench_id: str, topic: str, reason: str) -> None:
    counter, _ = RejectedMessage.objects.get_or_create(bench_id=bench_id[:64], topic=topic[:16], reason=reason[:120])
    RejectedMessage.objects.filter(pk=counter.pk).update(count=F("count") + 1)


def message_verify(*, bench: Bench, topic: str, payload: bytes) -> tuple[bytes, str]:
    """The signed body of a bench message, promoting a rotated key the first time it is used."""
    try:
        body, key_id = signing.verify(topic=topic, payload=payload, keys=bench.verification_keys())
    except signing.SignatureError as exc:
        raise MessageRejected(str(exc))
    if key_id == bench.next_key_id and bench.next_key:
        Bench.objects.filter(pk=bench.pk).update(key_id=key_id, key=bench.next_key, next_key_id="", next_key="")
        bench.key_id, bench.key, bench.next_key_id, bench.next_key = key_id, bench.next_key, "", ""
        log.info("bench %s now signs with key %s", bench.id, key_id)
    return body, key_id


def json_object(body: bytes) -> dict:
    try:
        msg = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise MessageRejected("body is not UTF-8 JSON")
    if not isinstance(msg, dict):
        raise MessageRejected("body is not a JSON object")
    return msg


def sequence_accept(*, bench: Bench, kind: str, msg: dict) -> bool:
    """Replay window for status and telemetry: (boot, n) must rise. Returns False for the same
    message again (a retained copy), raises MessageRejected for an older one."""
    boot, n = msg.get("boot"), msg.get("n")
    if not isinstance(boot, int) or not isinstance(n, int) or boot < 0 or n < 0:
        raise MessageRejected("boot and n must be counts")
    last = (getattr(bench, f"{kind}_boot"), getattr(bench, f"{kind}_n"))
    if (boot, n) == last:
        return False
    if (boot, n) < last:
        raise MessageRejected(f"replayed {kind} ({boot}, {n}) after {last}")
    updated = Bench.objects.filter(pk=bench.pk, **{f"{kind}_boot": last[0], f"{kind}_n": last[1]}).update(
        **{f"{kind}_boot": boot, f"{kind}_n": n})
    if not updated:
        raise MessageRejected(f"{kind} raced with another worker")
    return True


def bench_status_record(*, bench: Bench, msg: dict) -> None:
    state = msg.get("state")
    if state not in ("online", "offline"):
        raise MessageRejected("status is neither online nor offline")
    if sequence_accept(bench=bench, kind="status", msg=msg):
        Bench.objects.filter(pk=bench.pk).update(online=state == "online", last_seen=datetime.now(timezone.utc))


def bench_seen(*, bench_id: str) -> None:
    Bench.objects.filter(pk=bench_id).update(last_seen=datetime.now(timezone.utc))


def downlink_sign(*, bench: Bench, leaf: str, msg: dict, key_id: str | None = None) -> bytes:
    """A hub message for a bench, signed with the key the bench holds (key_id, or its current)."""
    keys = bench.verification_keys()
    key_id = key_id if key_id in keys else bench.key_id
    body = json.dumps(msg, ensure_ascii=False, separators=(",", ":")).encode()
    return signing.sign(topic=f"link/v1/b/{bench.id}/{leaf}", body=body, key_id=key_id, key=keys[key_id])


def bench_command(*, bench_id: str, command: str, **args) -> tuple[str, bytes]:
    """Number and sign a command for a bench; returns (topic, payload) to publish (QoS 1)."""
    with transaction.atomic():
        bench = Bench.objects.select_for_update().get(pk=bench_id)
        bench.cmd_n += 1
        msg = {"n": bench.cmd_n, "cmd": command, **args}
        if command == "rotate_key":
            if bench.next_key:
                raise ValueError(f"bench {bench_id} has not yet used key {bench.next_key_id}")
            number = int(bench.key_id.lstrip("k") or 1) + 1
            msg["key_id"], msg["nonce"] = f"k{number}", secrets.token_hex(16)
            bench.next_key_id = msg["key_id"]
            bench.next_key = signing.derive_key(bytes.fromhex(bench.key), msg["key_id"], msg["nonce"]).hex()
        payload = downlink_sign(bench=bench, leaf="cmd", msg=msg, key_id=bench.key_id)
        bench.save(update_fields=["cmd_n", "next_key_id", "next_key"])
    return f"link/v1/b/{bench_id}/cmd", payload


def credentials_fingerprint(*, bench: Bench | None) -> str:
    """What a provisioning offer expects the bench's credentials to be when it is confirmed ("" for a
    bench not registered yet): a hash, so the offer never carries the current secrets."""
    if bench is None:
        return ""
    import hashlib

    return hashlib.sha256(f"{bench.mqtt_password_hash}|{bench.key_id}|{bench.key}".encode()).hexdigest()[:32]


def bench_provision(*, bench_id: str, municipality: str, mqtt_password_hash: str, key_id: str, key: str,
                    expected_fingerprint: str) -> Bench:
    """Install a bench's new credentials in one step, revoking the old ones (their password hash and
    key are replaced, so the broker and the hub refuse them from the next broker-config reload).

    expected_fingerprint: the credentials the offer was made against; a different value means another
    provisioning (or a rotation) happened in between, and this one is refused rather than undoing it.
    Replay windows restart: the new key makes every message signed with the old one invalid anyway,
    and a replacement board starts counting boots from one."""
    with transaction.atomic():
        bench = Bench.objects.select_for_update().filter(pk=bench_id).first()
        if credentials_fingerprint(bench=bench) != expected_fingerprint:
            raise ValueError(f"bench {bench_id} was provisioned or rotated meanwhile: start again")
        fields = {"municipality": municipality, "mqtt_password_hash": mqtt_password_hash, "key_id": key_id,
                  "key": key, "next_key_id": "", "next_key": "", "status_boot": 0, "status_n": 0,
                  "telemetry_boot": 0, "telemetry_n": 0}
        if bench is None:
            bench = Bench.objects.create(id=bench_id, **fields)
        else:
            for name, value in fields.items():
                setattr(bench, name, value)
            bench.save(update_fields=list(fields))
    log.info("bench %s provisioned (key %s)", bench_id, key_id)
    return bench
