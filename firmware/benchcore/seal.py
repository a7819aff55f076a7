"""Name and contact of a citizen, sealed for the hub alone before they touch the flash.

The bench holds only the hub's RSA public key (config "seal_key": modulus in hex; exponent 65537),
so neither a passer-by on the open Wi-Fi nor whoever takes the bench's flash can read them: the
bench itself cannot. Format (docs/protocol.md, "Sealed contact details"), base64 of
    RSA-OAEP-SHA256(k) | iv (16) | HMAC-SHA256(k[32:], iv | ct) (32) | ct
where k is 64 fresh random bytes and ct = AES-256-CBC(k[:32], iv, PKCS#7(JSON [name, contact])):
encrypt-then-MAC. cryptolib offers CBC on every port (CTR is not on the unix port). The RSA step
is one pow() with exponent 65537: 17 multiplications, a few ms on the host.
"""
import hashlib
import json
import os
from binascii import b2a_base64, unhexlify

from benchcore.signing import hmac_sha256

PREFIX = "s1:"
_E = 65537
_HLEN = 32


def _mgf1(seed, length):
    out = bytearray()
    counter = 0
    while len(out) < length:
        out.extend(hashlib.sha256(seed + counter.to_bytes(4, "big")).digest())
        counter += 1
    return out[:length]


def _xor(a, b):
    out = bytearray(a)
    for i in range(len(out)):
        out[i] ^= b[i]
    return out


def _oaep_encrypt(modulus, message):
    """RSAES-OAEP (RFC 8017) with SHA-256 and MGF1-SHA-256, empty label."""
    n = int.from_bytes(modulus, "big")
    k = len(modulus)
    db = bytearray(hashlib.sha256(b"").digest())
    db.extend(bytes(k - len(message) - 2 * _HLEN - 2))
    db.append(1)
    db.extend(message)
    seed = os.urandom(_HLEN)
    masked_db = _xor(db, _mgf1(seed, k - _HLEN - 1))
    masked_seed = _xor(seed, _mgf1(bytes(masked_db), _HLEN))
    em = b"\x00" + bytes(masked_seed) + bytes(masked_db)
    return pow(int.from_bytes(em, "big"), _E, n).to_bytes(k, "big")


def seal(modulus_hex, name, contact):
    """The sealed text of (name, contact) for the record's "sealed" field."""
    from cryptolib import aes

    modulus = unhexlify(modulus_hex)
    plain = json.dumps([name, contact]).encode()
    pad = 16 - len(plain) % 16
    plain += bytes([pad]) * pad
    k = os.urandom(64)
    iv = os.urandom(16)
    ct = aes(k[:32], 2, iv).encrypt(plain)  # mode 2: CBC
    tag = hmac_sha256(k[32:], iv, ct)
    wrapped = _oaep_encrypt(modulus, k)
    return PREFIX + b2a_base64(wrapped + iv + tag + ct).decode().strip()


def seal_fields(proposal, modulus_hex, log=print):
    """Replace the proposal's name and contact by their sealed form (nothing if neither was given).
    Without a key the bench does not keep them at all: clear contact details never reach flash."""
    name = proposal.pop("name", "")
    contact = proposal.pop("contact", "")
    if not (name or contact):
        return proposal
    if modulus_hex:
        proposal["sealed"] = seal(modulus_hex, name, contact)
    else:
        log("portal: no seal_key in config.json: name and contact not kept")
    return proposal
