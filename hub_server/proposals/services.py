"""Writes that change proposals. The ingest worker and the web both go through here."""
import json
import logging
import string
from datetime import datetime, timezone

from django.db import transaction
from django.db.models import F, Q

from hub_server.fleet.models import Bench
from hub_server.proposals.models import ErasedProposal, Proposal

log = logging.getLogger("hub.proposals")
_HEX = set(string.hexdigits.lower())
_TEXT_LIMITS = {"title": 120, "body": 2000, "name": 80, "contact": 120, "lang": 10}


class ProposalRejected(ValueError):
    """A message that will never be stored; reason says why, for the log and the counters."""


def _text(msg, key, required):
    value = msg.get(key, "")
    if not isinstance(value, str):
        raise ProposalRejected(f"field {key!r} is not text")
    if required and not value.strip():
        raise ProposalRejected(f"field {key!r} is empty")
    if len(value) > _TEXT_LIMITS[key]:
        raise ProposalRejected(f"field {key!r} is longer than {_TEXT_LIMITS[key]} characters")
    return value


def parse_proposal_message(*, bench_id: str, payload: bytes) -> dict:
    try:
        msg = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ProposalRejected("payload is not UTF-8 JSON")
    if not isinstance(msg, dict):
        raise ProposalRejected("payload is not a JSON object")
    if msg.get("v") != 1:
        raise ProposalRejected(f"unsupported protocol version {msg.get('v')!r}")
    pid = msg.get("id")
    if not isinstance(pid, str) or len(pid) != 16 or not set(pid) <= _HEX:
        raise ProposalRejected("id is not 16 lowercase hex digits")
    if msg.get("bench") != bench_id:
        raise ProposalRejected("bench in payload does not match the topic")
    category = msg.get("category")
    if category not in Proposal.Category.values:
        raise ProposalRejected(f"unknown category {category!r}")
    created = msg.get("created")
    if created is not None and (not isinstance(created, int) or isinstance(created, bool) or created < 0):
        raise ProposalRejected("created is not unix seconds")
    consent = msg.get("consent") is True
    receipt = msg.get("receipt")
    if not isinstance(receipt, str) or len(receipt) != 9:
        raise ProposalRejected("receipt is malformed")
    return {
        "id": pid,
        "receipt": receipt,
        "title": _text(msg, "title", True),
        "body": _text(msg, "body", True),
        "category": category,
        "lang": _text(msg, "lang", False) or "bs",
        # Without consent the bench sends none; if one ever arrives, it is not kept.
        "name": _text(msg, "name", False) if consent else "",
        "contact": _text(msg, "contact", False) if consent else "",
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


def proposal_receive(*, bench_id: str, record: bytes, meta: dict | None = None) -> tuple[Proposal, bool]:
    """Store a bench's proposal once; returns (proposal, created). Commits before returning.

    record is the proposal's JSON line as the bench stored it; meta what the bench knew when it
    sent it (boot, up, now), used to date proposals made before the bench's clock was set.
    """
    from hub_server.fleet.models import Delivery

    fields = parse_proposal_message(bench_id=bench_id, payload=record)
    raw = json.loads(record)
    boot, n = raw.get("boot", 0), raw.get("n", 0)
    if not isinstance(boot, int) or not isinstance(n, int) or boot < 0 or n < 0:
        raise ProposalRejected("boot and n must be counts")
    now = datetime.now(timezone.utc)
    created_at, dated_by = _dating(raw, meta or {}, now)
    fields["created"] = created_at
    with transaction.atomic():
        bench = Bench.objects.filter(pk=bench_id).first()
        if bench is None:
            raise ProposalRejected(f"unknown bench {bench_id!r}")
        pid = fields.pop("id")
        erased = ErasedProposal.objects.filter(pk=pid).first()
        if erased is not None:
            if erased.bench_id != bench_id:
                raise ProposalRejected(f"proposal id {pid} belongs to another bench")
            # Erased (retention or the citizen's request): acknowledged so the bench forgets it, not stored again.
            Delivery.objects.filter(pk=pid).update(copies=F("copies") + 1)
            log.info("proposal %s of %s was erased; acknowledged without storing", pid, bench_id)
            return Proposal(id=pid, bench_id=bench_id), False
        proposal, created = Proposal.objects.get_or_create(id=pid, defaults={"bench": bench, **fields})
        if not created:
            if proposal.bench_id != bench_id:
                raise ProposalRejected(f"proposal id {pid} belongs to another bench")
            Delivery.objects.filter(pk=pid).update(copies=F("copies") + 1)
        else:
            later = Delivery.objects.filter(bench=bench).filter(
                Q(boot__gt=boot) | Q(boot=boot, n__gt=n)).exists()
            Delivery.objects.create(proposal_id=pid, bench=bench, boot=boot, n=n, out_of_order=later,
                                    dated_by=dated_by)
            if later:
                log.warning("proposal %s of %s arrived after a later one (boot %d, n %d)", pid, bench_id, boot, n)
    return proposal, created
