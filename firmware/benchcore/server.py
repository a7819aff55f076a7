"""The portal's HTTP server: microdot's routing behind the limits a bench needs with many phones.

microdot reads a request line and headers with unbounded readline() and has no timeouts or
connection limits; on a 100 KB heap one hostile phone could take the bench down. Here a request
head is read in small chunks up to MAX_HEAD bytes, bodies up to MAX_BODY are read (bigger ones up to
DRAIN_LIMIT are read and thrown away so the phone can read the 413; bigger still are cut off),
every connection has REQUEST_TIMEOUT_S to finish, at most MAX_CONNECTIONS are served at once and
MAX_PER_CLIENT from one phone, and each phone has a token bucket of requests. What fails a limit
gets a short 4xx/503 and the connection is closed; the other phones are served on."""
import asyncio

from microdot.microdot import Microdot, NoCaseDict, Request, Response

from benchcore.compat import const, ticks_diff, ticks_ms

MAX_CONNECTIONS = const(10)  # lwIP on the ESP32 has 16 sockets; DNS and MQTT need theirs
MAX_PER_CLIENT = const(4)  # a browser opens up to 6; the form needs 1
MAX_HEAD = const(4096)
MAX_HEADERS = const(40)
MAX_BODY = const(6144)
DRAIN_LIMIT = const(65536)
_CHUNK = const(256)
_CLIENTS = const(16)


def _canned(status, text, extra=""):
    return ("HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n"
            "Cache-Control: no-store\r\n%s\r\n%s" % (status, len(text), extra, text)).encode()


_BAD = _canned("400 Bad Request", "400 Bad Request\n")
_TOO_BIG_HEAD = _canned("431 Request Header Fields Too Large", "431 Request Header Fields Too Large\n")
_LENGTH = _canned("411 Length Required", "411 Length Required\n")
_TOO_LARGE = _canned("413 Payload Too Large", "413 Payload Too Large\n")
_SLOW_DOWN = _canned("429 Too Many Requests", "429 Too Many Requests\n", "Retry-After: 30\r\n")
_BUSY = _canned("503 Service Unavailable", "503 Service Unavailable\n", "Retry-After: 5\r\n")
_TIMEOUT = _canned("408 Request Timeout", "408 Request Timeout\n")


class TokenBuckets:
    """Per-client token buckets: burst tokens, one more every every_ms; at most _CLIENTS tracked."""

    def __init__(self, burst, every_ms):
        self.burst = burst * 1000
        self.every_ms = max(1, every_ms)
        self._buckets = {}  # client address -> [milli-tokens, ticks_ms of last update]

    def allow(self, client):
        now = ticks_ms()
        bucket = self._buckets.get(client)
        if bucket is None:
            if len(self._buckets) >= _CLIENTS:
                # forget the fullest bucket: the phone that has been quiet the longest
                fullest = None
                for key, other in self._buckets.items():
                    if fullest is None or other[0] > self._buckets[fullest][0]:
                        fullest = key
                del self._buckets[fullest]
            bucket = [self.burst, now]
            self._buckets[client] = bucket
        else:
            bucket[0] = min(self.burst, bucket[0] + ticks_diff(now, bucket[1]) * 1000 // self.every_ms)
            bucket[1] = now
        if bucket[0] >= 1000:
            bucket[0] -= 1000
            return True
        return False


class PortalServer(Microdot):
    def __init__(self, request_timeout_s=10, burst=40, every_ms=500):
        super().__init__()
        self.timeout = request_timeout_s
        self.requests = TokenBuckets(burst, every_ms)
        self.active = 0
        self._per_client = {}
        self.refused = 0  # connections answered 429/503 without being served
        self.timed_out = 0
        Request.max_content_length = MAX_BODY
        Request.max_body_length = MAX_BODY

    async def handle_request(self, reader, writer):
        try:
            client = writer.get_extra_info("peername")[0]
        except (TypeError, IndexError, AttributeError):
            client = "?"
        mine = self._per_client.get(client, 0)
        if self.active >= MAX_CONNECTIONS or mine >= MAX_PER_CLIENT:
            self.refused += 1
            await _send(writer, _BUSY)
            return
        self.active += 1
        self._per_client[client] = mine + 1
        state = [False]  # becomes True once the response has started: no 408 after that
        try:
            await asyncio.wait_for(self._serve(reader, writer, client, state), self.timeout)
        except asyncio.TimeoutError:
            self.timed_out += 1
            await _send(writer, None if state[0] else _TIMEOUT)
        except Exception:  # a reset connection, a phone gone mid-answer: forget it
            await _send(writer, None)
        finally:
            self.active -= 1
            left = self._per_client.get(client, 1) - 1
            if left:
                self._per_client[client] = left
            else:
                self._per_client.pop(client, None)

    async def _serve(self, reader, writer, client, state):
        req = await self._read_request(reader, client)
        if not isinstance(req, Request):
            await _send(writer, req)
            return
        if not self.requests.allow(client):
            self.refused += 1
            await _send(writer, _SLOW_DOWN)
            return
        res = await self.dispatch_request(req)
        state[0] = True
        if res != Response.already_handled:
            await res.write(writer)
        await writer.aclose()

    async def _read_request(self, reader, client):
        """A microdot Request, or the canned answer (bytes; None to just close)."""
        buf = b""
        while True:
            end = buf.find(b"\r\n\r\n")
            skip = 4
            if end < 0:
                end = buf.find(b"\n\n")
                skip = 2
            if end >= 0:
                break
            if len(buf) > MAX_HEAD:
                return _TOO_BIG_HEAD
            chunk = await reader.read(_CHUNK)
            if not chunk:
                return None
            buf += chunk
        if end > MAX_HEAD:
            return _TOO_BIG_HEAD
        rest = buf[end + skip:]
        try:
            lines = buf[:end].decode().split("\n")
        except UnicodeError:
            return _BAD
        del buf
        if len(lines) > MAX_HEADERS:
            return _TOO_BIG_HEAD
        parts = lines[0].strip().split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1.") or not parts[1].startswith("/"):
            return _BAD
        method, url, version = parts
        headers = NoCaseDict()
        length = 0
        for line in lines[1:]:
            name, sep, value = line.strip().partition(":")
            if not sep or not name or " " in name or "\r" in value:
                return _BAD
            value = value.strip()
            headers[name] = value
            if name.lower() == "content-length":
                try:
                    length = int(value)
                except ValueError:
                    return _BAD
                if length < 0:
                    return _BAD
            elif name.lower() == "transfer-encoding":
                return _LENGTH
        body = b""
        if length > DRAIN_LIMIT:
            return _TOO_LARGE
        if length > MAX_BODY:
            await _drain(reader, length - len(rest))  # then dispatch answers 413 in the phone's language
        elif length:
            body = rest[:length]
            if len(body) < length:
                body += await reader.readexactly(length - len(body))
        del rest
        try:
            return Request(self, (client, 0), method, url, version[5:], headers, body=body,
                           sock=(reader, None))
        except Exception:  # percent-encoding or UTF-8 errors in the query string
            return _BAD


async def _drain(reader, length):
    while length > 0:
        chunk = await reader.read(min(length, 512))
        if not chunk:
            return
        length -= len(chunk)


async def _send(writer, data):
    try:
        if data:
            await writer.awrite(data)
        await writer.aclose()
    except Exception:
        pass
