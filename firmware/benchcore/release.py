"""A release's manifest: checked against the hub's release key before one byte of it is used.

The manifest is text, one line at a time so a bench never holds more than a line of it: a JSON
header ({"format", "seq", "version", "files", "bytes"}; seq only grows), then one line per file,
"<sha256 hex> <size> <path>". The hub signs SHA-256(manifest) with Ed25519 (the private key never
leaves the hub; a bench holds the public half), so a stolen bench key (HMAC, shared with the hub)
lets no one make a bench accept a release.
"""
import json
from binascii import unhexlify

from benchcore import protocol_updates as protocol

_PATH_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./"
_HEX = "0123456789abcdef"


class ReleaseRefused(ValueError):
    pass


def _safe_path(path):
    if not isinstance(path, str) or not 0 < len(path) <= 96 or ".." in path or "//" in path:
        return False
    for ch in path:  # short ASCII names only
        if ch not in _PATH_CHARS:
            return False
    for root in protocol.RELEASE_DIRS:
        if path.startswith(root):
            return True
    return False


def verify_signature(digest, signature_hex, public_key):
    """ReleaseRefused unless signature_hex is the release key's over digest (SHA-256 of the manifest).
    The verifier (benchcore.ed25519, ~8 KB on the chip) is loaded by this call only."""
    try:
        signature = unhexlify(bytes(signature_hex).strip())
    except ValueError:
        raise ReleaseRefused("signature not hex")
    from benchcore import ed25519

    try:
        ed25519.verify(public_key, digest, signature)
    except ed25519.BadSignature as exc:
        raise ReleaseRefused("bad signature (%s)" % exc)


def parse_header(line, newer_than):
    """The manifest's first line as a dict; ReleaseRefused unless well formed and newer."""
    try:
        h = json.loads(line)
    except ValueError:
        raise ReleaseRefused("manifest header not JSON")
    if not isinstance(h, dict) or h.get("format") != protocol.RELEASE_FORMAT:
        raise ReleaseRefused("unknown manifest format")
    seq, version, files, size = h.get("seq"), h.get("version"), h.get("files"), h.get("bytes")
    if not isinstance(seq, int) or not isinstance(version, str) or not 0 < len(version) <= 32:
        raise ReleaseRefused("manifest has no seq or version")
    if seq <= newer_than:
        raise ReleaseRefused("release %d is not newer than %d (replay?)" % (seq, newer_than))
    if not isinstance(files, int) or not 0 < files <= protocol.RELEASE_MAX_FILES:
        raise ReleaseRefused("bad file count")
    if not isinstance(size, int) or not 0 <= size <= protocol.RELEASE_MAX_BYTES:
        raise ReleaseRefused("release too large")
    return h


def parse_entry(line):
    """(path, size, sha256 hex) of one file line; ReleaseRefused if malformed."""
    parts = line.rstrip("\n").split(" ")
    if len(parts) != 3:
        raise ReleaseRefused("bad file line")
    digest, size, path = parts
    if len(digest) != 64 or any(ch not in _HEX for ch in digest):
        raise ReleaseRefused("bad sha256 for %s" % path)
    try:
        size = int(size)
    except ValueError:
        raise ReleaseRefused("bad size for %s" % path)
    if not 0 <= size <= protocol.RELEASE_MAX_FILE_BYTES:
        raise ReleaseRefused("bad size for %s" % path)
    if not _safe_path(path):
        raise ReleaseRefused("path not allowed: %r" % (path,))
    return path, size, digest


def check(manifest, signature_hex, public_key, newer_than):
    """A whole manifest (bytes) at once, as the hub checks what it signs: (header, [entries])."""
    import hashlib

    if len(manifest) > protocol.RELEASE_MAX_MANIFEST_BYTES:
        raise ReleaseRefused("manifest too large")
    verify_signature(hashlib.sha256(manifest).digest(), signature_hex, public_key)
    lines = manifest.decode().split("\n")
    if lines[-1] != "":
        raise ReleaseRefused("manifest does not end with a newline")
    header = parse_header(lines[0], newer_than)
    entries = [parse_entry(line) for line in lines[1:-1]]
    if len(entries) != header["files"] or sum(e[1] for e in entries) != header["bytes"]:
        raise ReleaseRefused("manifest header does not match its files")
    return header, entries
