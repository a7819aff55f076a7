"""Citizen text made inert and bounded wherever it is shown: pages, exports, emails, the bench digest.

HTML is escaped by the templates (autoescape) and by json; this removes what escaping does not:
control characters, zero-width and bidirectional overrides (which can make text read backwards or
hide parts of it), and bounds the length.
"""
import re

_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"[ \t]+")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str, limit: int) -> str:
    """Without invisible and direction-changing characters, at most `limit` characters (… when cut)."""
    text = _SPACES.sub(" ", _INVISIBLE.sub("", text or "")).strip()
    if len(text) > limit:
        text = text[: max(limit - 1, 0)].rstrip() + "…"
    return text


def inert_line(text: str, limit: int) -> str:
    """`inert` on one line: line breaks become spaces (titles, email subjects, the digest)."""
    return inert(re.sub(r"[\r\n\u2028\u2029]+", " ", text or ""), limit)


def csv_safe(text: str) -> str:
    """Keep a spreadsheet from running citizen text as a formula (CSV injection)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


_RECEIPT = re.compile(r"^[0-9A-Z]{4}-?[0-9A-Z]{4}$")


def receipt_normalise(text: str) -> str | None:
    """A receipt code as the hub stores it ('K7QM-2XF9'), from what a citizen typed; None if it cannot be one.

    Case, spaces and a missing dash are forgiven; anything else (other characters, another length)
    is not a receipt code, and the caller answers 400 instead of searching.
    """
    text = (text or "")[:20].upper().replace(" ", "")
    if not _RECEIPT.match(text):
        return None
    return text if "-" in text else f"{text[:4]}-{text[4:]}"
