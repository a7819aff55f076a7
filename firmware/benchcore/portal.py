"""The citizen's portal: the proposal form and the receipt (microdot).

Pages are generators of small chunks: the ESP32's heap never holds a whole page at once."""
import time

from microdot import Microdot, Request, Response

from benchcore import protocol
from benchcore.compat import const
from benchcore.config import CATEGORIES
from benchcore.forms import FormError, parse_urlencoded, validate_proposal
from benchcore.i18n import pick_language, strings
from benchcore.outbox import OutboxFull

MAX_BODY = const(6144)
# Bodies up to _DRAIN_LIMIT are read and thrown away before the 413, so the phone gets to read the
# answer (closing on unread data makes TCP reset the connection); larger ones are cut off at once.
_DRAIN_LIMIT = const(65536)
Request.max_content_length = _DRAIN_LIMIT
Request.max_body_length = MAX_BODY
Request.max_readline = 1024

_HEAD = ('<!doctype html><html lang="%s"><head><meta charset="utf-8">'
         '<meta name="viewport" content="width=device-width,initial-scale=1"><title>%s</title><style>'
         "body{font-family:sans-serif;max-width:36em;margin:0 auto;padding:1em;line-height:1.4;color:#111}"
         "label{display:block;margin-top:.8em;font-weight:bold}"
         "input,textarea,select{width:100%%;box-sizing:border-box;font-size:1em;padding:.4em}"
         "input[type=checkbox]{width:auto}"
         "button{margin-top:1em;font-size:1.1em;padding:.6em 1.2em;background:#0b5;color:#000;border:0}"
         ":focus{outline:3px solid #05a}.err{color:#a00;font-weight:bold}.code{font-size:2em;letter-spacing:.1em}"
         "</style></head><body><main>")
_TAIL = "</main></body></html>"
_HTML = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}


def escape(text):
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def _page(lang, title, parts, status=200):
    def chunks():
        yield _HEAD % (lang, escape(title))
        for part in parts:
            yield part
        yield _TAIL

    return Response(chunks(), status, _HTML)


def _message_page(lang, key, status):
    s = strings(lang)
    return _page(lang, s["error"], ('<p class="err" role="alert">%s</p>' % s[key],), status)


def _form(lang, values, error):
    s = strings(lang)
    yield "<h1>%s</h1><p>%s</p>" % (s["title"], s["intro"])
    if error:
        yield '<p class="err" role="alert">%s</p>' % s[error.reason]
    yield '<form method="post" action="/proposals"><input type="hidden" name="lang" value="%s">' % lang
    yield ('<label for="title">%s</label><input id="title" name="title" required maxlength="120" value="%s">'
           % (s["f_title"], escape(values.get("title", ""))))
    yield ('<label for="body">%s</label><textarea id="body" name="body" required maxlength="2000" rows="6">%s'
           "</textarea>" % (s["f_body"], escape(values.get("body", ""))))
    yield '<label for="category">%s</label><select id="category" name="category">' % s["f_category"]
    for cat in CATEGORIES:
        yield '<option value="%s"%s>%s</option>' % (
            cat, " selected" if values.get("category") == cat else "", s["c_" + cat])
    yield "</select>"
    yield ('<label for="name">%s</label><input id="name" name="name" maxlength="80" value="%s">'
           % (s["f_name"], escape(values.get("name", ""))))
    yield ('<label for="contact">%s</label><input id="contact" name="contact" maxlength="120" value="%s">'
           % (s["f_contact"], escape(values.get("contact", ""))))
    yield '<label><input type="checkbox" name="consent" value="on"> %s</label>' % s["f_consent"]
    yield '<button type="submit">%s</button></form>' % s["submit"]


async def _drain(stream, length):
    buf = bytearray(512)
    view = memoryview(buf)
    while length > 0:
        n = await stream.readinto(view[:min(length, 512)])
        if not n:
            return  # the client gave up
        length -= n


def create_app(bench_id, outbox, clock, log=print):
    """clock() -> unix seconds, or None while the bench has no trusted time."""
    app = Microdot()
    booted = time.time()

    def lang_of(request, fields=None):
        chosen = (fields or {}).get("lang") or request.args.get("lang")
        return pick_language(chosen, request.headers.get("Accept-Language"))

    @app.get("/")
    async def form(request):
        lang = lang_of(request)
        return _page(lang, strings(lang)["title"], _form(lang, {}, None))

    @app.post("/proposals")
    async def submit(request):
        lang = lang_of(request)
        if request.content_length > MAX_BODY:
            await _drain(request.stream, request.content_length)
            return _message_page(lang, "too_large", 413)
        if len(request.body) != request.content_length:
            return _message_page(lang, "bad_encoding", 400)
        fields = {}
        try:
            fields = parse_urlencoded(request.body)
            lang = lang_of(request, fields)
            proposal = validate_proposal(fields)
        except FormError as exc:
            return _page(lang, strings(lang)["error"], _form(lang, fields, exc), 400)
        proposal["lang"] = lang
        pid = protocol.new_proposal_id()
        message = protocol.encode_proposal(bench_id, pid, proposal, clock(), int(time.time() - booted))
        del proposal, fields
        try:
            outbox.add(pid, message)
        except OutboxFull:
            log("portal: outbox full, proposal refused")
            return _message_page(lang, "full", 503)
        log("portal: stored proposal %s" % pid)
        s = strings(lang)
        return _page(lang, s["thanks"], (
            '<h1>%s</h1><p>%s:</p><p class="code"><strong>%s</strong></p>' % (
                s["thanks"], s["receipt"], protocol.receipt_code(pid)),
            '<p>%s</p><p><a href="/?lang=%s">%s</a></p>' % (s["next"], lang, s["again"])))

    @app.errorhandler(413)
    async def too_large(request):
        return _message_page(pick_language(None, request.headers.get("Accept-Language")) if request else "bs",
                             "too_large", 413)

    @app.errorhandler(404)
    async def not_found(request):
        # Until the captive-portal probes exist, every unknown path leads to the form.
        return Response.redirect("/")

    return app
