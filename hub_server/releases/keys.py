"""The hub's release key: Ed25519, made once, kept in a file only the hub can read."""
import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings


def _path() -> Path:
    return Path(settings.HUB_RELEASE_KEY_FILE)


def release_key(create: bool = False) -> Ed25519PrivateKey:
    path = _path()
    if not path.exists():
        if not create:
            raise FileNotFoundError(f"no release key at {path}: run `hub release key` once")
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def public_key_hex(key: Ed25519PrivateKey) -> str:
    """What a bench's config.json holds as release_key."""
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def sign_manifest(key: Ed25519PrivateKey, manifest: bytes) -> str:
    """Hex signature over SHA-256(manifest): the bench verifies the 32-byte digest (its Ed25519 needs a
    pure-Python SHA-512, which then hashes one block instead of the whole manifest)."""
    return key.sign(hashlib.sha256(manifest).digest()).hex()
