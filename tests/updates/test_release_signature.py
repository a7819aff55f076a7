"""A bench accepts only releases the hub signed, newer than what it has seen, with sane file lines:
the hub's real signing (cryptography, Ed25519) against the firmware's own verifier, under CPython
and on the real MicroPython interpreter."""
import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from benchcore import ed25519, release
from hub_server.releases.keys import public_key_hex, sign_manifest
from hub_server.releases.services import manifest_text
from simulators.bench import ESP32_HEAP, micropython_binary

ROOT = Path(__file__).resolve().parents[2]
FILES = [["benchcore/app.mpy", 1200, hashlib.sha256(b"a").hexdigest()],
         ["www/bs/index.html.gz", 900, hashlib.sha256(b"b").hexdigest()]]


@pytest.fixture(scope="module")
def key():
    return Ed25519PrivateKey.generate()


def signed(key, seq=5, files=FILES, version="0.2.0"):
    manifest = manifest_text(seq=seq, version=version, files=files)
    return manifest, sign_manifest(key, manifest).encode(), bytes.fromhex(public_key_hex(key))


def test_the_firmware_verifies_what_the_hub_signs_and_nothing_else(key):
    for _ in range(3):
        message = os.urandom(32)
        signature = key.sign(message)
        public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        ed25519.verify(public, message, signature)
        for flipped in (bytes([signature[0] ^ 1]) + signature[1:], signature[:40] + bytes([signature[40] ^ 4]) + signature[41:]):
            with pytest.raises(ed25519.BadSignature):
                ed25519.verify(public, message, flipped)
        with pytest.raises(ed25519.BadSignature):
            ed25519.verify(public, bytes([message[0] ^ 1]) + message[1:], signature)
    other = Ed25519PrivateKey.generate().public_key().public_bytes(serialization.Encoding.Raw,
                                                                  serialization.PublicFormat.Raw)
    with pytest.raises(ed25519.BadSignature):
        ed25519.verify(other, message, signature)
    s_too_big = signature[:32] + (ed25519._L + int.from_bytes(signature[32:], "little")).to_bytes(32, "little")
    with pytest.raises(ed25519.BadSignature, match="S out of range"):  # the malleable twin
        ed25519.verify(public, message, s_too_big)


def test_a_signed_manifest_is_read_back_exactly(key):
    manifest, signature, public = signed(key)
    header, entries = release.check(manifest, signature, public, 4)
    assert header["seq"] == 5 and header["version"] == "0.2.0" and header["files"] == 2
    assert entries == [tuple(f) for f in FILES]


def test_a_forged_manifest_is_refused(key):
    manifest, signature, public = signed(key)
    forged = manifest.replace(FILES[0][2].encode(), hashlib.sha256(b"evil").hexdigest().encode())
    with pytest.raises(release.ReleaseRefused, match="bad signature"):
        release.check(forged, signature, public, 4)
    thief = Ed25519PrivateKey.generate()  # e.g. whoever holds a bench's HMAC key: not the release key
    with pytest.raises(release.ReleaseRefused, match="bad signature"):
        release.check(forged, sign_manifest(thief, forged).encode(), public, 4)
    with pytest.raises(release.ReleaseRefused, match="not hex"):
        release.check(manifest, b"zz" * 64, public, 4)


def test_a_replayed_or_older_release_is_refused(key):
    manifest, signature, public = signed(key, seq=5)
    with pytest.raises(release.ReleaseRefused, match="not newer"):
        release.check(manifest, signature, public, 5)
    with pytest.raises(release.ReleaseRefused, match="not newer"):
        release.check(manifest, signature, public, 9)


@pytest.mark.parametrize("path", ["../boot.py", "boot.py", "main.py", "bootslot.mpy", "benchcore/../../x",
                                  "config.json", "www//x", "lib/ü.mpy"])
def test_a_release_cannot_write_outside_its_application_tree(key, path):
    manifest, signature, public = signed(key, files=[[path, 10, FILES[0][2]]])
    with pytest.raises(release.ReleaseRefused, match="not allowed"):
        release.check(manifest, signature, public, 0)


def test_a_header_that_lies_about_its_files_is_refused(key):
    manifest = manifest_text(seq=5, version="0.2.0", files=FILES).replace(b'"files":2', b'"files":3')
    with pytest.raises(release.ReleaseRefused, match="does not match"):
        release.check(manifest, sign_manifest(key, manifest).encode(), bytes.fromhex(public_key_hex(key)), 0)


@pytest.mark.micropython
def test_the_verifier_runs_on_the_real_interpreter(tmp_path, key):
    manifest, signature, public = signed(key)
    cases = {"manifest": manifest.decode(), "sig": signature.decode(), "key": public.hex(),
             "forged": manifest.decode().replace("0.2.0", "6.6.6")}
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    script = (
        "import json, hashlib, time\n"
        "from binascii import unhexlify\n"
        "from benchcore import release\n"
        "c = json.load(open('cases.json'))\n"
        "key = unhexlify(c['key'])\n"
        "t = time.ticks_ms()\n"
        "release.verify_signature(hashlib.sha256(c['manifest'].encode()).digest(), c['sig'].encode(), key)\n"
        "print('verified in', time.ticks_diff(time.ticks_ms(), t), 'ms')\n"
        "h = release.parse_header(c['manifest'].split('\\n')[0], 4)\n"
        "print('seq', h['seq'])\n"
        "try:\n"
        "    release.verify_signature(hashlib.sha256(c['forged'].encode()).digest(), c['sig'].encode(), key)\n"
        "    print('FORGED ACCEPTED')\n"
        "except release.ReleaseRefused as e:\n"
        "    print('forged refused:', e)\n")
    env = dict(os.environ, MICROPYPATH=os.pathsep.join([str(ROOT / "firmware"), ".frozen"]))
    result = subprocess.run([micropython_binary(), "-X", "heapsize=" + ESP32_HEAP, "-c", script], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "seq 5" in result.stdout and "forged refused: bad signature" in result.stdout, result.stdout
    assert "FORGED ACCEPTED" not in result.stdout


def test_the_update_vocabulary_has_its_own_specs_and_a_bench_without_journal_refuses_its_commands():
    from benchcore import contract
    from benchcore import protocol_updates as updates

    for name in (updates.CMD_UPDATE, updates.CMD_RELEASE_CONFIRM, updates.CMD_LEAVE_SAFE_MODE):
        msg = {"n": 1, "cmd": name, "seq": 3, "version": "0.2.0", "url": "http://h/releases/3/"}
        contract.check(msg, updates.CMD_SPEC)
        with pytest.raises(ValueError, match="cmd is not a valid choice"):  # the default bench's downlink
            contract.check(msg, contract.SPECS[contract.cmd])
    with pytest.raises(ValueError, match="url is not a valid text"):
        contract.check({"n": 1, "cmd": updates.CMD_UPDATE, "url": "h" * 201}, updates.CMD_SPEC)
    telemetry = {"boot": 1, "n": 1, "up": 5, updates.T_APP_SEQ: 3, updates.T_UPDATE_SEQ: 3,
                 updates.T_UPDATE_DETAIL: "x", updates.T_SAFE_MODE: False, updates.T_RESET_CAUSE: 3}
    for state in updates.UPDATE_STATES:
        report = dict(telemetry, **{updates.T_UPDATE: state})
        contract.check(report, updates.TELEMETRY_SPEC)
        contract.check(report, contract.SPECS[contract.telemetry])  # the fleet's check lets them through
    with pytest.raises(ValueError):
        contract.check(dict(telemetry, **{updates.T_UPDATE: "bricked"}), updates.TELEMETRY_SPEC)
