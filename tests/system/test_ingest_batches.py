"""The ingest stores proposals in batches (one transaction each) against the real broker and the real
`hub ingest` process: a bench hears "stored" only for proposals another reader can already see, and a
forged proposal among the others costs only itself."""
import json
import sqlite3
import threading

from hub_server import signing
from simulators.benchmarks.hub_load import _client, _hub_stack
from simulators.benchmarks.lightbench import LightBench, key_of
from tests.support import wait_for
from benchcore import contract


def _proposal_id(payload: bytes) -> str:
    body = payload.rpartition(b"\n")[0]
    return json.loads(body.partition(b"\n")[0])["id"]


def test_every_ack_names_a_committed_proposal_and_a_forged_one_gets_none(tmp_path):
    stack = _hub_stack(tmp_path / "stack", "ab-", 3)
    database = stack.database_url.removeprefix("sqlite:///")
    acked, lock = [], threading.Lock()

    def on_ack(client, userdata, msg):
        bench_id = msg.topic.split("/")[3]
        body, _ = signing.verify(topic=msg.topic, payload=msg.payload, keys={"k1": key_of(bench_id)})
        for pid in json.loads(body)["ids"]:
            # Another connection sees only what is committed: the ack must not come before the commit.
            with sqlite3.connect(database) as reader:
                seen = reader.execute("SELECT 1 FROM proposals_proposal WHERE id = ?", (pid,)).fetchone()
            with lock:
                acked.append((pid, seen is not None))

    try:
        monitor = _client(stack, "monitor", on_ack, [contract.TOPIC_ROOT + "+/ack"])
        publisher = _client(stack, "bench-load")
        fleet = [LightBench(f"ab-{i}") for i in range(3)]
        messages = [fleet[k % 3].proposal(f"Ideja {k}")[:2] for k in range(60)]
        topic, payload = messages[30]
        messages[30] = (topic, payload.replace(b"Ideja 30", b"Ideja 31"))  # the signature no longer fits
        for topic, payload in messages:
            publisher.publish(topic, payload, qos=1)
        wait_for(lambda: len(acked) >= 59, timeout=60, interval=0.1)
        wait_for(lambda: "rejected proposal from ab-0" in (stack.dir / "ingest.log").read_text(), timeout=10)
        for c in (monitor, publisher):
            c.loop_stop()
            c.disconnect()
        genuine = {_proposal_id(p) for k, (_, p) in enumerate(messages) if k != 30}
        assert all(committed for _, committed in acked), "an ack came before its proposal was committed"
        assert {pid for pid, _ in acked} == genuine and len(acked) == 59
        assert {p["id"] for p in stack.proposals()} == genuine
        assert "signature" in (stack.dir / "ingest.log").read_text()
    finally:
        stack.stop()
