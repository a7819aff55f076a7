"""The ingest's error handling: a message failing for a lasting reason is dead-lettered and acked
after MAX_ATTEMPTS; only a database that is away leaves it unacknowledged."""
from types import SimpleNamespace

import pytest
from django.db import OperationalError

from hub_server.fleet.models import DeadLetter
from hub_server.ingest.worker import MAX_ATTEMPTS, IngestWorker

pytestmark = pytest.mark.django_db(transaction=True)  # the worker's writes are durable transactions


class Broker:
    def __init__(self):
        self.acked, self.disconnects = [], 0

    def ack(self, mid, qos):
        self.acked.append(mid)

    def disconnect(self):
        self.disconnects += 1


def message(mid=1):
    return SimpleNamespace(topic="link/v1/b/sa-1/proposal", payload=b"x" * 20, mid=mid, qos=1)


def test_a_lasting_failure_is_dead_lettered_with_its_reason_and_acked():
    worker, broker = IngestWorker(host="127.0.0.1", port=1), Broker()
    calls = []

    def handle(*args):
        calls.append(1)
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    worker._handle = handle
    worker._on_message(broker, None, message())
    assert len(calls) == MAX_ATTEMPTS and broker.acked == [1] and broker.disconnects == 0
    letter = DeadLetter.objects.get()
    assert (letter.bench_id, letter.topic, letter.attempts) == ("sa-1", "proposal", MAX_ATTEMPTS)
    assert letter.reason.startswith("OverflowError: Python int too large") and bytes(letter.payload) == b"x" * 20


def test_a_database_away_leaves_the_message_unacked_for_redelivery():
    worker, broker = IngestWorker(host="127.0.0.1", port=1), Broker()

    def handle(*args):
        raise OperationalError("could not connect to server")

    worker._handle = handle
    worker._on_message(broker, None, message())
    assert broker.acked == [] and broker.disconnects == 1 and not DeadLetter.objects.exists()


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


class Recorder(Broker):
    def __init__(self):
        super().__init__()
        self.published = []

    def publish(self, topic, payload, qos=0):
        self.published.append(topic)


def delivered(worker, broker, topic, payload, mid):
    worker._on_message(broker, None, SimpleNamespace(topic=topic, payload=payload, mid=mid, qos=1))


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
    assert broker.acked == [1, 2, 3] and broker.published == ["link/v1/b/lb-1/ack"] * 3
    assert sorted(Proposal.objects.values_list("title", flat=True)) == ["Klupa u parku", "Rasvjeta"]
    assert sorted(Delivery.objects.values_list("n", "copies", "out_of_order")) == [(1, 1, True), (2, 2, False)]
    # the bench's keys, the proposal, its delivery (and BEGIN, COMMIT, the bench's last_seen)
    writes = [q["sql"].split()[0] for q in new.captured_queries if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == ["INSERT", "INSERT", "UPDATE"] and len(new) <= 6
    assert len(copy) <= 7  # a copy also reads the stored proposal and counts the copy
