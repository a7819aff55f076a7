"""Name and contact of a citizen, sealed for the hub alone before they touch the flash.

The bench holds only the hub's RSA public key (config "seal_key": modulus in hex; exponent 65537),
so neither a passer-by on the open Wi-Fi nor whoever takes the bench's flash can read them: the
bench itself cannot. Format (docs/protocol.md, "Sealed contact details"): "s1:" + base64 of
    RSA-OAEP-SHA256(k) | iv (16) | HMAC-SHA256(k[32:], iv | ct) (32) | ct
where k is 64 fresh random bytes and ct = AES-256-CBC(k[:32], iv, PKCS#7(JSON [name, contact])):
encrypt-then-MAC. cryptolib offers CBC on every port (CTR is not on the unix port). The RSA step
is one pow() with exponent 65537: 17 multiplications, a few ms on the host. Few names on purpose:
each is an interned string on the bench's heap for good.
"""
import hashlib
import json
import os
from binascii import b2a_base64, unhexlify

from benchcore.signing import hmac_sha256


def _mgf1(data, n):
    out = bytearray()
    i = 0
    while len(out) < n:
        out.extend(hashlib.sha256(data + i.to_bytes(4, "big")).digest())
        i += 1
    return out[:n]


def seal_fields(proposal, key, log=print):
    """Replace the proposal's name and contact by their sealed form ("sealed"), nothing if neither
    was given. Without a key the bench does not keep them at all: clear contact details never
    reach flash."""
    name = proposal.pop("name", "")
    contact = proposal.pop("contact", "")
    if not (name or contact):
        return proposal
    if not key:
        log("portal: no seal_key in config.json: name and contact not kept")
        return proposal
    from cryptolib import aes

    plain = json.dumps([name, contact]).encode()
    pad = 16 - len(plain) % 16
    plain += bytes([pad]) * pad
    k = os.urandom(64)
    iv = os.urandom(16)
    ct = aes(k[:32], 2, iv).encrypt(plain)  # mode 2: CBC
    tag = hmac_sha256(k[32:], iv, ct)
    # RSAES-OAEP (RFC 8017), SHA-256 and MGF1-SHA-256, empty label, of k
    modulus = unhexlify(key)
    size = len(modulus)
    db = bytearray(hashlib.sha256(b"").digest())
    db.extend(bytes(size - len(k) - 66))
    db.append(1)
    db.extend(k)
    salt = bytearray(os.urandom(32))  # OAEP's seed
    mask = _mgf1(salt, size - 33)
    for i in range(len(db)):
        db[i] ^= mask[i]
    mask = _mgf1(bytes(db), 32)
    for i in range(32):
        salt[i] ^= mask[i]
    em = int.from_bytes(b"\x00" + bytes(salt) + bytes(db), "big")
    wrapped = pow(em, 65537, int.from_bytes(modulus, "big")).to_bytes(size, "big")
    proposal["sealed"] = "s1:" + b2a_base64(wrapped + iv + tag + ct).decode().strip()
    return proposal
