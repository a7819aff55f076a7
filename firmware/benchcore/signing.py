"""HMAC-SHA256 over (topic, message): every message between bench and hub is signed.

A signed payload is the message's lines followed by one last line "<key id> <64 hex digits>";
the signature covers the topic, a newline and everything before that last newline, so a message
cannot be moved to another topic or another bench. MicroPython has sha256 but no hmac module.
"""
import hashlib
from binascii import hexlify, unhexlify

_BLOCK = 64


class SignatureError(ValueError):
    pass


def hmac_sha256(key, *parts):
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    pad = bytearray(_BLOCK)
    pad[:len(key)] = key
    for i in range(_BLOCK):
        pad[i] ^= 0x36
    inner = hashlib.sha256(pad)
    for part in parts:
        inner.update(part)
    for i in range(_BLOCK):
        pad[i] ^= 0x36 ^ 0x5C
    outer = hashlib.sha256(pad)
    outer.update(inner.digest())
    return outer.digest()


def _same(a, b):
    # Constant time: a forger learns nothing from how long a wrong signature took to refuse.
    if len(a) != len(b):
        return False
    diff = 0
    for i in range(len(a)):
        diff |= a[i] ^ b[i]
    return diff == 0


def sign(topic, body, key_id, key):
    """body (bytes, no trailing newline) -> the signed payload."""
    mac = hmac_sha256(key, topic.encode(), b"\n", body)
    return body + b"\n" + key_id.encode() + b" " + hexlify(mac)


def split(payload):
    """-> (body, key_id, signature bytes); SignatureError if there is no well-formed signature line."""
    cut = payload.rfind(b"\n")
    if cut < 0:
        raise SignatureError("unsigned")
    line = payload[cut + 1:]
    space = line.find(b" ")
    if space < 1 or len(line) - space - 1 != 64:
        raise SignatureError("malformed signature line")
    try:
        mac = unhexlify(line[space + 1:])
        key_id = line[:space].decode()
    except (ValueError, UnicodeError):
        raise SignatureError("malformed signature line")
    return payload[:cut], key_id, mac


def verify(topic, payload, keys):
    """keys: {key id: key bytes}. Returns (body, key id) or raises SignatureError."""
    body, key_id, mac = split(payload)
    key = keys.get(key_id)
    if key is None:
        raise SignatureError("unknown key %s" % key_id)
    if not _same(hmac_sha256(key, topic.encode(), b"\n", body), mac):
        raise SignatureError("bad signature")
    return body, key_id


def derive_key(old_key, key_id, nonce):
    """The next key of a rotation: both sides derive it, so no key ever crosses the network."""
    return hmac_sha256(old_key, b"link-rotate:", key_id.encode(), b":", nonce.encode())
