"""The MQTT ingest worker: a thin adapter from the broker to the hub's services.

Order for every proposal: verify the bench's signature -> store (commit) -> publish the signed
ack -> release the broker's PUBACK (paho manual_ack). A crash before the commit loses nothing:
the bench still holds the proposal and the broker redelivers; after it, nothing is stored twice.
"""
import logging
import time
from datetime import datetime, timezone

from benchcore import contract
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connection

from hub_server.fleet.messages import ack_message
from hub_server.fleet.models import Bench
from hub_server.fleet.services import (MessageRejected, bench_seen, bench_status_record, dead_letter_keep,
                                       downlink_sign, json_object, message_verify, rejection_count,
                                       sequence_accept)
from hub_server.mqtt import MAX_PAYLOAD, UPLINK_LEAVES, hub_client, topic_filter, topic_parts
from hub_server.proposals.services import ProposalRejected, proposal_receive

log = logging.getLogger("hub.ingest")
SUBSCRIPTIONS = tuple(topic_filter(leaf) for leaf in UPLINK_LEAVES)
# A message that fails this often for a reason other than the database being unreachable will
# fail again: it is dead-lettered and acknowledged instead of blocking the broker's queue.
MAX_ATTEMPTS = 3
# The database is away or busy: the message stays unacknowledged and comes again.
TRANSIENT = (OperationalError, InterfaceError)
SEEN_EVERY_S = 10.0


def _line(text, limit=200) -> str:
    """One bounded log line of anything a bench sent: no newlines, no control characters."""
    return repr(str(text)[:limit])[1:-1]


# What verifying, sequencing and answering a bench's message reads: its keys and its replay windows.
MESSAGE_FIELDS = ("id", "key_id", "key", "next_key_id", "next_key", "status_boot", "status_n", "telemetry_boot",
                  "telemetry_n")


def bench_for_message(bench_id: str) -> Bench | None:
    """The bench, read afresh for every message (a revoked key or a removed bench counts at once), in
    one plain SELECT: compiling Bench.objects.filter(pk=...).first() took as long as storing the
    proposal (profiled in docs/scaling.md). Other fields load on first use, as deferred fields do."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(Bench._meta.get_field(name).column) for name in MESSAGE_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {quote(Bench._meta.db_table)} WHERE {quote('id')} = %s", [bench_id])
        row = cursor.fetchone()
    return Bench.from_db(connection.alias, MESSAGE_FIELDS, row) if row else None


def _telemetry_sink():
    """The fleet-health app records telemetry where it is installed."""
    from django.apps import apps

    if not apps.is_installed("hub_server.fleet_health"):
        return None
    from hub_server.fleet_health.services import telemetry_record

    return telemetry_record


def _release_sink():
    """The releases app keeps each bench's update state from the same telemetry (docs/updates.md)."""
    from django.apps import apps

    if not apps.is_installed("hub_server.releases"):
        return None
    from hub_server.releases.services import bench_update_report

    return bench_update_report


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
        self.client = hub_client(role, persistent=not shared, manual_ack=True)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
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
        now = time.monotonic()
        if now - self._last_seen_written.get(bench_id, -SEEN_EVERY_S) >= SEEN_EVERY_S:
            bench_seen(bench_id=bench_id)
            self._last_seen_written[bench_id] = now

    def _reject(self, bench_id, leaf, reason):
        self.counters["rejected"] += 1
        log.warning("rejected %s from %s: %s", _line(leaf, 16), _line(bench_id, 40), _line(reason))
        rejection_count(bench_id=bench_id, topic=leaf, reason=reason)

    def _on_message(self, client, userdata, msg):
        bench_id, leaf = topic_parts(msg.topic) or ("?", "?")
        try:
            self._process(client, msg, bench_id, leaf)
        except TRANSIENT as exc:
            self.counters["db_errors"] += 1
            log.error("database unavailable (%s); the message stays unacknowledged and will come again",
                      _line(exc))
            client.disconnect()  # the broker redelivers unacknowledged messages on reconnect
            return
        # Stored, refused or dead-lettered: either way the broker must not redeliver it.
        client.ack(msg.mid, msg.qos)

    def _process(self, client, msg, bench_id, leaf):
        for attempt in range(1, MAX_ATTEMPTS + 1):
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
                reason = f"{type(exc).__name__}: {exc}"
                log.warning("%s from %s failed (attempt %d of %d): %s", _line(leaf, 16), _line(bench_id, 40),
                            attempt, MAX_ATTEMPTS, _line(reason))
                if isinstance(exc, DatabaseError):
                    close_old_connections()
        self.counters["dead_letters"] += 1
        dead_letter_keep(bench_id=bench_id, topic=leaf, payload=msg.payload, reason=reason, attempts=MAX_ATTEMPTS)
        log.error("dead-lettered %s from %s: %s", _line(leaf, 16), _line(bench_id, 40), _line(reason))

    def _handle(self, client, msg, bench_id, leaf):
        if len(msg.payload) > MAX_PAYLOAD:
            raise MessageRejected("payload too large")
        if leaf not in UPLINK_LEAVES:
            raise MessageRejected("not a bench topic")
        bench = bench_for_message(bench_id)
        if bench is None:
            raise MessageRejected("unknown bench")
        body, key_id = message_verify(bench=bench, topic=msg.topic, payload=msg.payload)
        if leaf == contract.proposal:
            record, _, meta_line = body.partition(b"\n")
            meta = json_object(meta_line, contract.SPECS["meta"])
            proposal, created = proposal_receive(bench_id=bench_id, record=record, meta=meta, bench=bench)
            self.counters["stored" if created else "duplicates"] += 1
            log.info("%s proposal %s from %s", "stored" if created else "already had", proposal.id, bench_id)
            # Committed (proposal_receive is durable): only now may the bench forget it.
            ack = ack_message(ids=[proposal.id], now=int(time.time()), boot=meta.get(contract.boot))
            client.publish(contract.topic(bench_id, contract.ack),
                           downlink_sign(bench=bench, leaf=contract.ack, msg=ack, key_id=key_id), qos=1)
            self._seen(bench_id)
        elif leaf == contract.status:
            bench_status_record(bench=bench, msg=json_object(body, contract.SPECS[contract.status]))
        elif leaf == contract.telemetry:
            data = json_object(body, contract.SPECS[contract.telemetry])
            if sequence_accept(bench=bench, kind="telemetry", msg=data):
                self._seen(bench_id)
                if self._telemetry_record:
                    self._telemetry_record(bench_id=bench_id, data=data, received=datetime.now(timezone.utc))
                if self._release_report:
                    self._release_report(bench_id=bench_id, data=data, received=datetime.now(timezone.utc))

    def run_forever(self):
        while True:
            try:
                self.client.connect(self.host, self.port, keepalive=30)
            except OSError as exc:
                log.warning("broker %s:%s unreachable (%s); retrying", self.host, self.port, exc)
                time.sleep(1)
                continue
            # Returns after a deliberate disconnect (a database error): connect again, so the
            # broker redelivers what was not acknowledged.
            self.client.loop_forever(retry_first_connection=True)
            time.sleep(1)
