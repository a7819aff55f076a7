"""Golden vectors (tests/vectors/protocol_v1.json) keep firmware and hub byte-compatible."""
import json
import os
import subprocess
from pathlib import Path

import pytest

from hub_server import signing
from simulators.bench import ESP32_HEAP, micropython_binary

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors" / "protocol_v1.json"
SPEC = json.loads(VECTORS.read_text())
KEY = bytes.fromhex(SPEC["key"])


def test_the_vectors_file_is_what_the_generator_writes(tmp_path, monkeypatch):
    import importlib.util

    monkeypatch.chdir(tmp_path)  # the firmware's downlink keeps digest.json in the working directory

    spec = importlib.util.spec_from_file_location("make_vectors", ROOT / "tests" / "vectors" / "make_vectors.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.vectors() == SPEC


@pytest.mark.parametrize("vector", SPEC["vectors"], ids=lambda v: v["name"])
def test_the_hub_verifies_and_reproduces_every_vector(vector):
    payload, body = vector["payload"].encode(), vector["body"].encode()
    assert signing.verify(topic=vector["topic"], payload=payload, keys={"k1": KEY}) == (body, "k1")
    assert signing.sign(topic=vector["topic"], body=body, key_id="k1", key=KEY) == payload
    tampered = payload[:5] + bytes([payload[5] ^ 1]) + payload[6:]
    for topic, forged in ((vector["topic"], tampered), (vector["topic"].replace("sa-centar-1", "mostar-1"), payload)):
        with pytest.raises(signing.SignatureError, match="bad signature"):
            signing.verify(topic=topic, payload=forged, keys={"k1": KEY})


def _hub_reads(leaf, body):
    """What the hub's ingest makes of a bench's body (MessageRejected/ProposalRejected if nothing)."""
    from benchcore import contract

    from hub_server.fleet.services import json_object
    from hub_server.proposals.services import parse_proposal_message

    if leaf == contract.proposal:
        record, _, meta = body.partition(b"\n")
        if meta:
            json_object(meta, contract.SPECS["meta"])
        return parse_proposal_message(bench_id=SPEC["bench"], payload=record)
    spec = {contract.status: contract.SPECS[contract.status], contract.telemetry: contract.SPECS[contract.telemetry],
            contract.ack: contract.SPECS[contract.ack], contract.cmd: contract.SPECS[contract.cmd],
            contract.config: contract.SPECS[contract.config], contract.digest: contract.SPECS[contract.digest]}[leaf]
    msg = json_object(body, spec)
    if leaf == contract.config:
        json_object(json.dumps(msg["settings"]).encode(), contract.SPECS[contract.settings])
    return msg


@pytest.mark.parametrize("vector", SPEC["vectors"], ids=lambda v: v["name"])
def test_the_hub_reads_every_vector_as_the_contract_says(vector):
    leaf = vector["topic"].rsplit("/", 1)[1]
    read = _hub_reads(leaf, vector["body"].encode())
    if leaf == "proposal":
        assert (read["id"], read["title"], read["body"], read["lang"]) == (
            vector["id"], vector["fields"]["title"], vector["fields"]["body"], vector["fields"]["lang"])


def test_every_telemetry_key_the_bench_sends_reaches_a_dashboard_column():
    from benchcore import contract

    from hub_server.fleet_health.services import COLUMNS, _fields

    vector = next(v for v in SPEC["vectors"] if v["name"] == "telemetry")
    sent = json.loads(vector["body"])
    assert [item.split("=")[0].lstrip("*") for item in contract.SPECS[contract.telemetry].split()] == list(sent)  # the vector covers the whole contract
    stored = _fields(sent)
    for key, column in COLUMNS.items():
        assert stored[column] not in (None, "", []), f"{key} -> {column} was lost"
    # read by the hub for what it is, not stored as a column of its own
    not_columns = {"boot", "n", "now", "heap_peak", "ap", "soc_valid", "wh_chg", "sensor_errors"}
    assert set(sent) - set(COLUMNS) == not_columns


@pytest.mark.parametrize("leaf, body, reason", SPEC["rejects"], ids=lambda x: str(x)[:40])
def test_the_hub_refuses_every_negative_vector_with_its_reason(leaf, body, reason):
    from hub_server.fleet.services import MessageRejected
    from hub_server.proposals.services import ProposalRejected

    with pytest.raises((MessageRejected, ProposalRejected), match=reason):
        _hub_reads(leaf, body.encode())


@pytest.mark.micropython
def test_the_firmware_reproduces_every_vector_on_micropython(tmp_path):
    script = tmp_path / "check.py"
    script.write_text("VECTORS = %r\n" % str(VECTORS) + (ROOT / "tests/firmware/mp_vector_checks.py").read_text())
    env = dict(os.environ, MICROPYPATH=os.pathsep.join([str(ROOT / "firmware"), ".frozen"]))
    result = subprocess.run([micropython_binary(), "-X", "heapsize=" + ESP32_HEAP, str(script)],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip().endswith("0 failed"), result.stdout + result.stderr
