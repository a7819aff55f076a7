"""Parse and check the citizen's form: strict UTF-8, bounded fields, clear reasons."""
from benchcore.config import CATEGORIES

LIMITS = {"title": 120, "body": 2000, "name": 80, "contact": 120}


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


def _text(raw):
    """Percent-decoded, strictly UTF-8 text of one key or value (bytes or a bytearray). Decoded in
    place in one buffer of the raw size: no growing buffer on the heap."""
    out = bytearray(raw)
    n = len(out)
    j = 0
    i = 0
    while i < n:
        c = out[i]
        if c == 0x25:  # '%'
            if i + 2 >= n:
                raise FormError("bad_encoding")
            c = _hex(out[i + 1]) << 4 | _hex(out[i + 2])
            i += 3
        else:
            if c == 0x2B:  # '+'
                c = 0x20
            i += 1
        out[j] = c
        j += 1
    try:
        return str(memoryview(out)[:j], "utf-8")
    except UnicodeError:
        raise FormError("bad_encoding")


def parse_urlencoded(body):
    """dict of str -> str; FormError on bad percent-encoding or invalid UTF-8."""
    fields = {}
    for pair in body.split(b"&"):
        if not pair:
            continue
        key, _, value = pair.partition(b"=")
        fields[_text(key)] = _text(value)
    return fields


def _clean(text):
    # Normalise line ends and drop control characters other than newline and tab.
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        text = "".join(ch for ch in text if ord(ch) >= 32 or ch in "\n\t")
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
