"""The MQTT ingest worker: a thin adapter from the broker to the hub's services.

Order for every proposal: verify the bench's signature -> store (commit) -> publish the signed
ack -> release the broker's PUBACK (paho manual_ack). A crash before the commit loses nothing:
the bench still holds the proposal and the broker redelivers; after it, nothing is stored twice.

Proposals are stored in batches: paho's network thread only queues each message; the worker's
thread takes what has arrived (up to BATCH_MAX), verifies every message outside the transaction,
stores the proposals in ONE transaction with one multi-row INSERT per table (should one fail, or be
anything but new or a copy, the batch is redone with a savepoint each, so it loses none of the
others), commits, and only then publishes the bench acks and releases the broker's PUBACKs. One
commit per batch instead of one per proposal is most of the gain (docs/scaling.md). Status and
telemetry messages keep their own transaction each (their services commit before returning).
"""
import logging
import queue
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from benchcore import contract
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connection, transaction

from hub_server.fleet.messages import ack_message
from hub_server.fleet.models import Bench
from hub_server.fleet.services import (MessageRejected, bench_seen, bench_status_record, dead_letter_keep,
                                       downlink_sign, json_object, message_verify, rejection_count,
                                       sequence_accept)
from hub_server.mqtt import MAX_PAYLOAD, UPLINK_LEAVES, hub_client, topic_filter, topic_parts
from hub_server.proposals.services import ProposalRejected, proposal_parse, proposal_store, proposals_store

log = logging.getLogger("hub.ingest")
SUBSCRIPTIONS = tuple(topic_filter(leaf) for leaf in UPLINK_LEAVES)
# A message that fails this often for a reason other than the database being unreachable will
# fail again: it is dead-lettered and acknowledged instead of blocking the broker's queue.
MAX_ATTEMPTS = 3
# The database is away or busy: the message stays unacknowledged and comes again.
TRANSIENT = (OperationalError, InterfaceError)
SEEN_EVERY_S = 10.0
# A batch is what has arrived, up to BATCH_MAX messages; the worker waits at most BATCH_WAIT_S for more
# once one is there. The broker hands the worker at most its max_inflight_messages (20, broker.py)
# unacknowledged messages at a time, which bounds a batch in practice.
BATCH_MAX = 64
BATCH_WAIT_S = 0.002


def _line(text, limit=200) -> str:
    """One bounded log line of anything a bench sent: no newlines, no control characters."""
    return repr(str(text)[:limit])[1:-1]


# What verifying, sequencing and answering a bench's message reads: its keys and its replay windows.
MESSAGE_FIELDS = ("id", "key_id", "key", "next_key_id", "next_key", "status_boot", "status_n", "telemetry_boot",
                  "telemetry_n")


def bench_for_message(bench_id: str) -> Bench | None:
    """The bench, read afresh for every message (a revoked key or a removed bench counts at once)."""
    return benches_for_messages([bench_id]).get(bench_id)


def benches_for_messages(bench_ids) -> dict[str, Bench]:
    """The benches of a batch of messages, read afresh for every batch, in one plain SELECT: compiling
    Bench.objects.filter(pk=...).first() took as long as storing the proposal (profiled in
    docs/scaling.md). Other fields load on first use, as deferred fields do."""
    bench_ids = list(dict.fromkeys(bench_ids))
    quote = connection.ops.quote_name
    columns = ", ".join(quote(Bench._meta.get_field(name).column) for name in MESSAGE_FIELDS)
    marks = ", ".join(["%s"] * len(bench_ids))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {quote(Bench._meta.db_table)} WHERE {quote('id')} IN ({marks})",
                       bench_ids)
        rows = cursor.fetchall()
    return {row[0]: Bench.from_db(connection.alias, MESSAGE_FIELDS, row) for row in rows}


def _telemetry_sink():
    """The fleet-health app records telemetry where it is installed."""
    from django.apps import apps

    if not apps.is_installed("hub_server.fleet_health"):
        return None
    from hub_server.fleet_health.services import telemetry_store

    return telemetry_store  # inside the worker's transaction


def _release_sink():
    """The releases app keeps each bench's update state from the same telemetry (docs/updates.md)."""
    from django.apps import apps

    if not apps.is_installed("hub_server.releases"):
        return None
    from hub_server.releases.services import bench_update_report

    return bench_update_report


@dataclass(eq=False)
class Verified:
    """A message whose bench and signature checked out, on its way to the database."""
    msg: object
    bench: Bench
    leaf: str
    body: bytes
    key_id: str
    record: bytes = b""  # a proposal's record line and its meta
    meta: dict | None = None
    parsed: tuple | None = None  # a proposal's record, read once: proposal_parse's (fields, raw)
    number: int | None = None  # the connection it came on (IngestWorker._ackable)
    data: dict | None = None  # a telemetry message's JSON, held to its contract spec
    proposal_id: str | None = None  # set once stored


class IngestWorker:
    def __init__(self, *, host, port, role="ingest", shared=False):
        self.counters = {"stored": 0, "duplicates": 0, "rejected": 0, "db_errors": 0, "dead_letters": 0}
        self._shared = shared
        self._telemetry_record = _telemetry_sink()
        self._release_report = _release_sink()
        # Alone, the session is persistent: what arrives while the worker restarts waits for it. Sharing,
        # it is clean: Mosquitto keeps handing a dead worker's persistent session its share of the
        # messages (eclipse-mosquitto#1747), so half the proposals would wait out every bench resend.
        # Nothing is lost either way: a bench keeps each proposal until the hub's ack names it.
        self.client = hub_client(role, persistent=not shared, manual_ack=True, read_ahead=True)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_disconnect = self._on_disconnect
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()  # (connection number, message), from paho's thread
        self._connection = 0  # counts connections: a message is acknowledged on the one it came on
        self._reconnect = threading.Event()
        self.host, self.port = host, port
        self._last_seen_written: dict[str, float] = {}  # bench id -> monotonic time of the last write

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            log.error("broker refused the connection: %s", reason_code)
            return
        # Several workers share the proposal subscription at scale (see ARCHITECTURE.md).
        topics = [(f"$share/hub/{t}" if self._shared else t, 1) for t in SUBSCRIPTIONS]
        client.subscribe(topics)
        log.info("connected to %s:%s, listening for benches", self.host, self.port)

    def _seen(self, bench_id):
        """Bench.last_seen, written at most every SEEN_EVERY_S per bench: a bench emptying its outbox
        sends dozens of proposals a minute, and the offline alert only needs minutes."""
        if self._seen_due([bench_id]):
            bench_seen(bench_id=bench_id)
            self._seen_written([bench_id])

    def _seen_due(self, bench_ids) -> list:
        """The benches whose last_seen is due; _seen_written once the write is committed."""
        now, written = time.monotonic(), self._last_seen_written
        return [b for b in dict.fromkeys(bench_ids) if now - written.get(b, -SEEN_EVERY_S) >= SEEN_EVERY_S]

    def _seen_written(self, bench_ids):
        now = time.monotonic()
        for bench_id in bench_ids:
            self._last_seen_written[bench_id] = now

    def _reject(self, bench_id, leaf, reason):
        self.counters["rejected"] += 1
        log.warning("rejected %s from %s: %s", _line(leaf, 16), _line(bench_id, 40), _line(reason))
        rejection_count(bench_id=bench_id, topic=leaf, reason=reason)

    def _on_message(self, client, userdata, msg):
        # paho's network thread: only queue it (with the connection it came on: see _ackable).
        self._inbox.put((self._connection, msg))

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        # What was received on this connection is not acknowledged any more: the broker sends it
        # again; a PUBACK with its packet id on the next connection would release another message.
        self._connection += 1

    def _ackable(self, connection_number):
        return connection_number == self._connection

    # -- batches ---------------------------------------------------------------------------------
    def _next_batch(self, timeout=1.0) -> list:
        """What has arrived: at least one message (or none after timeout), at most BATCH_MAX."""
        try:
            batch = [self._inbox.get(timeout=timeout)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + BATCH_WAIT_S
        while len(batch) < BATCH_MAX:
            try:
                batch.append(self._inbox.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                break
        return batch

    def handle_batch(self, client, batch) -> None:
        """batch: (connection number, paho message) pairs. Proposals: one transaction, acks after its
        commit; anything else (and a proposal that failed in the batch) one by one, as before."""
        batch = [(number, msg) for number, msg in batch if self._ackable(number)]  # the rest comes again
        proposals, telemetry, others = [], [], []
        for number, msg in batch:
            bench_id, leaf = topic_parts(msg.topic) or ("?", "?")
            kind = proposals if leaf == contract.proposal else telemetry if leaf == contract.telemetry else others
            kind.append((number, msg, bench_id, leaf))
        try:
            close_old_connections()
            done, retry = self._store_proposals(client, proposals)
        except TRANSIENT as exc:
            self._database_away(client, exc)
            return
        self._release(client, done)
        try:
            done, failed = self._store_telemetry(telemetry)
        except TRANSIENT as exc:
            self._database_away(client, exc)
            return
        self._release(client, done)
        retry += failed
        for number, msg, bench_id, leaf, first_attempt in retry + [(*o, 1) for o in others]:
            if not self._ackable(number):
                continue  # the connection dropped meanwhile: the broker sends it again
            try:
                self._process(client, msg, bench_id, leaf, first_attempt)
            except TRANSIENT as exc:
                self._database_away(client, exc)
                return
            # Stored, refused or dead-lettered: either way the broker must not redeliver it.
            self._release(client, [(number, msg, None)])

    def _verify_batch(self, items):
        """Verify a batch's messages outside any transaction, their benches read in one SELECT. Returns
        (done: refused ones, released without storing; retry: failures for the one-by-one path with its
        attempts; verified: Verified items, each knowing its connection number)."""
        done, retry, verified = [], [], []
        benches = benches_for_messages([bench_id for _, _, bench_id, _ in items]) if items else {}
        for number, msg, bench_id, leaf in items:
            try:
                item = self._verify(msg, bench_id, leaf, bench=benches.get(bench_id))
            except (MessageRejected, ProposalRejected) as exc:
                self._reject(bench_id, leaf, str(exc))
                done.append((number, msg, None))
                continue
            except TRANSIENT:
                raise
            except Exception:  # noqa: BLE001 - retried alone, where it is counted and dead-lettered
                retry.append((number, msg, bench_id, leaf, 1))
                continue
            item.number = number
            verified.append(item)
        return done, retry, verified

    def _store_proposals(self, client, items):
        """Verify every proposal, store the verified ones in one transaction, commit. Returns
        (done: (number, msg, Verified or None) to release after the commit, retry: items that failed
        for another reason than the database being away, for the one-by-one path with its attempts)."""
        done, retry, verified = self._verify_batch(items)
        if not verified:
            return done, retry
        try:
            # Almost always every proposal goes in: no savepoints, one multi-row INSERT per table.
            stored, failed = self._store_batch(verified, isolate=False)
        except TRANSIENT:
            raise
        except Exception:  # noqa: BLE001 - one of them failed: all rolled back, again each in a savepoint
            try:
                stored, failed = self._store_batch(verified, isolate=True)
            except TRANSIENT:
                raise
            except Exception:  # noqa: BLE001 - the commit itself failed (a deferred foreign key: a bench
                # removed meanwhile): each alone, where a lasting failure is counted and dead-lettered
                return done, retry + [(item.number, item.msg, item.bench.pk, contract.proposal, 1)
                                      for item in verified]
        for item, exc in failed:
            if isinstance(exc, ProposalRejected):
                self._reject(item.bench.pk, contract.proposal, str(exc))
                done.append((item.number, item.msg, None))
            else:
                self._attempt_failed(item.bench.pk, contract.proposal, 1, exc)
                retry.append((item.number, item.msg, item.bench.pk, contract.proposal, 2))
        for item, created in stored:
            self.counters["stored" if created else "duplicates"] += 1
            done.append((item.number, item.msg, item))
        self._stored_log(stored)
        return done, retry

    def _store_telemetry(self, items):
        """The batch's telemetry in one durable transaction, each reading in a savepoint (a reading that
        fails takes only itself back and goes the one-by-one way with its attempts). 10,000 benches
        send 167 readings a second at a one-minute cadence: one commit each was what limited the hub
        (docs/scaling.md). Returns (done, retry) as _store_proposals."""
        done, retry, verified = self._verify_batch(items)
        if not verified:
            return done, retry
        rejected, failed, accepted = [], [], []
        received = datetime.now(timezone.utc)
        with transaction.atomic(durable=True):
            for item in verified:
                window = (item.bench.telemetry_boot, item.bench.telemetry_n)
                try:
                    with transaction.atomic():
                        if self._record_telemetry(item, received):
                            accepted.append(item.bench.pk)
                except TRANSIENT:
                    raise
                except Exception as exc:  # noqa: BLE001 - rolled back to its savepoint, and so is its window
                    item.bench.telemetry_boot, item.bench.telemetry_n = window
                    if isinstance(exc, MessageRejected):
                        rejected.append((item, str(exc)))
                    else:  # a bug or a value no column takes: alone, with its attempts
                        failed.append(item)
            seen = self._seen_due(accepted)
            if seen:
                Bench.objects.filter(pk__in=seen).update(last_seen=received)
        self._seen_written(seen)
        for item, reason in rejected:
            self._reject(item.bench.pk, contract.telemetry, reason)
        done += [(item.number, item.msg, None) for item in verified if item not in failed]
        retry += [(item.number, item.msg, item.bench.pk, contract.telemetry, 1) for item in failed]
        return done, retry

    def _record_telemetry(self, item, received) -> bool:
        """A verified reading, inside the caller's transaction; False for the same reading again."""
        if not sequence_accept(bench=item.bench, kind="telemetry", msg=item.data):
            return False
        if self._telemetry_record:
            self._telemetry_record(bench_id=item.bench.pk, data=item.data, received=received)
        if self._release_report:
            self._release_report(bench_id=item.bench.pk, data=item.data, received=received)
        return True

    def _store_batch(self, verified, *, isolate):
        """One durable transaction for the batch; returns (stored: (item, created), failed: (item,
        exception)) once it has committed. isolate: each proposal in a savepoint, so one that fails
        takes only itself back; without, the first failure raises and nothing is kept."""
        stored, failed = [], []
        with transaction.atomic(durable=True):
            if not isolate:
                stored = list(zip(verified, self._store_many(verified)))
            else:
                for item in verified:
                    try:
                        with transaction.atomic():
                            stored.append((item, self._store(item)))
                    except TRANSIENT:
                        raise
                    except Exception as exc:  # noqa: BLE001 - a refusal, a bug or a value no column takes
                        failed.append((item, exc))
            seen = self._seen_due(item.bench.pk for item, _ in stored)
            if seen:
                Bench.objects.filter(pk__in=seen).update(last_seen=datetime.now(timezone.utc))
        self._seen_written(seen)
        return stored, failed

    def _release(self, client, done):
        """After the commit: the signed ack to each bench, then the broker's PUBACK (in that order,
        as before batching: a worker dying between the two costs a redelivery, never a proposal)."""
        now = int(time.time())
        for number, msg, item in done:
            if item is not None:
                ack = ack_message(ids=[item.proposal_id], now=now, boot=item.meta.get(contract.boot))
                client.publish(contract.topic(item.bench.pk, contract.ack),
                               downlink_sign(bench=item.bench, leaf=contract.ack, msg=ack, key_id=item.key_id), qos=1)
            if self._ackable(number):
                client.ack(msg.mid, msg.qos)

    def _database_away(self, client, exc):
        self.counters["db_errors"] += 1
        log.error("database unavailable (%s); the message stays unacknowledged and will come again", _line(exc))
        client.disconnect()  # the broker redelivers unacknowledged messages on reconnect
        self._reconnect.set()

    def _attempt_failed(self, bench_id, leaf, attempt, exc):
        reason = f"{type(exc).__name__}: {exc}"
        log.warning("%s from %s failed (attempt %d of %d): %s", _line(leaf, 16), _line(bench_id, 40),
                    attempt, MAX_ATTEMPTS, _line(reason))
        if isinstance(exc, DatabaseError):
            close_old_connections()
        return reason

    # -- one message at a time -------------------------------------------------------------------
    def _process(self, client, msg, bench_id, leaf, first_attempt=1):
        reason = "failed in its batch"
        for attempt in range(first_attempt, MAX_ATTEMPTS + 1):
            close_old_connections()
            try:
                self._handle(client, msg, bench_id, leaf)
                return
            except (MessageRejected, ProposalRejected) as exc:
                self._reject(bench_id, leaf, str(exc))
                return
            except TRANSIENT:
                raise
            except Exception as exc:  # noqa: BLE001 - a bug or a value no column takes
                reason = self._attempt_failed(bench_id, leaf, attempt, exc)
        self.counters["dead_letters"] += 1
        dead_letter_keep(bench_id=bench_id, topic=leaf, payload=msg.payload, reason=reason, attempts=MAX_ATTEMPTS)
        log.error("dead-lettered %s from %s: %s", _line(leaf, 16), _line(bench_id, 40), _line(reason))

    def _verify(self, msg, bench_id, leaf, bench=None) -> "Verified":
        """Everything before the transaction: size, topic, the bench (read afresh for the message or its
        batch), its signature, the JSON (a proposal's record too, read once here and passed along).
        MessageRejected or ProposalRejected for a message that must not be stored (a rotated key's first
        use is recorded, as it always was, outside the proposal's transaction)."""
        if len(msg.payload) > MAX_PAYLOAD:
            raise MessageRejected("payload too large")
        if leaf not in UPLINK_LEAVES:
            raise MessageRejected("not a bench topic")
        bench = bench or bench_for_message(bench_id)
        if bench is None:
            raise MessageRejected("unknown bench")
        body, key_id = message_verify(bench=bench, topic=msg.topic, payload=msg.payload)
        verified = Verified(msg=msg, bench=bench, leaf=leaf, body=body, key_id=key_id)
        if leaf == contract.proposal:
            record, _, meta_line = body.partition(b"\n")
            verified.record, verified.meta = record, json_object(meta_line, contract.SPECS["meta"])
            verified.parsed = proposal_parse(bench_id=bench.pk, record=record)
        elif leaf == contract.telemetry:
            verified.data = json_object(body, contract.SPECS[contract.telemetry])
        return verified

    @staticmethod
    def _store_many(items) -> list[bool]:
        """The batch's verified proposals in one multi-row INSERT per table, inside the caller's
        transaction; created for each. Raises (BatchNeedsSavepoints or a database error) for the caller
        to roll back and store them again one by one, each in a savepoint."""
        outcome = proposals_store([(item.bench, item.parsed, item.meta) for item in items])
        for item, (proposal_id, _) in zip(items, outcome):
            item.proposal_id = proposal_id
        return [created for _, created in outcome]

    def _store(self, item: "Verified") -> bool:
        """A verified proposal, inside the caller's transaction; True when it is new."""
        proposal, created = proposal_store(bench_id=item.bench.pk, record=item.record, meta=item.meta, bench=item.bench)
        item.proposal_id = proposal.id
        return created

    @staticmethod
    def _stored_log(stored):
        """stored: (Verified, created). One line for the batch's new proposals and one for its copies
        (a line each cost about a sixth of storing a proposal: docs/scaling.md), each naming every id
        and bench. After the commit, so the lines are true; the system tests look for "stored proposal"."""
        for created, verb in ((True, "stored"), (False, "already had")):
            named = [f"{item.proposal_id} from {item.bench.pk}" for item, new in stored if new is created]
            if named:
                log.info("%s proposal%s %s", verb, "s" if len(named) > 1 else "", ", ".join(named))

    def _handle(self, client, msg, bench_id, leaf):
        item = self._verify(msg, bench_id, leaf)
        bench = item.bench
        if leaf == contract.proposal:
            with transaction.atomic(durable=True):
                created = self._store(item)
            self.counters["stored" if created else "duplicates"] += 1
            self._stored_log([(item, created)])
            self._seen(bench_id)
            # Committed (durable): only now may the bench forget it.
            self._release(client, [(None, msg, item)])
        elif leaf == contract.status:
            bench_status_record(bench=bench, msg=json_object(item.body, contract.SPECS[contract.status]))
        elif leaf == contract.telemetry:
            with transaction.atomic(durable=True):
                accepted = self._record_telemetry(item, datetime.now(timezone.utc))
            if accepted:
                self._seen(bench_id)

    def run_forever(self):
        while True:
            try:
                self.client.connect(self.host, self.port, keepalive=30)
            except OSError as exc:
                log.warning("broker %s:%s unreachable (%s); retrying", self.host, self.port, exc)
                time.sleep(1)
                continue
            # paho's own thread reads and writes the socket (and reconnects after a dropped
            # connection); this one stores. It stops after a deliberate disconnect (the database
            # is away): connect again, so the broker redelivers what was not acknowledged.
            self._reconnect.clear()
            self.client.loop_start()
            while not self._reconnect.is_set():
                batch = self._next_batch()
                if batch:
                    self.handle_batch(self.client, batch)
            self.client.loop_stop()
            time.sleep(1)
