"""Parse and check the citizen's form: strict UTF-8, bounded fields, clear reasons."""
from benchcore.config import CATEGORIES

LIMITS = {"title": 120, "body": 2000, "name": 80, "contact": 120}
_HEX = "0123456789abcdefABCDEF"


class FormError(ValueError):
    """reason is a key of the portal's messages, field the form field it concerns."""

    def __init__(self, reason, field=None):
        super().__init__(reason)
        self.reason = reason
        self.field = field


def _unquote(raw):
    raw = raw.replace(b"+", b" ")
    if b"%" not in raw:
        return raw
    out = bytearray()
    i = 0
    n = len(raw)
    while i < n:
        c = raw[i]
        if c == 0x25:  # '%'
            pair = raw[i + 1:i + 3]
            if len(pair) != 2 or chr(pair[0]) not in _HEX or chr(pair[1]) not in _HEX:
                raise FormError("bad_encoding")
            out.append(int(pair, 16))
            i += 3
        else:
            out.append(c)
            i += 1
    return bytes(out)


def parse_urlencoded(body):
    """dict of str -> str; FormError on bad percent-encoding or invalid UTF-8."""
    fields = {}
    for pair in body.split(b"&"):
        if not pair:
            continue
        key, _, value = pair.partition(b"=")
        try:
            fields[_unquote(key).decode()] = _unquote(value).decode()
        except UnicodeError:
            raise FormError("bad_encoding")
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
