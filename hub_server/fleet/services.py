"""Writes that change the fleet: registering benches, trusting their messages, rotating keys."""
import json
import logging
import secrets
from datetime import datetime, timezone

from benchcore import contract
from django.db import transaction
from django.db.models import F

from hub_server import signing
from hub_server.broker import password_hash
from hub_server.fleet import messages
from hub_server.fleet.broker_sync import broker_sync_on_commit
from hub_server.fleet.models import Bench, DeadLetter, RejectedMessage
from hub_server.mqtt import MAX_PAYLOAD

log = logging.getLogger("hub.fleet")


class MessageRejected(ValueError):
    """A bench message the hub will not act on; the reason goes to the log and a counter."""


def bench_register(*, bench_id: str, municipality: str, actor=None) -> tuple[Bench, dict]:
    """Create a bench, or re-provision one (new municipality too); returns it with its new
    credentials (shown once). See bench_issue_credentials. actor: who did it (None: the hub's CLI)."""
    with transaction.atomic():
        before = Bench.objects.filter(pk=bench_id).values("municipality", "key_id").first() or {}
        bench, _ = Bench.objects.update_or_create(id=bench_id, defaults={"municipality": municipality})
        credentials = bench_issue_credentials(bench=bench)
        _audit_provisioning(bench_id=bench_id, actor=actor, before=before,
                            after={"municipality": municipality, "key_id": credentials["key_id"]})
    return bench, credentials


def _audit_provisioning(*, bench_id: str, actor, before: dict, after: dict) -> None:
    """In the audit log beside the review decisions: who gave which bench new credentials, and when
    (a stolen bench is cut off this way, and so could a working one be). No secret is written."""
    from hub_server.proposals.models import AuditEntry

    AuditEntry.objects.create(actor=actor, verb=AuditEntry.Verb.BENCH_PROVISION, subject=bench_id,
                              before=before, after=after)


def bench_issue_credentials(*, bench: Bench) -> dict:
    """Fresh, random broker password and signing key for a bench, replacing (revoking) the old
    ones in the same transaction: the way to recover from a stolen or copied bench. Nothing of
    the old key goes into the new one, and nothing crosses the network: the result is shown once
    and reaches the bench over USB (`bench provision`). The old password stops working when the
    broker rereads its password file (broker_sync after the commit, or `hub broker-config` + SIGHUP);
    the old key at once.
    The key number keeps rising, so the hub never confuses a new key with an old one."""
    password = secrets.token_urlsafe(18)
    key = secrets.token_bytes(32)
    with transaction.atomic():
        bench = Bench.objects.select_for_update().get(pk=bench.pk)
        number = max(_key_number(bench.key_id), _key_number(bench.next_key_id)) + 1 if bench.key else 1
        key_id = f"k{number}"
        Bench.objects.filter(pk=bench.pk).update(mqtt_password_hash=password_hash(password), key_id=key_id,
                                                 key=key.hex(), next_key_id="", next_key="")
        # Contact details of ideas stay readable: they are sealed to the hub, not to this key.
        broker_sync_on_commit()
        log.info("bench %s: new broker password and signing key %s; the old ones are revoked", bench.pk, key_id)
    from hub_server.fleet.seal import seal_public_modulus

    return {"mqtt_user": bench.pk, "mqtt_password": password, "key_id": key_id, "key": key.hex(),
            "seal_key": seal_public_modulus()}


def _key_number(key_id: str) -> int:
    digits = key_id.lstrip("k")
    return int(digits) if digits.isdigit() else 0


def rejection_count(*, bench_id: str, topic: str, reason: str) -> None:
    counter, _ = RejectedMessage.objects.get_or_create(bench_id=bench_id[:64], topic=topic[:16], reason=reason[:120])
    RejectedMessage.objects.filter(pk=counter.pk).update(count=F("count") + 1)


def dead_letter_keep(*, bench_id: str, topic: str, payload: bytes, reason: str, attempts: int) -> DeadLetter:
    """Keep a message that failed for a reason that will not go away (see DeadLetter)."""
    with transaction.atomic(durable=True):
        return DeadLetter.objects.create(bench_id=bench_id[:64], topic=topic[:16],
                                         payload=bytes(payload[:MAX_PAYLOAD]), reason=reason[:300],
                                         attempts=attempts)


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


def _finite(text: str) -> float:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"number {text[:20]} out of range")
    return value


def _short_int(text: str) -> int:
    if len(text) > 20:  # 2^63 has 19 digits: anything longer is junk, and slow to convert
        raise ValueError("integer with more than 20 digits")
    return int(text)


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def strict_json(body: bytes):
    """JSON as the protocol allows it: UTF-8, finite numbers, integers of at most 20 digits, no
    NaN/Infinity, bounded nesting. ValueError otherwise (never RecursionError or OverflowError)."""
    try:
        return json.loads(body.decode("utf-8"), parse_float=_finite, parse_int=_short_int,
                          parse_constant=_no_constant)
    except (UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(type(exc).__name__)


def json_object(body: bytes, spec: tuple = ()) -> dict:
    """The body's JSON object, held to a message spec of benchcore.contract; MessageRejected with
    the reason otherwise."""
    try:
        msg = strict_json(body)
    except ValueError as exc:
        raise MessageRejected(f"body is not protocol JSON ({str(exc)[:60]})")
    try:
        return contract.check(msg, spec)
    except ValueError as exc:
        raise MessageRejected(str(exc))


def sequence_accept(*, bench: Bench, kind: str, msg: dict) -> bool:
    """Replay window for status and telemetry: (boot, n) must rise. Returns False for the same
    message again (a retained copy), raises MessageRejected for an older one. msg has passed
    its contract spec: boot and n are counts."""
    boot, n = msg[contract.boot], msg[contract.n]
    last = (getattr(bench, f"{kind}_boot"), getattr(bench, f"{kind}_n"))
    if (boot, n) == last:
        return False
    if (boot, n) < last:
        raise MessageRejected(f"replayed {kind} ({boot}, {n}) after {last}")
    updated = Bench.objects.filter(pk=bench.pk, **{f"{kind}_boot": last[0], f"{kind}_n": last[1]}).update(
        **{f"{kind}_boot": boot, f"{kind}_n": n})
    if not updated:
        raise MessageRejected(f"{kind} raced with another worker")
    setattr(bench, f"{kind}_boot", boot)  # the next message of the same batch compares with this one
    setattr(bench, f"{kind}_n", n)
    return True


def bench_status_record(*, bench: Bench, msg: dict) -> None:
    """msg: a status message that passed contract.SPECS[contract.status]."""
    state = msg["state"]
    if sequence_accept(bench=bench, kind="status", msg=msg):
        Bench.objects.filter(pk=bench.pk).update(online=state == "online", last_seen=datetime.now(timezone.utc))


def bench_seen(*, bench_id: str) -> None:
    Bench.objects.filter(pk=bench_id).update(last_seen=datetime.now(timezone.utc))


def downlink_sign(*, bench: Bench, leaf: str, msg: dict, key_id: str | None = None) -> bytes:
    """A hub message for a bench, signed with the key the bench holds (key_id, or its current)."""
    keys = bench.verification_keys()
    key_id = key_id if key_id in keys else bench.key_id
    body = messages.encode(msg)
    return signing.sign(topic=contract.topic(bench.id, leaf), body=body, key_id=key_id, key=keys[key_id])


def bench_command(*, bench_id: str, command: str, **args) -> tuple[str, bytes]:
    """Number and sign a command for a bench; returns (topic, payload) to publish (QoS 1)."""
    with transaction.atomic():
        bench = Bench.objects.select_for_update().get(pk=bench_id)
        bench.cmd_n += 1
        msg = messages.cmd_message(n=bench.cmd_n, command=command, **args)
        if command == "rotate_key":
            if bench.next_key:
                raise ValueError(f"bench {bench_id} has not yet used key {bench.next_key_id}")
            number = int(bench.key_id.lstrip("k") or 1) + 1
            msg["key_id"], msg["nonce"] = f"k{number}", secrets.token_hex(16)
            bench.next_key_id = msg["key_id"]
            bench.next_key = signing.derive_key(bytes.fromhex(bench.key), msg["key_id"], msg["nonce"]).hex()
        payload = downlink_sign(bench=bench, leaf="cmd", msg=msg, key_id=bench.key_id)
        bench.save(update_fields=["cmd_n", "next_key_id", "next_key"])
    return contract.topic(bench_id, contract.cmd), payload


def credentials_fingerprint(*, bench: Bench | None) -> str:
    """What a provisioning offer expects the bench's credentials to be when it is confirmed ("" for a
    bench not registered yet): a hash, so the offer never carries the current secrets."""
    if bench is None:
        return ""
    import hashlib

    return hashlib.sha256(f"{bench.mqtt_password_hash}|{bench.key_id}|{bench.key}".encode()).hexdigest()[:32]


def bench_provision(*, bench_id: str, municipality: str, mqtt_password_hash: str, key_id: str, key: str,
                    expected_fingerprint: str, actor=None) -> Bench:
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
        before = {"municipality": bench.municipality, "key_id": bench.key_id} if bench else {}
        fields = {"municipality": municipality, "mqtt_password_hash": mqtt_password_hash, "key_id": key_id,
                  "key": key, "next_key_id": "", "next_key": "", "status_boot": 0, "status_n": 0,
                  "telemetry_boot": 0, "telemetry_n": 0}
        if bench is None:
            bench = Bench.objects.create(id=bench_id, **fields)
        else:
            for name, value in fields.items():
                setattr(bench, name, value)
            bench.save(update_fields=list(fields))
        _audit_provisioning(bench_id=bench_id, actor=actor, before=before,
                            after={"municipality": municipality, "key_id": key_id})
        broker_sync_on_commit()
    log.info("bench %s provisioned (key %s)", bench_id, key_id)
    return bench
