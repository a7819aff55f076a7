"""The citizen's portal: the form, the receipt, what became of the ideas, the bench's status.

The empty form, the page every phone loads, is pre-rendered per language at build time and lies
gzipped in www/<lang>/ on the flash (edge_agent/portal_pages.py); it is streamed from there as is.
Other pages are generators of small chunks (benchcore.pages), gathered by the server into writes
of its slot buffer's size: the heap never holds a whole page."""
import gc
import json
import sys
import time

from benchcore import VERSION, pages, protocol
from benchcore.clock import uptime
from benchcore.compat import const, file_size
from benchcore.forms import FormError, parse_urlencoded, validate_proposal
from benchcore.i18n import pick_language, strings
from benchcore.outbox import OutboxFull
from benchcore.server import PortalServer, TokenBuckets
from benchcore.web import Response

_DIGEST_ITEMS = const(20)
# The form and other pages vary by language and encoding; revalidate (ETag) rather than guess.
_HTML = "text/html; charset=utf-8"
_VARY = "Accept-Language, Accept-Encoding"


def seal_contact(proposal, key, log):
    """Name and contact sealed for the hub (benchcore.seal). Its code is loaded only for a
    submission that has them and dropped after: it takes no heap while the bench waits."""
    if proposal.get("name") or proposal.get("contact"):
        from benchcore import seal

        try:
            seal.seal_fields(proposal, key, log)
        finally:
            del seal, sys.modules["benchcore.seal"], sys.modules["benchcore"].seal
    proposal.pop("name", None)
    proposal.pop("contact", None)


def html(lang, title, body, status=200, path="/", cache="no-store"):
    return Response(pages.page(lang, title, body, path), status,
                    {"Content-Type": _HTML, "Cache-Control": cache, "Content-Language": lang, "Vary": _VARY})


def message(lang, key, status):
    return html(lang, strings(lang)["error"], pages.message(lang, key), status)


def _client(request):
    return request.client_addr[0] if request.client_addr else "?"


def create_app(bench_id, outbox, clock, log=print, probes=None, status_info=None, www="www",
               portal_cfg=None, seal_key=None):
    """clock() -> unix seconds, or None while the bench has no trusted time; probes: a
    benchcore.probes.Probes (None: no captive handling); status_info() -> dict for /status;
    seal_key: the hub's public modulus (hex) that name and contact are sealed with (benchcore.seal)."""
    cfg = portal_cfg or {}
    app = PortalServer(request_timeout_s=cfg.get("request_timeout_s", 10), burst=cfg.get("burst", 40),
                       every_ms=cfg.get("every_ms", 500), head_timeout_s=cfg.get("head_timeout_s", 3))
    # Submissions have a bucket of their own: a few in a row, then one a minute from each phone.
    app.posts = TokenBuckets(cfg.get("post_burst", 8), cfg.get("post_every_ms", 60000))

    def lang_of(request, fields=None):
        chosen = (fields or {}).get("lang") or request.args.get("lang")
        return pick_language(chosen, request.headers.get("Accept-Language"))

    if probes is not None:
        @app.before_request
        async def captive(request):
            return probes.answer(request)

    @app.get("/")
    async def form(request):
        lang = lang_of(request)
        gz = "gzip" in request.headers.get("Accept-Encoding", "")
        path = "%s/%s/index.html%s" % (www, lang, ".gz" if gz else "")
        size = file_size(path)
        if size < 0:  # no pre-rendered page (a bare source tree): render it here
            return html(lang, strings(lang)["title"], pages.form(lang), cache="no-cache")
        etag = '"%s-%s-%d%s"' % (VERSION, lang, size, "z" if gz else "")
        headers = {"Content-Type": _HTML, "Cache-Control": "no-cache", "ETag": etag, "Vary": _VARY,
                   "Content-Language": lang}
        if request.headers.get("If-None-Match") == etag:
            return Response("", 304, headers)
        res = Response.send_file(path, content_type=_HTML, compressed=gz, max_age=0)
        res.headers.update(headers)
        res.headers["Content-Length"] = str(size)
        return res

    @app.post("/proposals")
    async def submit(request):
        lang = lang_of(request)
        if not app.posts.allow(_client(request)):
            log("portal: %s is sending too fast, proposal refused" % _client(request))
            res = message(lang, "slow_down", 429)
            res.headers["Retry-After"] = "60"
            return res
        gc.collect()  # a submission makes the most garbage: start it on a tidy heap
        fields = {}
        try:
            fields = parse_urlencoded(request.body)
            request._body = None  # the raw form (up to 21 KB) is not needed once decoded
            lang = lang_of(request, fields)
            proposal = validate_proposal(fields)
        except FormError as exc:
            return html(lang, strings(lang)["error"], pages.form(lang, fields, exc), 400)
        proposal["lang"] = lang
        seal_contact(proposal, seal_key, log)
        pid = protocol.new_proposal_id()
        msg = protocol.proposal_pieces(bench_id, pid, proposal, clock(), uptime())
        del proposal, fields
        try:
            outbox.add(pid, msg)
        except OutboxFull:
            log("portal: outbox full, proposal refused")
            res = message(lang, "full", 503)
            res.headers["Retry-After"] = "3600"
            return res
        del msg
        log("portal: stored proposal %s" % pid)
        if probes is not None:
            probes.release(_client(request))
        return html(lang, strings(lang)["thanks"], pages.thanks(lang, protocol.receipt_code(pid)))

    @app.get("/ideas")
    async def ideas(request):
        lang = lang_of(request)
        digest = {}
        try:
            with open("digest.json") as f:  # written by the uplink from the hub's retained digest
                digest = json.load(f)
        except (OSError, ValueError):
            pass
        items = digest.get("items") or []
        return html(lang, strings(lang)["nav_digest"], pages.digest(lang, items[:_DIGEST_ITEMS], digest.get("updated")),
                    path="/ideas", cache="no-cache")

    @app.get("/status")
    async def status(request):
        lang = lang_of(request)
        info = status_info() if status_info else {"waiting": len(outbox)}
        return html(lang, strings(lang)["nav_status"], pages.status(lang, info), path="/status",
                    cache="max-age=10")

    @app.errorhandler(413)
    async def too_large(request):
        return message(lang_of(request) if request else "bs", "too_large", 413)

    @app.errorhandler(404)
    async def not_found(request):
        # A path the portal does not have, on the portal's own host: back to the form.
        if probes is not None:
            return probes.answer(request) or probes.redirect()
        return Response.redirect("/")

    @app.errorhandler(405)
    async def not_allowed(request):
        return Response.redirect("/", 303)

    return app
