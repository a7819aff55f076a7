"""The little of a web framework the portal uses: routes by exact path, before/after-request
handlers, error handlers by status code, a request and a response object.

It replaces microdot on the bench (benchcore.server still follows microdot's API and behaviour for
what the portal uses). microdot 2.7 loaded as .mpy took ~24 KB of the simulated heap (~12 KB on the
chip) and ~200 names of the interpreter's string pool, for cookies, URL patterns with regular
expressions, mounted sub-applications, JSON and multipart bodies and its own request reader and
response writer, none of which the portal uses (benchcore.server reads and writes requests itself).
The device library stays on the flash for other tools (bench doctor checks it)."""
import asyncio

from benchcore.compat import print_exception


def urldecode(text):
    """Percent-decoding as microdot did it: ValueError or UnicodeError on a malformed escape."""
    if "%" not in text and "+" not in text:
        return text
    parts = text.encode().replace(b"+", b" ").split(b"%")
    out = [parts[0]]
    for item in parts[1:]:
        if item:
            out.append(bytes((int(item[:2], 16),)))
            out.append(item[2:])
        else:
            out.append(b"%")
    return b"".join(out).decode()


class NoCaseDict(dict):
    """Request headers: the server stores their names in lower case; looked up in any case."""

    def get(self, key, default=None):
        return super().get(key.lower(), default)

    def __getitem__(self, key):
        return super().__getitem__(key.lower())

    def __contains__(self, key):
        return key.lower() in self.keys()


class Request:
    max_content_length = 16384  # larger bodies are answered by the 413 handler
    max_body_length = 16384

    def __init__(self, app, client_addr, method, url, http_version, headers, body=b"", sock=None):
        self.app = app
        self.client_addr = client_addr
        self.method = method
        self.url = url
        self.http_version = http_version
        self.headers = headers
        self._body = body
        self.sock = sock
        self.path = url
        self.args = {}  # the query's first value of each name
        if "?" in url:
            self.path, query = url.split("?", 1)
            for pair in query.split("&"):
                if pair:
                    key, _, value = pair.partition("=")
                    key = urldecode(key)
                    if key not in self.args:
                        self.args[key] = urldecode(value)
        self.content_length = int(headers.get("Content-Length") or 0)

    @property
    def body(self):
        return self._body


class Response:
    default_content_type = "text/plain"

    def __init__(self, body=b"", status_code=200, headers=None, reason=None):
        self.status_code = status_code
        self.headers = dict(headers) if headers else {}
        self.reason = reason
        self.body = body.encode() if isinstance(body, str) else body
        self.is_head = False

    def complete(self):
        headers = self.headers
        if isinstance(self.body, bytes) and "Content-Length" not in headers:
            headers["Content-Length"] = str(len(self.body))
        if "Content-Type" not in headers:
            headers["Content-Type"] = self.default_content_type + "; charset=UTF-8"

    @staticmethod
    def redirect(location, status_code=302):
        if "\r" in location or "\n" in location:
            raise ValueError("invalid redirect URL")
        return Response(b"", status_code, {"Location": location})

    @staticmethod
    def send_file(filename, status_code=200, content_type=None, max_age=None, compressed=False):
        headers = {"Content-Type": content_type or "application/octet-stream"}
        if max_age is not None:
            headers["Cache-Control"] = "max-age=%d" % max_age
        if compressed:
            headers["Content-Encoding"] = "gzip"
        return Response(open(filename, "rb"), status_code, headers)


def _response(res):
    if isinstance(res, Response):
        return res
    if isinstance(res, tuple):
        return Response(res[0], res[1], res[2] if len(res) > 2 else None)
    return Response(res)


class Microdot:
    """Routing as microdot's: HEAD is served by the GET route and sent without its body; a path
    with routes but none for the method is 405, no route 404; before-request handlers may answer
    first; after-request handlers see every routed response, not error responses."""

    def __init__(self):
        self.url_map = []  # (methods, path, handler)
        self.before_request_handlers = []
        self.after_request_handlers = []
        self.error_handlers = {}
        self.server = None

    def route(self, path, methods=("GET",)):
        def decorated(f):
            self.url_map.append((methods, path, f))
            return f

        return decorated

    def get(self, path):
        return self.route(path)

    def post(self, path):
        return self.route(path, ("POST",))

    def before_request(self, f):
        self.before_request_handlers.append(f)
        return f

    def after_request(self, f):
        self.after_request_handlers.append(f)
        return f

    def errorhandler(self, status_code):
        def decorated(f):
            self.error_handlers[status_code] = f
            return f

        return decorated

    async def _error(self, req, status_code, reason):
        handler = self.error_handlers.get(status_code)
        if handler is not None:
            return await handler(req)
        return reason, status_code

    async def dispatch_request(self, req):
        if req.content_length > req.max_content_length:
            return self._head(req, _response(await self._error(req, 413, "Payload too large")))
        method = "GET" if req.method == "HEAD" else req.method
        found = 404
        for methods, path, handler in self.url_map:
            if path == req.path:
                if method in methods:
                    found = handler
                    break
                found = 405
        try:
            if found in (404, 405):
                res = await self._error(req, found, "Not found")
            else:
                res = None
                for handler in self.before_request_handlers:
                    res = await handler(req)
                    if res:
                        break
                if res is None:
                    res = await found(req)
                res = _response(res)
                for handler in self.after_request_handlers:
                    res = await handler(req, res) or res
        except Exception as exc:
            print_exception(exc)
            res = await self._error(req, 500, "Internal server error")
        return self._head(req, _response(res))

    @staticmethod
    def _head(req, res):
        res.is_head = req.method == "HEAD"
        return res

    async def start_server(self, host="0.0.0.0", port=80):
        self.server = await asyncio.start_server(self.handle_request, host, port)
        await self.server.wait_closed()

    def shutdown(self):
        self.server.close()
