"""Contact details sealed on the bench (real MicroPython, cryptolib) open only with the hub's key."""
import base64
import json
import os
import subprocess

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from hub_server.fleet.seal import SealError, unseal_contact
from simulators.bench import ESP32_HEAP, micropython_binary

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.micropython


def seal_on_micropython(tmp_path, modulus_hex, fields):
    script = tmp_path / "seal.py"
    script.write_text("import json\nfrom benchcore.seal import seal_fields\n"
                      f"p = json.loads({json.dumps(json.dumps(fields))})\n"
                      f"print(json.dumps(seal_fields(p, {modulus_hex!r}, log=print)))\n")
    env = dict(os.environ, MICROPYPATH=os.pathsep.join([str(ROOT / "firmware"), ".frozen"]))
    out = subprocess.run([micropython_binary(), "-X", "heapsize=" + ESP32_HEAP, str(script)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_hub_opens_what_the_bench_sealed_and_nothing_else(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    modulus = format(key.public_key().public_numbers().n, "0512x")
    fields = {"title": "t", "name": "Đurđa Šćekić", "contact": "+387 61 123 456, đurđa@example.ba", "consent": True}
    sealed = seal_on_micropython(tmp_path, modulus, fields)
    assert "name" not in sealed and "contact" not in sealed  # nothing in clear left to store or send
    assert "Đurđa" not in json.dumps(sealed, ensure_ascii=False) and "123 456" not in sealed["sealed"]
    assert unseal_contact(sealed["sealed"], key) == (fields["name"], fields["contact"])
    with pytest.raises(SealError):
        unseal_contact(sealed["sealed"], other)  # another hub's key
    raw = bytearray(base64.b64decode(sealed["sealed"][3:]))
    raw[-1] ^= 1  # one bit of the ciphertext
    with pytest.raises(SealError, match="bad tag"):
        unseal_contact("s1:" + base64.b64encode(bytes(raw)).decode(), key)
    # sealed twice, the same details look different: nobody can tell two ideas came from one person
    assert seal_on_micropython(tmp_path, modulus, fields)["sealed"] != sealed["sealed"]


def test_without_a_hub_key_the_bench_keeps_no_contact_details(tmp_path):
    fields = {"title": "t", "name": "Ana", "contact": "061 000 000", "consent": True}
    assert seal_on_micropython(tmp_path, "", fields) == {"title": "t", "consent": True}
