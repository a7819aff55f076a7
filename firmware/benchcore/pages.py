"""The portal's HTML, as generators of small chunks: the heap never holds a whole page.

The same generators render on the bench (the receipt, error, status and digest pages) and at
build time on CPython (the empty form, written pre-gzipped into www/ of the flash image by
edge_agent/portal_pages.py). No JavaScript: plain forms and links work in every captive sheet."""
from benchcore.compat import const
from benchcore.config import CATEGORIES
from benchcore.forms import LIMITS
from benchcore.i18n import NATIVE_NAMES, strings

_DIGEST_CHARS = const(2000)
# Contrast: text #111 and links #04a on white, black on #0b5; focus ring 3px, never removed.
_CSS = ("body{font-family:sans-serif;max-width:36em;margin:0 auto;padding:.8em;line-height:1.4;color:#111;"
        "background:#fff}a{color:#04a}label{display:block;margin-top:.8em;font-weight:bold}"
        "input,textarea,select{width:100%;box-sizing:border-box;font-size:1em;padding:.4em;border:1px solid #555}"
        "input[type=checkbox]{width:1.3em;height:1.3em;vertical-align:middle}.ck{font-weight:normal}"
        "small{display:block;color:#444}fieldset{margin-top:1em;border:1px solid #888}"
        "button{margin-top:1em;font-size:1.1em;padding:.6em 1.2em;background:#0b5;color:#000;border:0}"
        ":focus{outline:3px solid #04a;outline-offset:2px}.err{color:#a00;font-weight:bold}"
        ".code{font-size:2em;letter-spacing:.1em}nav a{display:inline-block;padding:.3em .4em}"
        "[aria-current]{font-weight:bold;color:#111}dt{font-weight:bold}dd{margin:0 0 .6em}")


def escape(text):
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def head(lang, title, path="/"):
    s = strings(lang)
    yield ('<!doctype html><html lang="%s"><head><meta charset="utf-8">'
           '<meta name="viewport" content="width=device-width,initial-scale=1"><title>%s</title><style>'
           % (lang, escape(title)))
    yield _CSS  # as it is: never copied into a bigger string on the bench's heap
    yield '</style></head><body><header><nav aria-label="%s">' % s["lang"]
    for code, name in NATIVE_NAMES:
        yield '<a href="%s?lang=%s" lang="%s" hreflang="%s"%s>%s</a> ' % (
            path, code, code, code, ' aria-current="true"' if code == lang else "", name)
    yield "</nav></header><main>"


def tail(lang):
    s = strings(lang)
    yield '</main><footer><nav aria-label="%s">' % s["nav"]
    for path, key in (("/", "nav_form"), ("/ideas", "nav_digest"), ("/status", "nav_status")):
        yield '<a href="%s?lang=%s">%s</a> ' % (path, lang, s[key])
    yield "</nav></footer></body></html>"


def page(lang, title, body, path="/"):
    for part in head(lang, title, path):
        yield part
    for part in body:
        yield part
    for part in tail(lang):
        yield part


def error_text(lang, reason, field=None):
    s = strings(lang)
    text = s[reason]
    if reason == "too_long" and field in LIMITS:
        text += " %s: %s." % (s["f_" + field], s["max"] % LIMITS[field])
    return text


def form(lang, values=None, error=None):
    """The proposal form; values refill it after an error (escaped), error is a FormError."""
    s = strings(lang)
    values = values or {}
    bad = error.field if error else None
    yield "<h1>%s</h1>" % s["title"]
    if not error:
        yield "<p>%s</p>" % s["intro"]
    else:  # in place of the intro, so the form sent back stays under 8 KB
        yield '<p class="err" role="alert" id="err">%s</p>' % escape(error_text(lang, error.reason, error.field))
    yield '<form method="post" action="/proposals"><input type="hidden" name="lang" value="%s">' % lang
    for key, tag in (("title", "input"), ("body", "textarea")):
        yield '<label for="%s">%s</label><small id="%s-h">%s</small>' % (key, s["f_" + key], key, s["max"] % LIMITS[key])
        attrs = 'id="%s" name="%s" required maxlength="%d" aria-describedby="%s-h"%s' % (
            key, key, LIMITS[key], key, ' aria-invalid="true"' if bad == key else "")
        value = escape(values.get(key, ""))
        if tag == "input":
            yield '<input %s value="%s">' % (attrs, value)
        else:
            yield '<textarea %s rows="6">%s</textarea>' % (attrs, value)
    yield '<label for="category">%s</label><select id="category" name="category">' % s["f_category"]
    for cat in CATEGORIES:
        yield '<option value="%s"%s>%s</option>' % (
            cat, " selected" if values.get("category") == cat else "", s["c_" + cat])
    # In plain words, before anyone types a name: the hotspot is open, what crosses it (benchcore.seal)
    yield '</select><fieldset><legend>%s</legend><p>%s</p>' % (s["personal"], s["open_wifi"])
    for key, kind in (("name", "text"), ("contact", "text")):
        yield '<label for="%s">%s</label><input id="%s" name="%s" type="%s" maxlength="%d" value="%s">' % (
            key, s["f_" + key], key, key, kind, LIMITS[key], escape(values.get(key, "")))
    # Unticked by default, always: consent is given, never assumed (GDPR art. 7).
    yield ('<label class="ck"%s><input type="checkbox" name="consent" value="on"> %s</label></fieldset>'
           % (' aria-invalid="true"' if bad == "consent" else "", s["f_consent"]))
    yield '<button type="submit">%s</button></form>' % s["submit"]


def thanks(lang, receipt):
    s = strings(lang)
    yield '<h1>%s</h1><p>%s:</p><p class="code"><strong>%s</strong></p>' % (s["thanks"], s["receipt"], receipt)
    yield '<p>%s</p><p><a href="/?lang=%s">%s</a></p>' % (s["next"], lang, s["again"])


def message(lang, key):
    yield '<h1>%s</h1><p class="err" role="alert">%s</p>' % (strings(lang)["error"], strings(lang)[key])
    yield '<p><a href="/?lang=%s">%s</a></p>' % (lang, strings(lang)["nav_form"])


def status(lang, info):
    """info: dict with battery_pct, solar_mw (None when unknown), ideas, waiting, online."""
    s = strings(lang)
    unknown = s["unknown"]
    battery = info.get("battery_pct")
    solar = info.get("solar_mw")
    yield "<h1>%s</h1><dl>" % s["nav_status"]
    for label, value in (
            (s["st_battery"], unknown if battery is None else "%d %%" % battery),
            (s["st_sun"], unknown if solar is None else "%.1f W" % (solar / 1000)),
            (s["st_ideas"], "%d" % info.get("ideas", 0)),
            (s["st_waiting"], "%d" % info.get("waiting", 0)),
            (s["st_online"], s["yes"] if info.get("online") else s["no"])):
        yield "<dt>%s</dt><dd>%s</dd>" % (label, value)
    yield "</dl>"


_DIGEST_STATES = ("validated", "planned", "in_progress", "done", "not_possible")


def digest(lang, items, updated=None):
    """items: the hub's digest items (receipt, title, status, answer, updated), already bounded."""
    s = strings(lang)
    yield "<h1>%s</h1>" % s["nav_digest"]
    if updated:
        yield "<p>%s %s</p>" % (s["digest_updated"], escape(updated))
    words = s["digest_words"].split("|")  # the states below, then "answer"
    count = 0
    budget = _DIGEST_CHARS  # the page stays under 8 KB even in a two-byte script
    for item in items:
        if not count:
            yield "<ul>"
        count += 1
        title = str(item.get("title", ""))[:160]
        budget -= len(title)
        yield "<li><strong>%s</strong> <small>%s</small>" % (escape(title), escape(str(item.get("receipt", ""))[:9]))
        code = item.get("status")
        if code in _DIGEST_STATES:  # a status this firmware does not know is left out
            yield "<br>%s" % escape(words[_DIGEST_STATES.index(code)])
        answer = str(item.get("answer", ""))[:400]
        if answer:
            budget -= len(answer)
            yield "<br>%s: %s" % (escape(words[-1]), escape(answer))
        yield "</li>"
        if budget <= 0:
            break
    yield "</ul>" if count else "<p>%s</p>" % s["digest_none"]
