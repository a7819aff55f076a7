"""Messages between bench and hub (see docs/protocol.md): topics, ids, encodings, signatures."""
import json
import os
from binascii import hexlify

from benchcore import contract, signing
from benchcore.contract import PROTOCOL_VERSION, topic  # noqa: F401 - the protocol's names

# Crockford's base32: no I, L, O, U, so a receipt read aloud or typed on a phone stays unambiguous.
# A tuple of its letters, made at import (boot): MicroPython interns each one-letter string, and
# doing that on the first receipts instead grew the interpreter's string pool on a busy heap.
_RECEIPT_ALPHABET = tuple("0123456789ABCDEFGHJKMNPQRSTVWXYZ")


def new_proposal_id():
    return hexlify(os.urandom(8)).decode()


def receipt_code(proposal_id):
    """Eight characters shown to the citizen, e.g. 'K7QM-2XF9', derived from the id."""
    bits = int(proposal_id[:10], 16)  # 40 bits = 8 symbols of 5 bits
    out = ""
    for _ in range(8):
        out = _RECEIPT_ALPHABET[bits & 31] + out
        bits >>= 5
    return out[:4] + "-" + out[4:]


def _dump(value):
    # MicroPython's json keeps non-ASCII as UTF-8; CPython must be told to do the same.
    try:
        return json.dumps(value, ensure_ascii=False)
    except TypeError:
        return json.dumps(value)


def encode_pieces(pairs):
    """A JSON object with keys in the given order, as a list of str pieces: written to flash one
    by one, a long description never needs a second contiguous copy of itself."""
    pieces = ["{"]
    for key, value in pairs:
        pieces.append(("," if len(pieces) > 1 else "") + _dump(key) + ":")
        pieces.append(_dump(value))
    pieces.append("}")
    return pieces


def encode(pairs):
    """JSON object with keys in the given order: both sides produce the same bytes."""
    return "".join(encode_pieces(pairs)).encode()


_sequence = [0, 0]  # (boot, last n): proposals are numbered in the order citizens sent them


def start_sequence(boot):
    _sequence[0] = boot
    _sequence[1] = 0


def encode_proposal(bench_id, proposal_id, fields, created, uptime_s, boot=None, n=None):
    """The proposal's record: stored on flash as is, and sent as the first line of its message."""
    return "".join(proposal_pieces(bench_id, proposal_id, fields, created, uptime_s, boot, n)).encode()


def proposal_pieces(bench_id, proposal_id, fields, created, uptime_s, boot=None, n=None):
    """The record as str pieces (see encode_pieces), numbered in the bench's sequence."""
    if n is None:
        _sequence[1] += 1
        boot, n = _sequence
    return encode_pieces((
        ("v", PROTOCOL_VERSION),
        ("id", proposal_id),
        ("bench", bench_id),
        ("receipt", receipt_code(proposal_id)),
        ("title", fields["title"]),
        ("body", fields["body"]),
        ("category", fields["category"]),
        ("lang", fields.get("lang", "bs")),
        (contract.sealed, fields.get(contract.sealed, "")),
        ("consent", bool(fields.get("consent"))),
        ("created", created),
        ("uptime", uptime_s),
        ("boot", boot),
        ("n", n),
    ))


def proposal_payload(topic_name, record, boot, uptime_s, now, key_id, key):
    """record + a line of what the bench knows at sending time (to date a proposal made before
    its clock was set), signed; built in one buffer, so a long record is not copied twice more."""
    meta = encode((("boot", boot), ("up", uptime_s), ("now", now)))
    mac = signing.hmac_sha256(key, topic_name.encode(), b"\n", record, b"\n", meta)
    kid = key_id.encode()
    out = bytearray(len(record) + len(meta) + len(kid) + 67)
    at = len(record)
    out[:at] = record
    out[at] = 10
    out[at + 1:at + 1 + len(meta)] = meta
    at += 1 + len(meta)
    out[at] = 10
    out[at + 1:at + 1 + len(kid)] = kid
    at += 1 + len(kid)
    out[at] = 32
    out[at + 1:] = hexlify(mac)
    return out


def open_hub_message(topic_name, payload, keys):
    """Verify a hub message and decode its JSON object; ValueError (or SignatureError) if not."""
    body, _ = signing.verify(topic_name, payload, keys)
    try:
        msg = json.loads(body)
    except (ValueError, UnicodeError):
        raise ValueError("not JSON")
    if not isinstance(msg, dict):
        raise ValueError("not a JSON object")
    return msg


def status_body(state, boot, n):
    return encode((("state", state), (contract.boot, boot), (contract.n, n)))


def telemetry_body(boot, n, up, now, pairs):
    """pairs: (telemetry key of benchcore.contract, value), after the sequence keys."""
    return encode([(contract.boot, boot), (contract.n, n), (contract.up, up), (contract.now, now)] + pairs)


def decode_ack(msg):
    """The ids of a verified ack message (a dict); raises ValueError on anything malformed."""
    ids = contract.check(msg, contract.SPECS[contract.ack])["ids"]
    for pid in ids:
        if not isinstance(pid, str) or len(pid) != 16:
            raise ValueError("ack names an invalid id")
    return ids
