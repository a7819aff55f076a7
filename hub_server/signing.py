"""HMAC-SHA256 signatures of the bench↔hub protocol (docs/protocol.md), on the hub's side.

Written independently of the firmware's own HMAC (firmware/benchcore/signing.py); the golden
vectors in tests/vectors/ keep the two byte-compatible.
"""
import hashlib
import hmac


class SignatureError(ValueError):
    pass


def mac(key: bytes, topic: str, body: bytes) -> bytes:
    return hmac.new(key, topic.encode() + b"\n" + body, hashlib.sha256).digest()


def sign(*, topic: str, body: bytes, key_id: str, key: bytes) -> bytes:
    return body + b"\n" + key_id.encode() + b" " + mac(key, topic, body).hex().encode()


def verify(*, topic: str, payload: bytes, keys: dict[str, bytes]) -> tuple[bytes, str]:
    """Returns (body, key id) of a payload signed with one of keys; SignatureError otherwise."""
    body, sep, line = payload.rpartition(b"\n")
    if not sep:
        raise SignatureError("unsigned")
    key_id, space, hex_mac = line.partition(b" ")
    if not space or len(hex_mac) != 64:
        raise SignatureError("malformed signature line")
    try:
        given = bytes.fromhex(hex_mac.decode("ascii"))
        key_id_text = key_id.decode("ascii")
    except (UnicodeDecodeError, ValueError):
        raise SignatureError("malformed signature line")
    key = keys.get(key_id_text)
    if key is None:
        raise SignatureError(f"unknown key {key_id_text!r}")
    if not hmac.compare_digest(mac(key, topic, body), given):
        raise SignatureError("bad signature")
    return body, key_id_text


def derive_key(old_key: bytes, key_id: str, nonce: str) -> bytes:
    """The next key of a rotation (the bench derives the same one; no key crosses the network)."""
    return hmac.new(old_key, b"link-rotate:" + key_id.encode() + b":" + nonce.encode(), hashlib.sha256).digest()
