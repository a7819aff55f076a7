"""Light benches: CPython stand-ins that speak the bench's protocol (benchcore.protocol and
benchcore.signing, the firmware's own code) without a MicroPython process each; for load that
twelve real benches cannot make (10,000 benches' telemetry, a burst of proposals).

Registered in bulk, as scripts/bench_hub.py loads its benches (benchmark data, not a bench's
provisioning): `python -m simulators.benchmarks.lightbench register PREFIX N` in the hub's
environment. Their signing keys derive from their ids, so publishers need no list of secrets.
"""
import hashlib
import json
import os
import sys
import time

from simulators.fleet import benchcore

protocol = benchcore("protocol")
contract = benchcore("contract")
signing = benchcore("signing")


def key_of(bench_id: str) -> bytes:
    return hashlib.sha256(b"lightbench:" + bench_id.encode()).digest()


class LightBench:
    def __init__(self, bench_id: str, boot: int = 1):
        self.id, self.key, self.boot, self.n = bench_id, key_of(bench_id), boot, 0

    def proposal(self, title: str, body: str = "Prijedlog s lagane klupe.", now=None):
        """(topic, payload, receipt) of a new proposal, as the firmware's uplink sends it."""
        self.n += 1
        now = int(now or time.time())
        pid = protocol.new_proposal_id()
        record = protocol.encode_proposal(self.id, pid, {"title": title, "body": body, "category": "other"},
                                          now, self.n, self.boot, self.n)
        topic = contract.topic(self.id, contract.proposal)
        return topic, bytes(protocol.proposal_payload(topic, record, self.boot, self.n, now, "k1", self.key)), \
            protocol.receipt_code(pid)

    def telemetry(self, now=None):
        """(topic, payload) of a telemetry message, as the firmware's uplink sends it."""
        self.n += 1
        body = protocol.telemetry_body(self.boot, self.n, self.n * 60, int(now or time.time()),
                                       [(contract.soc, 80.0), (contract.mode, "normal"), (contract.outbox, 0)])
        topic = contract.topic(self.id, contract.telemetry)
        return topic, signing.sign(topic, body, "k1", self.key)


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub_server.settings")
    import django

    django.setup()


def register(prefix: str, count: int):
    _django()
    from hub_server.fleet.models import Bench

    ids = [f"{prefix}{i}" for i in range(count)]
    Bench.objects.filter(id__in=ids).delete()
    for start in range(0, count, 2000):
        Bench.objects.bulk_create([Bench(id=b, municipality="Lagana općina", key_id="k1", key=key_of(b).hex())
                                   for b in ids[start:start + 2000]])


def readings(prefix: str):
    """JSON lines: bench, k (its k-th reading stored, from 1), received (epoch seconds)."""
    _django()
    from hub_server.fleet_health.models import TelemetryReading

    seen = {}
    for bench_id, received in TelemetryReading.objects.filter(bench__id__startswith=prefix).order_by("id").values_list(
            "bench_id", "received").iterator(chunk_size=5000):
        seen[bench_id] = seen.get(bench_id, 0) + 1
        print(json.dumps([bench_id, seen[bench_id], received.timestamp()]))


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "register":
        register(sys.argv[2], int(sys.argv[3]))
    elif command == "readings":
        readings(sys.argv[2])
