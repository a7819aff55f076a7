"""Retained hub -> bench messages (digest, config): queued in the database, then signed and
published by the `hub downlink` worker. Each publish carries a version one above the last, which
the bench requires, so a replayed old message changes nothing there."""
import logging

from benchcore import contract
from django.db import transaction

from hub_server.fleet import messages
from hub_server.fleet.models import Bench, PendingDownlink
from hub_server.fleet.services import downlink_sign

log = logging.getLogger("hub.downlink")


def downlink_queue(*, bench_ids, kind: str) -> None:
    for bench_id in bench_ids:
        PendingDownlink.objects.update_or_create(bench_id=bench_id, kind=kind)


def on_digest_changed(sender, municipality, bench_ids, **kwargs) -> None:
    downlink_queue(bench_ids=bench_ids, kind=PendingDownlink.Kind.DIGEST)


def bench_settings_set(*, bench_id: str, settings: dict) -> None:
    """Replace a bench's desired settings; the bench gets them as its retained config."""
    problem = messages.settings_problem(settings)
    if problem:
        raise ValueError(f"settings a bench would refuse: {problem}")
    with transaction.atomic():
        Bench.objects.filter(pk=bench_id).update(settings=settings)
        downlink_queue(bench_ids=[bench_id], kind=PendingDownlink.Kind.CONFIG)


def _message(bench: Bench, kind: str) -> dict:
    if kind == PendingDownlink.Kind.DIGEST:
        from hub_server.fleet_health.digest import digest_for_bench

        return messages.digest_message(version=bench.digest_version + 1, digest=digest_for_bench(bench_id=bench.id))
    return messages.config_message(version=bench.config_version + 1, settings=bench.settings)


def downlink_publish_pending(*, publish, limit: int = 100) -> int:
    """Publish queued messages with publish(topic, payload) -> bool (True once the broker has it).
    Returns how many went out; what failed stays queued."""
    sent = 0
    for pending in PendingDownlink.objects.select_related("bench").order_by("queued")[:limit]:
        bench, kind = pending.bench, pending.kind
        msg = _message(bench, kind)
        payload = downlink_sign(bench=bench, leaf=kind, msg=msg)
        if not publish(contract.topic(bench.id, kind), payload):
            log.warning("broker did not take the %s for %s; will retry", kind, bench.id)
            break
        with transaction.atomic():
            Bench.objects.filter(pk=bench.pk).update(**{f"{kind}_version": msg["version"]})
            PendingDownlink.objects.filter(pk=pending.pk, queued=pending.queued).delete()
        sent += 1
        log.info("published %s version %d to %s", kind, msg["version"], bench.id)
    return sent
