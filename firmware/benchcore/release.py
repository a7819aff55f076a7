"""A release's manifest: checked against the hub's release key before one byte of it is used.

The manifest (JSON) names the release's number (seq: only grows), its version and every file with
its size and SHA-256. The hub signs SHA-256(manifest) with Ed25519 (its release key's private half
never leaves the hub; the bench holds the public half), so a stolen bench key (HMAC, shared with the
hub) lets no one make a bench accept a release.
"""
import hashlib
import json
from binascii import unhexlify

from benchcore import ed25519
from benchcore import protocol_updates as protocol

_PATH_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./"


class ReleaseRefused(ValueError):
    pass


def _safe_path(path):
    if not isinstance(path, str) or not 0 < len(path) <= 96 or ".." in path or "//" in path:
        return False
    for ch in path:  # short ASCII names only; each letter is one the interpreter already interned
        if ch not in _PATH_CHARS:
            return False
    for root in protocol.RELEASE_DIRS:
        if path.startswith(root):
            return True
    return False


def check(manifest, signature_hex, public_key, newer_than):
    """The manifest (bytes) as a dict if signed by public_key and numbered above newer_than;
    ReleaseRefused (with the reason) otherwise."""
    if len(manifest) > protocol.RELEASE_MAX_MANIFEST_BYTES:
        raise ReleaseRefused("manifest too large")
    try:
        signature = unhexlify(bytes(signature_hex).strip())
    except ValueError:
        raise ReleaseRefused("signature not hex")
    try:
        ed25519.verify(public_key, hashlib.sha256(manifest).digest(), signature)
    except ed25519.BadSignature as exc:
        raise ReleaseRefused("bad signature (%s)" % exc)
    try:
        m = json.loads(manifest)
    except ValueError:
        raise ReleaseRefused("manifest not JSON")
    if not isinstance(m, dict) or m.get("format") != protocol.RELEASE_FORMAT:
        raise ReleaseRefused("unknown manifest format")
    seq, version, files = m.get("seq"), m.get("version"), m.get("files")
    if not isinstance(seq, int) or not isinstance(version, str) or not 0 < len(version) <= 32:
        raise ReleaseRefused("manifest has no seq or version")
    if seq <= newer_than:
        raise ReleaseRefused("release %d is not newer than %d (replay?)" % (seq, newer_than))
    if not isinstance(files, list) or not 0 < len(files) <= protocol.RELEASE_MAX_FILES:
        raise ReleaseRefused("bad file list")
    total = 0
    for entry in files:
        if not isinstance(entry, list) or len(entry) != 3:
            raise ReleaseRefused("bad file entry")
        path, size, digest = entry
        if not _safe_path(path):
            raise ReleaseRefused("path not allowed: %r" % (path,))
        if not isinstance(size, int) or not 0 <= size <= protocol.RELEASE_MAX_FILE_BYTES:
            raise ReleaseRefused("bad size for %s" % path)
        if not isinstance(digest, str) or len(digest) != 64:
            raise ReleaseRefused("bad sha256 for %s" % path)
        total += size
    if total > protocol.RELEASE_MAX_BYTES:
        raise ReleaseRefused("release too large (%d bytes)" % total)
    return m
