"""Writes that change proposals. The ingest worker and the web both go through here."""
import logging
from datetime import datetime, timezone

from benchcore import contract
from django.db import transaction
from django.db.models import Exists, F, OuterRef

from hub_server.fleet.models import Bench
from hub_server.proposals.models import ErasedProposal, Proposal

log = logging.getLogger("hub.proposals")
FUTURE_SLACK_S = 86400  # a bench clock may run ahead of the hub's by this much, no more


class ProposalRejected(ValueError):
    """A message that will never be stored; reason says why, for the log and the counters."""


def parse_proposal_message(*, bench_id: str, payload: bytes, now: datetime | None = None) -> dict:
    """The fields of a proposal's record, held to benchcore.contract.SPECS[contract.proposal]; ProposalRejected
    naming the first thing wrong. Name and contact come sealed (benchcore.seal) or, from benches
    older than sealing, in clear; either way they are kept only with consent."""
    return proposal_parse(bench_id=bench_id, record=payload, now=now)[0]


def proposal_parse(*, bench_id: str, record: bytes, now: datetime | None = None) -> tuple[dict, dict]:
    """(fields, raw): parse_proposal_message's fields and the record's JSON object as sent (its boot, n
    and uptime date it), from ONE reading of the record; ProposalRejected as parse_proposal_message."""
    from hub_server.fleet.services import strict_json

    try:
        msg = strict_json(record)
    except ValueError as exc:
        raise ProposalRejected(f"payload is not protocol JSON ({str(exc)[:60]})")
    return _proposal_fields(bench_id, msg, now), msg


def _proposal_fields(bench_id: str, msg, now: datetime | None) -> dict:
    try:
        contract.check(msg, contract.SPECS[contract.proposal])
    except ValueError as exc:
        raise ProposalRejected(str(exc))
    if msg["bench"] != bench_id:
        raise ProposalRejected("bench in payload does not match the topic")
    for key in ("title", "body"):
        if not msg[key].strip():
            raise ProposalRejected(f"field {key!r} is empty")
    now = now or datetime.now(timezone.utc)
    created = msg.get("created")
    if created is not None and created > now.timestamp() + FUTURE_SLACK_S:
        raise ProposalRejected("created is in the future")
    consent = msg.get("consent") is True
    name, contact = msg.get("name", ""), msg.get("contact", "")
    if consent and msg.get(contract.sealed):
        from hub_server.fleet.seal import SealError, unseal_contact

        try:
            name, contact = unseal_contact(msg[contract.sealed])
        except SealError as exc:
            # The idea still counts (refusing it would have the bench resend it forever); only the
            # details nobody can read are lost.
            log.warning("proposal %s of %s: sealed contact details unreadable (%s); stored without them",
                        msg["id"], bench_id, exc)
    return {
        "id": msg["id"],
        "receipt": msg["receipt"],
        "title": msg["title"],
        "body": msg["body"],
        "category": msg["category"],
        "lang": msg.get("lang") or "bs",
        # Without consent the bench sends none; if one ever arrives, it is not kept.
        "name": name if consent else "",
        "contact": contact if consent else "",
        "consent": consent,
        "created": datetime.fromtimestamp(created, tz=timezone.utc) if created is not None else None,
    }


def _dating(record: dict, meta: dict, now: datetime) -> tuple[datetime | None, str]:
    """When the citizen submitted: the bench clock if it was set, else from the bench's uptime."""
    if record.get("created") is not None:
        return datetime.fromtimestamp(record["created"], tz=timezone.utc), "bench"
    up, made_at = meta.get("up"), record.get("uptime")
    if not isinstance(up, int) or not isinstance(made_at, int) or meta.get("boot") != record.get("boot"):
        return None, "arrival"  # sent after a reboot: only the arrival time is known
    if isinstance(meta.get("now"), int):
        return datetime.fromtimestamp(meta["now"] - (up - made_at), tz=timezone.utc), "bench-later"
    return datetime.fromtimestamp(now.timestamp() - (up - made_at), tz=timezone.utc), "hub-uptime"


def proposal_receive(*, bench_id: str, record: bytes, meta: dict | None = None,
                     bench: Bench | None = None) -> tuple[Proposal, bool]:
    """Store a bench's proposal once; returns (proposal, created). Commits before returning.

    record is the proposal's JSON line as the bench stored it; meta what the bench knew when it
    sent it (boot, up, now), used to date proposals made before the bench's clock was set. bench:
    the Bench the caller has just verified the message with (saves looking it up again; the
    foreign key still refuses a bench removed meanwhile). A new proposal takes two statements
    (proposals.store); a copy or an erased idea's id a few more.
    """
    # durable: the caller acknowledges to the bench after this returns, so this must be the
    # outermost transaction (an enclosing one could still roll the proposal back).
    with transaction.atomic(durable=True):
        return proposal_store(bench_id=bench_id, record=record, meta=meta, bench=bench)


def proposal_store(*, bench_id: str, record: bytes, meta: dict | None = None,
                   bench: Bench | None = None) -> tuple[Proposal, bool]:
    """proposal_receive's work inside a transaction the caller opened and commits: the ingest stores
    a batch of proposals in one transaction (a savepoint each) and acks them only after its commit.
    Raises ProposalRejected (the caller rolls back to its savepoint: the erased path writes first)."""
    from hub_server.fleet.models import Delivery
    from hub_server.proposals.store import delivery_insert, proposal_insert

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("proposal_store writes in the caller's transaction: call proposal_receive")
    now = datetime.now(timezone.utc)
    fields, raw = proposal_parse(bench_id=bench_id, record=record, now=now)
    boot, n = raw.get("boot", 0), raw.get("n", 0)
    created_at, dated_by = _dating(raw, meta or {}, now)
    fields["created"] = created_at
    if bench is None or bench.pk != bench_id:
        bench = Bench.objects.filter(pk=bench_id).first()
    if bench is None:
        raise ProposalRejected(f"unknown bench {bench_id!r}")
    pid = fields.pop("id")
    proposal = Proposal(id=pid, bench=bench, **fields)
    outcome = proposal_insert(proposal)
    if outcome == "new":
        if delivery_insert(Delivery(proposal_id=pid, bench=bench, boot=boot, n=n, dated_by=dated_by)):
            log.warning("proposal %s of %s arrived after a later one (boot %d, n %d)", pid, bench_id, boot, n)
        return proposal, True
    if outcome == "erased":
        Proposal.objects.filter(pk=pid).delete()
    erased = ErasedProposal.objects.filter(pk=pid).first()
    if erased is not None:
        if erased.bench_id != bench_id:
            raise ProposalRejected(f"proposal id {pid} belongs to another bench")
        # Erased (retention or the citizen's request): acknowledged so the bench forgets it, not stored again.
        Delivery.objects.filter(pk=pid).update(copies=F("copies") + 1)
        log.info("proposal %s of %s was erased; acknowledged without storing", pid, bench_id)
        return Proposal(id=pid, bench_id=bench_id), False
    proposal = Proposal.objects.get(pk=pid)
    if proposal.bench_id != bench_id:
        raise ProposalRejected(f"proposal id {pid} belongs to another bench")
    Delivery.objects.filter(pk=pid).update(copies=F("copies") + 1)
    return proposal, False


class BatchNeedsSavepoints(Exception):
    """proposals_store met something it leaves to proposal_store (a refusal, an erased idea's id, an id
    of another bench): the caller rolls back and stores the batch again one by one, each in a savepoint."""


def proposals_store(items, now: datetime | None = None) -> list[tuple[str, bool]]:
    """proposal_store for a batch, in arrival order, with one multi-row INSERT per table instead of two
    statements a proposal: items are (bench, parsed, meta) the caller has verified, parsed being
    proposal_parse's (fields, raw) of the record (read once, outside the transaction); returns (id,
    created) for each, as proposal_store one after the other would have. Inside the caller's transaction.

    Only the usual cases are done here: new proposals and copies of the same bench's (stored before, or
    earlier in the batch; a copy counts in its delivery's copies). Anything else raises
    BatchNeedsSavepoints before the caller commits, so refusals and erased ids keep their one path.
    The rows go to the database as values (proposals.store.insert_values), without model instances."""
    from hub_server.fleet.models import Delivery
    from hub_server.proposals.store import deliveries_insert, proposals_insert

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("proposals_store writes in the caller's transaction")
    now = now or datetime.now(timezone.utc)
    ids, first, proposals, deliveries = [], {}, [], []
    for bench, (fields, raw), meta in items:
        pid = fields["id"]
        ids.append(pid)
        if pid in first:  # the same id twice in one batch: the later one is a copy, if the same bench's
            if first[pid] != bench.pk:
                raise BatchNeedsSavepoints(f"proposal id {pid} sent by two benches")
            continue
        first[pid] = bench.pk
        row = dict(fields, bench_id=bench.pk)
        row["created"], dated_by = _dating(raw, meta or {}, now)
        proposals.append(row)
        deliveries.append({"proposal_id": pid, "bench_id": bench.pk, "boot": raw.get("boot", 0),
                           "n": raw.get("n", 0), "dated_by": dated_by})
    inserted = proposals_insert(proposals, now)
    if any(inserted.values()):
        raise BatchNeedsSavepoints("an erased idea's id")
    taken = [pid for pid in first if pid not in inserted]
    if taken:  # copies of proposals stored before: the same bench's, and not erased, or proposal_store decides
        erased = Exists(ErasedProposal.objects.filter(pk=OuterRef("pk")))
        for pid, bench_id, was_erased in (Proposal.objects.filter(pk__in=taken).annotate(erased=erased)
                                          .values_list("pk", "bench_id", "erased")):
            if was_erased or bench_id != first[pid]:
                raise BatchNeedsSavepoints(f"proposal id {pid} erased or another bench's")
    # "Did a later one of the bench come first?": the database answers for what it held before the
    # batch; the batch's own earlier new proposals are compared here.
    latest, earlier_later = {}, set()
    new = [d for d in deliveries if d["proposal_id"] in inserted]
    for d in new:
        key = (d["boot"], d["n"])
        if latest.get(d["bench_id"], (-1, -1)) > key:
            earlier_later.add(d["proposal_id"])
        latest[d["bench_id"]] = max(latest.get(d["bench_id"], (-1, -1)), key)
    late = deliveries_insert(new, earlier_later, now)
    for d in new:
        if d["proposal_id"] in late:
            log.warning("proposal %s of %s arrived after a later one (boot %d, n %d)", d["proposal_id"],
                        d["bench_id"], d["boot"], d["n"])
    # Copies: every occurrence of a taken id, every one after the first of an inserted id.
    outcome, answered, copies = [], set(), {}
    for pid in ids:
        created = pid in inserted and pid not in answered
        answered.add(pid)
        outcome.append((pid, created))
        if not created:
            copies[pid] = copies.get(pid, 0) + 1
    for count in set(copies.values()):
        Delivery.objects.filter(pk__in=[pid for pid, c in copies.items() if c == count]).update(
            copies=F("copies") + count)
    return outcome
