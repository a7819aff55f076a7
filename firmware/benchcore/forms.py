"""Parse and check the citizen's form: strict UTF-8, bounded fields, clear reasons."""
from benchcore.contract import BENCH_BODY_LIMIT, CATEGORIES, TEXT_LIMITS

# Characters. The description's 1,000 (the hub accepts 2,000) is what the bench's heap takes in any
# script: a Cyrillic or "€" text arrives percent-encoded at 6 or 9 bytes a character.
LIMITS = {"title": TEXT_LIMITS["title"], "body": BENCH_BODY_LIMIT, "name": TEXT_LIMITS["name"],
          "contact": TEXT_LIMITS["contact"]}


class FormError(ValueError):
    """reason is a key of the portal's messages, field the form field it concerns."""

    def __init__(self, reason, field=None):
        super().__init__(reason)
        self.reason = reason
        self.field = field


def _hex(c):
    if 48 <= c <= 57:
        return c - 48
    c |= 0x20  # lower case
    if 97 <= c <= 102:
        return c - 87
    raise FormError("bad_encoding")


def _text(buf, view, start, end):
    """The percent-decoded, strictly UTF-8 text of buf[start:end], decoded in place inside buf (it
    only shrinks): the one allocation is the resulting str."""
    j = start
    i = start
    while i < end:
        c = buf[i]
        if c == 0x25:  # '%'
            if i + 2 >= end:
                raise FormError("bad_encoding")
            c = _hex(buf[i + 1]) << 4 | _hex(buf[i + 2])
            i += 3
        else:
            if c == 0x2B:  # '+'
                c = 0x20
            i += 1
        buf[j] = c
        j += 1
    try:
        return str(view[start:j], "utf-8")
    except UnicodeError:
        raise FormError("bad_encoding")


def parse_urlencoded(body):
    """dict of str -> str; FormError on bad percent-encoding or invalid UTF-8. A bytearray body (as
    the bench's server reads it) is decoded in place, with no copies of its parts."""
    if not isinstance(body, bytearray):
        body = bytearray(body)
    view = memoryview(body)
    fields = {}
    n = len(body)
    i = 0
    while i < n:
        amp = body.find(b"&", i, n)
        if amp < 0:
            amp = n
        if amp > i:
            eq = body.find(b"=", i, amp)
            if eq < 0:
                eq = amp
            key = _text(body, view, i, eq)
            fields[key] = _text(body, view, eq + 1, amp) if eq < amp else ""
        i = amp + 1
    return fields


# Made once at import. Never iterate a citizen's text character by character: MicroPython interns
# every one-character string it makes, so each new letter would grow the interpreter's string pool
# for good (a flood of distinct Unicode characters would exhaust the heap).
_CONTROLS = tuple(chr(c) for c in range(32) if c not in (9, 10))


def _clean(text):
    # Normalise line ends and drop control characters other than newline and tab.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip()
    for control in _CONTROLS:
        if control in text:
            text = text.replace(control, "")
    return text


def validate_proposal(fields):
    """The proposal to store, or FormError naming the first problem."""
    clean = {}
    for key in ("title", "body", "name", "contact"):
        value = _clean(fields.get(key, ""))
        if len(value) > LIMITS[key]:
            raise FormError("too_long", key)
        clean[key] = value
    for key in ("title", "body"):
        if not clean[key]:
            raise FormError("required", key)
    category = fields.get("category", "")
    if category not in CATEGORIES:
        raise FormError("bad_category", "category")
    clean["category"] = category
    clean["consent"] = fields.get("consent", "") in ("on", "yes", "1", "true")
    if (clean["name"] or clean["contact"]) and not clean["consent"]:
        # Personal data only with explicit consent (GDPR): ask rather than silently store.
        raise FormError("consent_needed", "consent")
    return clean
