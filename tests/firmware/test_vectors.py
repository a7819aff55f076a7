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


def test_the_vectors_file_is_what_the_generator_writes():
    import importlib.util

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


@pytest.mark.micropython
def test_the_firmware_reproduces_every_vector_on_micropython(tmp_path):
    script = tmp_path / "check.py"
    script.write_text("VECTORS = %r\n" % str(VECTORS) + (ROOT / "tests/firmware/mp_vector_checks.py").read_text())
    env = dict(os.environ, MICROPYPATH=os.pathsep.join([str(ROOT / "firmware"), ".frozen"]))
    result = subprocess.run([micropython_binary(), "-X", "heapsize=" + ESP32_HEAP, str(script)],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip().endswith("0 failed"), result.stdout + result.stderr
