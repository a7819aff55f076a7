"""The hub's side of sealed contact details (firmware/benchcore/seal.py has the format).

One RSA-2048 key pair per hub, made on first use and kept in the database beside the benches'
signing keys; benches get the public modulus in their config (bench_issue_credentials)."""
import base64
import hashlib
import hmac
import json

from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as asym
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PREFIX = "s1:"
_RSA_BYTES = 256


class SealError(ValueError):
    pass


def _private_key():
    from django.db import transaction

    from hub_server.fleet.models import SealKey

    row = SealKey.objects.filter(pk=1).first()
    if row is None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
        with transaction.atomic():
            row, _ = SealKey.objects.get_or_create(pk=1, defaults={"private_pem": pem})
    return serialization.load_pem_private_key(row.private_pem.encode(), password=None)


def seal_public_modulus() -> str:
    """The hex modulus a bench needs as config "seal_key"."""
    return format(_private_key().public_key().public_numbers().n, "0512x")


def unseal_contact(sealed: str, private_key=None) -> tuple[str, str]:
    """(name, contact) of a sealed field; SealError if it is not one the hub's key (or
    private_key) opened."""
    if not sealed.startswith(PREFIX):
        raise SealError("unknown format")
    try:
        raw = base64.b64decode(sealed[len(PREFIX):], validate=True)
    except ValueError:
        raise SealError("not base64")
    if len(raw) < _RSA_BYTES + 16 + 32 + 16 or (len(raw) - _RSA_BYTES - 48) % 16:
        raise SealError("wrong length")
    wrapped, iv, tag, ct = raw[:_RSA_BYTES], raw[_RSA_BYTES:_RSA_BYTES + 16], raw[_RSA_BYTES + 16:_RSA_BYTES + 48], \
        raw[_RSA_BYTES + 48:]
    try:
        k = (private_key or _private_key()).decrypt(wrapped, asym.OAEP(mgf=asym.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(),
                                                      label=None))
    except ValueError:
        raise SealError("not sealed for this hub")
    if len(k) != 64 or not hmac.compare_digest(hmac.new(k[32:], iv + ct, hashlib.sha256).digest(), tag):
        raise SealError("bad tag")
    decryptor = Cipher(algorithms.AES(k[:32]), modes.CBC(iv)).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        plain = unpadder.update(decryptor.update(ct) + decryptor.finalize()) + unpadder.finalize()
        name, contact = json.loads(plain.decode("utf-8"))
    except (ValueError, TypeError):
        raise SealError("malformed content")
    if not isinstance(name, str) or not isinstance(contact, str):
        raise SealError("malformed content")
    from benchcore.contract import TEXT_LIMITS

    if len(name) > TEXT_LIMITS["name"] or len(contact) > TEXT_LIMITS["contact"]:
        raise SealError("name or contact too long")
    return name, contact
