"""The portal's HTTP server: microdot's routing behind the limits a bench needs with many phones.

microdot reads a request line and headers with unbounded readline() and has no timeouts or
connection limits; on a 100 KB heap one hostile phone could take the bench down. Here a request
head is read in small chunks up to MAX_HEAD bytes, bodies up to MAX_BODY are read (bigger ones up to
DRAIN_LIMIT are read and thrown away so the phone can read the 413; bigger still are cut off),
every connection has a timeout to finish, at most MAX_ACTIVE are served at once (one per phone)
while up to MAX_WAITING wait, and each phone has a token bucket of requests. What fails a limit
gets a short 4xx/503 and the connection is closed; the other phones are served on."""
import asyncio

from microdot.microdot import Microdot, NoCaseDict, Request, Response

from benchcore.compat import const, ticks_diff, ticks_ms

# Requests are served MAX_ACTIVE at a time, at most two per phone: the heap has room for a few in flight,
# not for every phone at once. Up to MAX_WAITING more connections wait their turn (lwIP on the
# ESP32 has 16 sockets; DNS and MQTT need theirs); past that, or MAX_PER_CLIENT from one phone, 503.
MAX_ACTIVE = const(3)
MAX_WAITING = const(10)
MAX_PER_CLIENT = const(4)
_WAIT_S = 0.02
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
        self.connections = 0
        self._busy = []  # phones with a request being served
        self._per_client = {}
        self.refused = 0  # connections answered 429/503 without being served
        self.timed_out = 0
        Request.max_content_length = MAX_BODY
        Request.max_body_length = MAX_BODY
        Response.send_file_buffer_size = 512

    async def handle_request(self, reader, writer):
        client = _peer(writer)
        mine = self._per_client.get(client, 0)
        if self.connections >= MAX_ACTIVE + MAX_WAITING or mine >= MAX_PER_CLIENT:
            self.refused += 1
            await _send(writer, _BUSY)
            return
        self.connections += 1
        self._per_client[client] = mine + 1
        state = [False]  # becomes True once the response has started: no 408 after that
        active = False
        try:
            # Browsers open connections ahead of need and may never use them: a connection takes
            # a slot only once its first bytes have come (a 256-byte read while it waits).
            first = await asyncio.wait_for(reader.read(_CHUNK), self.timeout)
            if not first:
                raise OSError(0)
            waited = 0
            while self.active >= MAX_ACTIVE or self._busy.count(client) >= 2:
                await asyncio.sleep(_WAIT_S)
                waited += 1
                if waited * _WAIT_S > self.timeout:
                    raise asyncio.TimeoutError()
            self.active += 1
            self._busy.append(client)
            active = True
            await asyncio.wait_for(self._serve(reader, writer, client, state, first), self.timeout)
        except asyncio.TimeoutError:
            self.timed_out += 1
            await _send(writer, None if state[0] else _TIMEOUT)
        except Exception as exc:  # a reset connection, a phone gone mid-answer: note it, go on
            print("portal: %s dropped: %r" % (client, exc))
            await _send(writer, None)
        finally:
            if active:
                self.active -= 1
                self._busy.remove(client)
            self.connections -= 1
            left = self._per_client.get(client, 1) - 1
            if left:
                self._per_client[client] = left
            else:
                self._per_client.pop(client, None)

    async def _serve(self, reader, writer, client, state, first):
        req = await self._read_request(reader, client, first)
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

    async def _read_request(self, reader, client, buf):
        """A microdot Request, or the canned answer (bytes; None to just close)."""
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


def _peer(writer):
    """The phone's IPv4 address as text: the ESP32 port gives (ip, port), the unix port a raw
    sockaddr_in (family 2 bytes, port 2 bytes, address 4 bytes)."""
    try:
        addr = writer.get_extra_info("peername")
    except (AttributeError, KeyError):
        return "?"
    if isinstance(addr, (bytes, bytearray)):
        return "%d.%d.%d.%d" % (addr[4], addr[5], addr[6], addr[7]) if len(addr) >= 8 else "?"
    return addr[0] if addr else "?"


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
