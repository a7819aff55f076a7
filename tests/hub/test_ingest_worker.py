"""The ingest's error handling: a message failing for a lasting reason is dead-lettered and acked
after MAX_ATTEMPTS; only a database that is away leaves it unacknowledged. Proposals are stored in
batches (one transaction): a failing one costs only itself, and nothing is acked before the commit."""
from types import SimpleNamespace

import pytest
from django.db import OperationalError, connection

from hub_server.fleet.models import DeadLetter
from hub_server.ingest.worker import MAX_ATTEMPTS, IngestWorker
from tests.support import refuse_inserts
from benchcore import contract

pytestmark = pytest.mark.django_db(transaction=True)  # the worker's writes are durable transactions


class Broker:
    def __init__(self):
        self.acked, self.disconnects = [], 0

    def ack(self, mid, qos):
        self.acked.append(mid)

    def disconnect(self):
        self.disconnects += 1


def message(mid=1):
    return SimpleNamespace(topic=contract.TOPIC_ROOT + "sa-1/proposal", payload=b"x" * 20, mid=mid, qos=1)


class Recorder(Broker):
    """Records what the worker sends, and whether a transaction was still open when it did."""

    def __init__(self):
        super().__init__()
        self.published, self.in_transaction = [], []

    def ack(self, mid, qos):
        super().ack(mid, qos)
        self.in_transaction.append(connection.in_atomic_block)

    def publish(self, topic, payload, qos=0):
        self.published.append(topic)
        self.in_transaction.append(connection.in_atomic_block)


def _as_received(*messages):
    """A batch as the worker takes it off paho's thread: (connection number, message)."""
    return [(0, SimpleNamespace(topic=topic, payload=payload, mid=mid, qos=1)) for mid, (topic, payload) in
            enumerate(messages, 1)]


def _benches(*ids):
    from hub_server.fleet.models import Bench
    from simulators.benchmarks.lightbench import LightBench, key_of

    for bench_id in ids:
        Bench.objects.create(id=bench_id, municipality="Tuzla", key_id="k1", key=key_of(bench_id).hex())
    return [LightBench(bench_id) for bench_id in ids]


def test_a_proposal_the_database_refuses_is_dead_lettered_and_the_rest_of_its_batch_stored_and_acked():
    from hub_server.proposals.models import Proposal

    refuse_inserts("proposals_proposal", "NEW.title = 'Pokvareno'")
    a, b = _benches("lb-1", "lb-2")
    worker, broker = IngestWorker(host="127.0.0.1", port=1), Recorder()
    worker.handle_batch(broker, _as_received(a.proposal("Klupa")[:2], b.proposal("Pokvareno")[:2],
                                             b.proposal("Sjena")[:2]))
    assert sorted(Proposal.objects.values_list("title", flat=True)) == ["Klupa", "Sjena"]
    # the bench hears about its two stored proposals only; the broker lets go of all three
    assert broker.published == [contract.TOPIC_ROOT + "lb-1/ack", contract.TOPIC_ROOT + "lb-2/ack"]
    assert sorted(broker.acked) == [1, 2, 3] and not any(broker.in_transaction)
    letter = DeadLetter.objects.get()
    assert (letter.bench_id, letter.topic, letter.attempts) == ("lb-2", "proposal", MAX_ATTEMPTS)
    assert "refused by the test" in letter.reason
    assert worker.counters["stored"] == 2 and worker.counters["dead_letters"] == 1


def test_a_forged_proposal_is_refused_and_counted_and_the_rest_of_its_batch_stored_and_acked():
    from hub_server.fleet.models import RejectedMessage
    from hub_server.proposals.models import Proposal

    a, b = _benches("lb-1", "lb-2")
    topic, payload = b.proposal("Krivotvoreno")[:2]
    forged = payload.replace(b"Krivotvoreno", b"Krivotvorenx")
    worker, broker = IngestWorker(host="127.0.0.1", port=1), Recorder()
    worker.handle_batch(broker, _as_received(a.proposal("Klupa")[:2], (topic, forged), b.proposal("Sjena")[:2]))
    assert sorted(Proposal.objects.values_list("title", flat=True)) == ["Klupa", "Sjena"]
    assert broker.published == [contract.TOPIC_ROOT + "lb-1/ack", contract.TOPIC_ROOT + "lb-2/ack"]
    assert sorted(broker.acked) == [1, 2, 3] and not any(broker.in_transaction)
    assert RejectedMessage.objects.get().count == 1 and worker.counters["rejected"] == 1


def test_a_proposal_of_another_bench_is_refused_and_the_rest_of_its_batch_stored():
    """A refusal found inside the transaction (after the insert found the id taken): the batch is
    stored again with a savepoint for each proposal, so only that one is lost."""
    from hub_server.proposals.models import Proposal

    a, b = _benches("lb-1", "lb-2")
    topic, payload = a.proposal("Prvo")[:2]
    worker, broker = IngestWorker(host="127.0.0.1", port=1), Recorder()
    worker.handle_batch(broker, _as_received((topic, payload)))
    pid = Proposal.objects.get().id
    from benchcore import protocol

    b.n += 1  # lb-2 signs a proposal that reuses lb-1's id
    record = protocol.encode_proposal("lb-2", pid, {"title": "Tuđe", "body": "x", "category": "other"},
                                      0, b.n, 1, b.n)
    stolen_topic = contract.TOPIC_ROOT + "lb-2/proposal"
    stolen = bytes(protocol.proposal_payload(stolen_topic, record, 1, b.n, 0, "k1", b.key))
    broker = Recorder()
    worker.handle_batch(broker, _as_received(a.proposal("Drugo")[:2], (stolen_topic, stolen), b.proposal("Treće")[:2]))
    assert sorted(Proposal.objects.values_list("title", "bench_id")) == [
        ("Drugo", "lb-1"), ("Prvo", "lb-1"), ("Treće", "lb-2")]
    assert broker.published == [contract.TOPIC_ROOT + "lb-1/ack", contract.TOPIC_ROOT + "lb-2/ack"] and sorted(broker.acked) == [1, 2, 3]
    assert worker.counters["rejected"] == 1


def test_a_database_away_leaves_the_whole_batch_unacked_and_unstored_for_redelivery(monkeypatch):
    from hub_server.proposals import store
    from hub_server.proposals.models import Proposal

    a, b = _benches("lb-1", "lb-2")
    worker, broker = IngestWorker(host="127.0.0.1", port=1), Recorder()

    def the_database_goes(*args):  # the batch's proposals are in; their deliveries find the server gone
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(store, "deliveries_insert", the_database_goes)
    worker.handle_batch(broker, _as_received(a.proposal("Klupa")[:2], b.proposal("Sjena")[:2]))
    assert broker.acked == [] and broker.published == [] and broker.disconnects == 1
    assert not Proposal.objects.exists() and not DeadLetter.objects.exists()


def test_messages_from_a_dropped_connection_are_left_to_the_broker():
    """After a reconnect a PUBACK with an old packet id would release another message: what came on
    the old connection is neither acked nor stored (the broker sends it again)."""
    from hub_server.proposals.models import Proposal

    (a,) = _benches("lb-1")
    worker, broker = IngestWorker(host="127.0.0.1", port=1), Recorder()
    batch = _as_received(a.proposal("Klupa")[:2])
    worker._on_disconnect(broker, None, None, None, None)
    worker.handle_batch(broker, batch)
    assert broker.acked == [] and broker.published == [] and not Proposal.objects.exists()


def test_a_batch_takes_what_has_arrived():
    worker = IngestWorker(host="127.0.0.1", port=1)
    for mid in range(1, 71):
        worker._on_message(None, None, message(mid))
    assert [m.mid for _, m in worker._next_batch()] == list(range(1, 65))  # BATCH_MAX
    assert [m.mid for _, m in worker._next_batch()] == list(range(65, 71))
    assert worker._next_batch(timeout=0.01) == []


def test_acked_only_after_commit_is_enforced_not_a_convention():
    """proposal_receive and telemetry_record commit before returning (the ack follows): called inside
    someone else's transaction, which could still roll back, they refuse."""
    from datetime import datetime, timezone

    from django.db import transaction

    from hub_server.fleet.services import bench_register
    from hub_server.fleet_health.services import telemetry_record
    from hub_server.proposals.services import proposal_receive

    bench_register(bench_id="sa-1", municipality="Sarajevo Centar")
    record = (b'{"v":1,"id":"0123456789abcdef","bench":"sa-1","receipt":"0J8M-4XF2","title":"t","body":"b",'
              b'"category":"other"}')
    with pytest.raises(RuntimeError, match="durable"):
        with transaction.atomic():
            proposal_receive(bench_id="sa-1", record=record)
    with pytest.raises(RuntimeError, match="durable"):
        with transaction.atomic():
            telemetry_record(bench_id="sa-1", data={"soc": 50.0}, received=datetime.now(timezone.utc))
    assert proposal_receive(bench_id="sa-1", record=record)[1] is True


def delivered(worker, broker, topic, payload, mid):
    worker.handle_batch(broker, [(0, SimpleNamespace(topic=topic, payload=payload, mid=mid, qos=1))])


def test_a_proposal_as_the_firmware_encodes_it_is_stored_in_two_writes_and_a_copy_is_acked_not_stored():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hub_server.fleet.models import Bench, Delivery
    from hub_server.proposals.models import Proposal
    from simulators.benchmarks.lightbench import LightBench, key_of

    Bench.objects.create(id="lb-1", municipality="Tuzla", key_id="k1", key=key_of("lb-1").hex())
    worker, broker, bench = IngestWorker(host="127.0.0.1", port=1), Recorder(), LightBench("lb-1")
    first, second = bench.proposal("Klupa u parku")[:2], bench.proposal("Rasvjeta")[:2]
    with CaptureQueriesContext(connection) as new:
        delivered(worker, broker, *second, mid=1)  # the second before the first: out of order
    with CaptureQueriesContext(connection) as copy:
        delivered(worker, broker, *second, mid=2)  # the ack got lost: the bench sends it again
    delivered(worker, broker, *first, mid=3)
    assert broker.acked == [1, 2, 3] and broker.published == [contract.TOPIC_ROOT + "lb-1/ack"] * 3
    assert sorted(Proposal.objects.values_list("title", flat=True)) == ["Klupa u parku", "Rasvjeta"]
    assert sorted(Delivery.objects.values_list("n", "copies", "out_of_order")) == [(1, 1, True), (2, 2, False)]
    # the bench's keys, the proposal, its delivery (and BEGIN, COMMIT, the bench's last_seen)
    writes = [q["sql"].split()[0] for q in new.captured_queries if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == ["INSERT", "INSERT", "UPDATE"] and len(new) <= 6
    assert len(copy) <= 7  # a copy also reads the stored proposal and counts the copy


def test_a_batch_of_proposals_is_one_transaction():
    from django.test.utils import CaptureQueriesContext

    from hub_server.proposals.models import Proposal

    a, b = _benches("lb-1", "lb-2")
    worker, broker = IngestWorker(host="127.0.0.1", port=1), Recorder()
    batch = _as_received(*[(a if k % 2 else b).proposal(f"Ideja {k}")[:2] for k in range(10)])
    with CaptureQueriesContext(connection) as queries:
        worker.handle_batch(broker, batch)
    assert Proposal.objects.count() == 10 and sorted(broker.acked) == list(range(1, 11))
    assert len(broker.published) == 10 and not any(broker.in_transaction)
    # the two benches (one SELECT), the ten proposals in one INSERT and their deliveries in another, both
    # benches' last_seen in one UPDATE (and BEGIN, COMMIT where the backend logs them)
    assert len(queries) <= 1 + 2 + 1 + 2
    assert [q["sql"].split()[0] for q in queries.captured_queries].count("INSERT") == 2


def test_a_batch_holding_the_same_proposal_twice_stores_it_once_and_acks_both():
    """The bench resent it before its ack came (or the broker redelivered): one row, a copy counted."""
    from hub_server.fleet.models import Delivery
    from hub_server.proposals.models import Proposal

    (a,) = _benches("lb-1")
    proposal = a.proposal("Klupa")[:2]
    worker, broker = IngestWorker(host="127.0.0.1", port=1), Recorder()
    worker.handle_batch(broker, _as_received(proposal, a.proposal("Sjena")[:2], proposal))
    assert sorted(Proposal.objects.values_list("title", flat=True)) == ["Klupa", "Sjena"]
    assert sorted(Delivery.objects.values_list("n", "copies")) == [(1, 2), (2, 1)]
    assert broker.published == [contract.TOPIC_ROOT + "lb-1/ack"] * 3 and sorted(broker.acked) == [1, 2, 3]
    assert worker.counters["stored"] == 2 and worker.counters["duplicates"] == 1
    # and once more in a later batch, twice: copies of a stored proposal
    worker.handle_batch(broker, _as_received(proposal, proposal))
    assert Proposal.objects.count() == 2 and Delivery.objects.get(n=1).copies == 4
    assert worker.counters["stored"] == 2 and worker.counters["duplicates"] == 3 and len(broker.published) == 5


def test_two_of_one_bench_in_one_batch_are_sequenced_as_one_after_the_other_would_be():
    """out_of_order compares with what the database held and with the batch's earlier proposals."""
    from hub_server.fleet.models import Delivery

    a, b = _benches("lb-1", "lb-2")
    a1, a2, a3 = (a.proposal(t)[:2] for t in ("Prvo", "Drugo", "Treće"))
    b1, b2 = (b.proposal(t)[:2] for t in ("Jedan", "Dva"))
    worker, broker = IngestWorker(host="127.0.0.1", port=1), Recorder()
    worker.handle_batch(broker, _as_received(a2, b1, a1, b2))  # lb-1's second before its first
    assert sorted(Delivery.objects.values_list("bench_id", "n", "out_of_order")) == [
        ("lb-1", 1, True), ("lb-1", 2, False), ("lb-2", 1, False), ("lb-2", 2, False)]
    a4 = a.proposal("Četvrto")[:2]
    worker.handle_batch(broker, _as_received(a4, a3))  # lb-1's third after its fourth, in the next batch
    assert list(Delivery.objects.filter(bench_id="lb-1", n__gt=2).order_by("n")
                .values_list("n", "out_of_order")) == [(3, True), (4, False)]


def _with_id(bench, pid, title):
    """A proposal signed by bench under an id of the test's choosing."""
    from benchcore import protocol

    bench.n += 1
    record = protocol.encode_proposal(bench.id, pid, {"title": title, "body": "x", "category": "other"},
                                      0, bench.n, 1, bench.n)
    topic = contract.TOPIC_ROOT + f"{bench.id}/proposal"
    return topic, bytes(protocol.proposal_payload(topic, record, 1, bench.n, 0, "k1", bench.key))


def test_one_id_from_two_benches_in_one_batch_is_stored_for_the_first_and_refused_for_the_second():
    from hub_server.proposals.models import Proposal

    a, b = _benches("lb-1", "lb-2")
    worker, broker = IngestWorker(host="127.0.0.1", port=1), Recorder()
    worker.handle_batch(broker, _as_received(_with_id(a, "00000000000000aa", "Moje"), b.proposal("Sjena")[:2],
                                             _with_id(b, "00000000000000aa", "Tuđe")))
    assert sorted(Proposal.objects.values_list("title", "bench_id")) == [("Moje", "lb-1"), ("Sjena", "lb-2")]
    assert broker.published == [contract.TOPIC_ROOT + "lb-1/ack", contract.TOPIC_ROOT + "lb-2/ack"] and sorted(broker.acked) == [1, 2, 3]
    assert worker.counters["rejected"] == 1 and worker.counters["stored"] == 2


def _row(table, key, value):
    """A stored row as the driver returns it, by column (what the database holds, not the ORM's view)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE {key} = %s", [value])
        names = [c[0] for c in cursor.description]
        return dict(zip(names, cursor.fetchone()))


def test_a_batch_stores_the_same_values_as_the_orm_one_by_one():
    """The batch's rows are built as values, without model instances: every column must hold what
    proposal_receive (the ORM: defaults, each field's conversion) stores for the same record."""
    import json

    from benchcore import protocol

    from hub_server.proposals.services import proposal_receive

    a, b = _benches("lb-1", "lb-2")
    worker, broker = IngestWorker(host="127.0.0.1", port=1), Recorder()
    pairs = []
    for created in (1_760_000_000, None):  # the bench's clock set, and not (dated from its uptime)
        records = []
        for bench in (a, b):
            bench.n += 1
            pid = protocol.new_proposal_id()
            record = protocol.encode_proposal(bench.id, pid, {"title": "Ista", "body": "Isti tekst", "category": "other",
                                                              "consent": True, "lang": "en"},
                                              created, 40, 1, bench.n)
            topic = contract.TOPIC_ROOT + f"{bench.id}/proposal"
            records.append((pid, topic, bytes(protocol.proposal_payload(topic, record, 1, 100, 1_760_000_100,
                                                                        "k1", bench.key))))
        (pid_a, topic_a, payload_a), (pid_b, _, payload_b) = records
        worker.handle_batch(broker, _as_received((topic_a, payload_a), a.proposal("Druga")[:2]))  # the batch path
        record_b, _, meta_b = payload_b.rpartition(b"\n")[0].partition(b"\n")
        proposal_receive(bench_id="lb-2", record=record_b, meta=json.loads(meta_b))  # the ORM, one by one
        pairs.append((pid_a, pid_b))
    differ = {"id", "proposal_id", "bench_id", "receipt", "received", "n"}
    for pid_a, pid_b in pairs:
        for table, key in (("proposals_proposal", "id"), ("fleet_delivery", "proposal_id")):
            batch, orm = _row(table, key, pid_a), _row(table, key, pid_b)
            assert {k: (v, type(v)) for k, v in batch.items() if k not in differ} == \
                   {k: (v, type(v)) for k, v in orm.items() if k not in differ}, table
            assert type(batch["received"]) is type(orm["received"])


def test_a_batch_of_telemetry_is_one_commit_and_a_replay_or_a_refused_reading_costs_only_itself():
    """10,000 benches' readings: one transaction per batch, each reading in a savepoint (docs/scaling.md)."""
    from django.test.utils import CaptureQueriesContext

    from hub_server.fleet.models import RejectedMessage
    from hub_server.fleet_health.models import BenchHealth, TelemetryReading

    a, b = _benches("lb-1", "lb-2")
    first_a, second_a, first_b = a.telemetry(), a.telemetry(), b.telemetry()
    worker, broker = IngestWorker(host="127.0.0.1", port=1), Recorder()
    with CaptureQueriesContext(connection) as queries:
        worker.handle_batch(broker, _as_received(first_a, second_a, first_b))
    assert TelemetryReading.objects.count() == 3 and BenchHealth.objects.count() == 2
    assert sorted(broker.acked) == [1, 2, 3] and not any(broker.in_transaction)
    sql = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert sql.count("SAVEPOINT") == 3  # one per reading, inside the batch's one transaction
    # the same two of lb-1 again (a replay) and a reading the database refuses (a real trigger): the
    # replay is refused and counted, the refused one goes the one-by-one way; lb-2's next is stored
    refuse_inserts("fleet_health_telemetryreading", "NEW.soc IS NULL")
    from benchcore import protocol, signing
    from simulators.benchmarks.lightbench import key_of

    good_b = b.telemetry()
    b.n += 1  # lb-2's next reading without a state of charge (the trigger refuses it), signed as the bench does
    body = protocol.telemetry_body(b.boot, b.n, 60, int(__import__("time").time()), [(contract.mode, "normal")])
    topic = contract.topic("lb-2", contract.telemetry)
    no_soc = (topic, signing.sign(topic, body, "k1", key_of("lb-2")))
    worker.handle_batch(broker, _as_received(first_a, good_b, no_soc))
    assert TelemetryReading.objects.count() == 4  # lb-2's good reading beside the refused one
    assert RejectedMessage.objects.filter(bench_id="lb-1", topic="telemetry").exists()  # the replay
    assert worker.counters["dead_letters"] == 1 and DeadLetter.objects.get().bench_id == "lb-2"
    assert sorted(broker.acked) == [1, 1, 2, 2, 3, 3]
