"""The portal's HTTP server: microdot-style routing (benchcore.web) behind the limits a bench needs with many phones.

microdot reads a request line and headers with unbounded readline() and has no timeouts or
connection limits; on a 100 KB heap one hostile phone could take the bench down, and a head read by
growing a buffer fragments the heap until a 1.5 KB browser head no longer fits. Here each of the
MAX_ACTIVE request slots owns one preallocated _LINE-byte buffer: the head is read into it with
readinto() line by line, only the headers the portal uses are kept (as short strings), the others
are dropped as they pass, and the same buffer then carries the response out in _LINE-byte writes
(pages come as generators of small chunks, files are read into it). The heap sees no allocation
that grows with the request except the body of a form (≤ MAX_BODY, allocated once, exactly, and
one at a time: the next waits for the answer to the one before to be out).

Limits: a head of at most MAX_HEAD bytes and MAX_HEADERS lines, no line of a kept header longer
than _LINE (a GET or HEAD request line longer than that is skipped to its end and answered as a
path the portal lacks: the phone is sent to the portal); a body ≤ MAX_BODY (bigger ones up to
DRAIN_LIMIT are read and thrown away so the phone can read the 413; bigger still are cut off); a
timeout to finish each request; MAX_ACTIVE served at once (≤ 2 per phone) while up to MAX_WAITING
wait; MAX_PER_CLIENT connections per phone; a token bucket of requests per phone. Slow clients
cannot hold the slots: the head must come within head_timeout_s of taking a slot and a body must
flow at BODY_RATE after a grace (408); a phone with a slot waits behind one without, and such a
phone may take the slot of a request that has brought nothing for QUIET_MS (503). What fails a
limit gets a short 4xx/503 and the connection is closed; the other phones are served on.
Browsers open connections ahead of need: such an idle connection takes no slot, and when a limit
is reached the oldest idle one is closed to make room."""
import asyncio
import gc

from benchcore.web import Microdot, NoCaseDict, Request

from benchcore.compat import const, ticks_diff, ticks_ms

# Requests are served MAX_ACTIVE at a time, at most two per phone: the heap has room for a few in flight,
# not for every phone at once. Up to MAX_WAITING more connections wait their turn (lwIP on the
# ESP32 has 16 sockets; DNS and MQTT need theirs); past that, or MAX_PER_CLIENT from one phone, 503.
MAX_ACTIVE = const(3)
MAX_WAITING = const(10)
MAX_PER_CLIENT = const(4)
_WAIT_MS = const(20)
MAX_HEAD = const(8192)
MAX_HEADERS = const(48)
# The form at its limits (forms.LIMITS) in 3-byte UTF-8 characters ("„“", "€"), percent-encoded
# as 9 bytes each: (120 + 1000 + 80 + 120) x 9 = 11,880 + field names. Cyrillic needs 7,920.
MAX_BODY = const(12288)
DRAIN_LIMIT = const(65536)
_LINE = const(512)  # one slot's buffer: the longest kept head line, and the size of each write
_CLIENTS = const(16)
# Fairness (the watchdog, PortalServer._watch): the head must come within head_timeout_s of taking
# a slot; a body then has BODY_GRACE_MS plus a second per BODY_RATE bytes (within the request
# timeout), else 408. While a phone without a slot waits and all are taken, the request that has
# brought nothing for the longest, at least QUIET_MS, loses its slot (503, Retry-After).
BODY_RATE = const(2048)
BODY_GRACE_MS = const(2000)
QUIET_MS = const(2000)
_TICK_MS = const(200)
_LONG_URL = "/~long"  # stands for a GET/HEAD line too long to keep: no route has it, so a redirect
# The only request headers the portal reads (Cookie: the portal sets none). Transfer-Encoding is
# looked at to refuse it. All others are dropped as they are read.
_KEEP = (b"host", b"content-length", b"content-type", b"accept-language", b"accept-encoding",
         b"if-none-match", b"transfer-encoding")
_NAME_MAX = const(17)  # len("transfer-encoding")
_ONCE = (b"host", b"content-length", b"transfer-encoding")  # twice is an attack, not a mistake
_TOKEN = b"!#$%&'*+-.^_`|~"  # besides letters and digits (RFC 9110 token)
_REASONS = {200: "OK", 302: "Found", 303: "See Other", 304: "Not Modified", 400: "Bad Request",
            408: "Request Timeout", 411: "Length Required", 413: "Payload Too Large", 414: "URI Too Long",
            429: "Too Many Requests", 431: "Request Header Fields Too Large", 501: "Not Implemented",
            503: "Service Unavailable"}


_RETRY = {429: "Retry-After: 30\r\n", 503: "Retry-After: 5\r\n"}


def _canned(code):
    """The short plain answer to a request refused by a limit (built when needed, not kept)."""
    text = "%d %s\n" % (code, _REASONS[code])
    return ("HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n"
            "Cache-Control: no-store\r\n%s\r\n%s" % (text[:-1], len(text),
                                                     _RETRY.get(code, ""), text)).encode()


from asyncio import core as _core


async def _readable(sock):
    """Wait until the socket has bytes (or is closed) without reading any."""
    yield _core._io_queue.queue_read(sock)


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


class _Slot:
    """One request in service: its preallocated buffer, read into line by line, written out of."""

    def __init__(self):
        self.buf = bytearray(_LINE)
        self.mv = memoryview(self.buf)
        self.start = self.end = self.total = self.n = 0
        self.task = self.why = None  # task: the request's while in service (None: the slot is free)
        self.answering = False
        self.t0 = self.last = self.limit = 0

    def reset(self, task, limit_ms):
        self.start = self.end = self.total = self.n = 0
        self.task = task
        self.why = None  # the code to answer with when the watchdog cancels the task
        self.answering = False  # True once the request is read: no 408 from then on
        self.t0 = self.last = ticks_ms()
        self.limit = limit_ms  # ms from t0 to read the request in

    async def line(self, reader, first=False):
        """(start, end) in buf of the next line without its CR LF; None: too long to keep, or the
        head is over MAX_HEAD. Lines of dropped headers longer than the buffer are skipped, and so
        is a GET (end -2) or HEAD (end -3) request line."""
        buf = self.buf
        skipping = False
        while True:
            i = buf.find(b"\n", self.start, self.end)
            if i >= 0:
                s = self.start
                self.start = i + 1
                if skipping:
                    if first:
                        return 0, skipping  # a GET/HEAD line too long to keep, skipped to its end
                    skipping = False
                    continue
                e = i - 1 if i > s and buf[i - 1] == 13 else i
                return s, e
            if (first and not skipping and self.end > self.start and not 65 <= buf[self.start] <= 90
                    and buf[self.start] != 13):
                return 0, -1  # not a method (a TLS hello, garbage): refuse now, not after the timeout
            if skipping:
                self.start = self.end = 0
            elif self.start:  # move the partial line to the front (memmove)
                n = self.end - self.start
                self.mv[0:n] = self.mv[self.start:self.end]
                self.start, self.end = 0, n
            if self.end >= _LINE:
                # May the line be skipped? Only if it is not the request line nor a kept header.
                colon = buf.find(b":", 0, _NAME_MAX + 1)
                if first and (buf.startswith(b"GET ") or buf.startswith(b"HEAD ")):
                    # A search or tracking link opened in the captive sheet: skip to the end of the
                    # line (within MAX_HEAD) and send the phone to the portal.
                    skipping = -3 if buf[0] == 72 else -2
                elif first or colon >= 0 and bytes(self.mv[:colon]).lower() in _KEEP:
                    return None
                else:
                    skipping = True
                self.start = self.end = 0
            if self.total >= MAX_HEAD:
                return None
            n = await reader.readinto(self.mv[self.end:])
            if n is None:
                continue
            if not n:
                raise EOFError()
            self.last = ticks_ms()
            self.end += n
            self.total += n

    async def put(self, writer, data):
        """Gather data (str or bytes) in the buffer, writing it out whenever it is full."""
        if isinstance(data, str):
            if len(data) > 128:  # encode long text in pieces: no big transient copy on the heap
                for i in range(0, len(data), 128):
                    await self.put(writer, data[i:i + 128].encode())
                return
            data = data.encode()
        size = len(data)
        if self.n + size > _LINE:
            await self.flush(writer)
            if size > _LINE:
                await writer.awrite(data)
                return
        self.mv[self.n:self.n + size] = data
        self.n += size

    async def flush(self, writer):
        if self.n:
            await writer.awrite(self.mv[:self.n])
            self.n = 0

    async def drain(self, reader, left):
        """Read and forget left more bytes (those beyond the head already count)."""
        left -= self.end - self.start
        self.start = self.end = 0
        while left > 0:
            n = await reader.readinto(self.mv[:min(left, _LINE)])
            if n is None:
                continue
            if not n:
                return
            self.last = ticks_ms()
            left -= n


class PortalServer(Microdot):
    def __init__(self, request_timeout_s=10, burst=40, every_ms=500, head_timeout_s=3):
        super().__init__()
        self.timeout = int(request_timeout_s * 1000)  # ms
        self.head_ms = int(head_timeout_s * 1000)
        self.requests = TokenBuckets(burst, every_ms)
        self.active = 0
        self.connections = 0
        self._busy = []  # phones with a request being served
        self._waiting = []  # [client, task] of connections waiting for a slot, in arrival order
        self._per_client = {}
        self._idle = []  # [client, task, ticks_ms] of connections that have sent nothing yet, oldest first
        self._slots = [_Slot() for _ in range(MAX_ACTIVE)]
        self._watchdog = None
        self._body = None  # the slot whose request body is on the heap: one at a time
        self._turns = []  # slots waiting for that turn, in arrival order
        self.refused = 0  # connections answered 429/503 without being served (or preempted)
        self.timed_out = 0
        self.evicted = 0  # idle connections closed to make room
        Request.max_content_length = MAX_BODY
        Request.max_body_length = MAX_BODY

    def _evict_idle(self, client=None):
        """Close the oldest connection that has sent nothing (of client, or of anyone)."""
        for entry in self._idle:
            if client is None or entry[0] == client:
                self._idle.remove(entry)
                entry[1].cancel()
                self.evicted += 1
                return True
        return False

    def _may_take(self, entry):
        """A slot is free and entry is first in line: of the waiting connections, those of phones
        with the fewest slots go first, in arrival order. At most two slots per phone."""
        if self.active >= MAX_ACTIVE:
            return False
        mine = self._busy.count(entry[0])
        if mine >= 2:
            return False
        ahead = True
        for other in self._waiting:
            if other is entry:
                ahead = False
            elif self._busy.count(other[0]) < mine + ahead:  # ahead and as few, or fewer
                return False
        return True

    async def _watch(self):
        """While connections are open: close one that has sent nothing for the request timeout,
        408 for a head or body too slow, close an answer that is not read, and free a slot for a
        phone that has none."""
        while self.active or self._waiting or self._idle:
            await asyncio.sleep_ms(_TICK_MS)
            now = ticks_ms()
            idle = self._idle  # oldest first
            while idle and ticks_diff(now, idle[0][2]) > self.timeout:
                self.timed_out += 1
                idle.pop(0)[1].cancel()  # just closed (handle_request)
            quiet = None
            for slot in self._slots:
                if slot.task is None or slot.why is not None:
                    continue
                age = ticks_diff(now, slot.t0)
                if slot.answering:
                    if age > self.timeout:
                        slot.why = 0  # a phone that does not read its answer: just close
                        slot.task.cancel()
                elif age > slot.limit:
                    slot.why = 408
                    slot.task.cancel()
                elif ticks_diff(now, slot.last) >= QUIET_MS and (
                        quiet is None or ticks_diff(slot.last, quiet.last) < 0):
                    quiet = slot
            if quiet is not None and self.active >= MAX_ACTIVE:
                for other in self._waiting:
                    if other[0] not in self._busy:
                        self.refused += 1
                        quiet.why = 503
                        quiet.task.cancel()
                        break
        self._watchdog = None

    async def handle_request(self, reader, writer):
        client = _peer(writer)
        if self._per_client.get(client, 0) >= MAX_PER_CLIENT and not self._evict_idle(client):
            return await self._refuse(writer)
        if self.connections >= MAX_ACTIVE + MAX_WAITING and not self._evict_idle():
            return await self._refuse(writer)
        self.connections += 1
        self._per_client[client] = self._per_client.get(client, 0) + 1
        slot = None
        entry = [client, asyncio.current_task(), ticks_ms()]
        try:
            # Browsers open connections ahead of need and may never use them: a connection takes
            # a slot (and its buffer) only once its first bytes have come. The watchdog closes it
            # after the request timeout (asyncio's wait_for cost ~1.6 KB of heap per connection).
            self._idle.append(entry)
            if self._watchdog is None:  # runs while connections are open
                self._watchdog = asyncio.create_task(self._watch())
            try:
                await _readable(reader.s)
            finally:
                if entry in self._idle:
                    self._idle.remove(entry)
            if not self._may_take(entry):
                self._waiting.append(entry)
                since = ticks_ms()
                while not self._may_take(entry):
                    if ticks_diff(ticks_ms(), since) > self.timeout:
                        self.timed_out += 1
                        return await _send(writer, 408)
                    await asyncio.sleep_ms(_WAIT_MS)
                self._waiting.remove(entry)
            self.active += 1
            self._busy.append(client)
            for slot in self._slots:
                if slot.task is None:
                    break
            slot.reset(entry[1], self.head_ms)
            await self._serve(reader, writer, client, slot)
        except asyncio.CancelledError:  # evicted while idle, or given up by the watchdog
            code = slot.why if slot is not None else None
            if code == 408:
                self.timed_out += 1
            await _send(writer, code)
        except (EOFError, OSError) as exc:  # the phone went away (or never sent anything)
            if slot is not None and exc.args and exc.args[0] not in (0, 32, 104):
                print("portal: %s dropped: %r" % (client, exc))
            await _send(writer, None)
        except Exception as exc:  # anything else: note it, close, serve the others
            print("portal: %s dropped: %r" % (client, exc))
            await _send(writer, None)
        finally:
            if entry in self._waiting:
                self._waiting.remove(entry)
            if slot is not None:
                if self._body is slot:
                    self._body = None
                slot.task = None
                self.active -= 1
                self._busy.remove(client)
            self.connections -= 1
            left = self._per_client.get(client, 1) - 1
            if left:
                self._per_client[client] = left
            else:
                self._per_client.pop(client, None)

    async def _refuse(self, writer):
        self.refused += 1
        await _send(writer, 503)

    async def _serve(self, reader, writer, client, slot):
        req = await self._read_request(reader, client, slot)
        slot.answering = True
        if not isinstance(req, Request):
            await _send(writer, req)
            return
        if not self.requests.allow(client):
            self.refused += 1
            await _send(writer, 429)
            return
        res = await self.dispatch_request(req)
        del req
        await _write_response(res, writer, slot)
        await writer.aclose()

    async def _read_request(self, reader, client, slot):
        """A Request, or the canned answer (bytes; None to just close)."""
        buf = slot.buf
        got = await slot.line(reader, True)
        if got is not None and got[0] == got[1]:  # one empty line before the request line is allowed
            got = await slot.line(reader, True)
        if got is None:
            return 414
        if got[1] < -1:  # an overlong GET or HEAD line: a request for a path the portal lacks
            method, url, version = "GET" if got[1] == -2 else "HEAD", _LONG_URL, "1.1"
        else:
            if got[1] < 0:
                return 400
            parts = bytes(slot.mv[got[0]:got[1]]).split(b" ")
            if len(parts) != 3 or parts[2] not in (b"HTTP/1.0", b"HTTP/1.1") or parts[1][:1] != b"/":
                return 400
            method = parts[0]
            for c in method:
                if not 65 <= c <= 90:  # upper-case letters only
                    return 400
            try:
                method = method.decode()
                url = parts[1].decode()
            except UnicodeError:
                return 400
            version = parts[2][5:].decode()
            del parts
        headers = NoCaseDict()
        length = 0
        count = 0
        while True:
            got = await slot.line(reader)
            if got is None:
                return 431
            s, e = got
            if s == e:
                break
            count += 1
            if count > MAX_HEADERS:
                return 431
            colon = buf.find(b":", s, e)
            if colon <= s:
                return 400  # no name, or a folded continuation line (RFC 9112 5.2: reject)
            for i in range(s, colon):
                c = buf[i]
                if not (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122 or c in _TOKEN):
                    return 400
            # A bare CR or a NUL inside a value is an attempt to smuggle a line: refuse.
            if buf.find(b"\r", colon, e) >= 0 or buf.find(b"\x00", colon, e) >= 0:
                return 400
            if colon - s > _NAME_MAX:
                continue
            name = bytes(slot.mv[s:colon]).lower()
            if name not in _KEEP:
                continue
            try:
                value = bytes(slot.mv[colon + 1:e]).strip().decode()
            except UnicodeError:
                return 400
            if name in _ONCE and name.decode() in headers:
                return 400
            if name == b"transfer-encoding":
                return 411 if method == "POST" else 501
            if name == b"content-length":
                if not value.isdigit() or len(value) > 9:
                    return 400
                length = int(value)
            headers[name.decode()] = value
        if length > DRAIN_LIMIT:
            return 413
        body = b""
        if 0 < length <= MAX_BODY:
            # One body on the heap at a time, in arrival order, held until its answer is out
            # (handle_request lets go): the others wait here, their bytes in the network stack's
            # buffers. A slow body cannot hold the turn past the request timeout; a request waiting
            # here brings nothing, so it may lose its slot to a phone without one (QUIET_MS).
            slot.limit = self.timeout
            turns = self._turns
            turns.append(slot)
            try:
                while self._body is not None or turns[0] is not slot:
                    await asyncio.sleep_ms(_WAIT_MS)
            finally:
                turns.remove(slot)
            self._body = slot
        if length:  # the body must flow: a grace, then BODY_RATE bytes a second, else 408
            slot.limit = min(ticks_diff(ticks_ms(), slot.t0) + BODY_GRACE_MS + length * 1000 // BODY_RATE,
                             self.timeout)
        if length > MAX_BODY:
            await slot.drain(reader, length)  # then dispatch answers 413 in the phone's language
        elif length:
            gc.collect()  # one allocation of exactly the body's size, on a tidy heap
            try:
                body = bytearray(length)
            except MemoryError:
                return 503  # no block that large free right now: the phone is told to retry
            have = min(length, slot.end - slot.start)
            body[0:have] = slot.mv[slot.start:slot.start + have]
            view = memoryview(body)
            while have < length:
                n = await reader.readinto(view[have:])
                if n is None:
                    continue
                if not n:
                    return None
                slot.last = ticks_ms()
                have += n
            del view
        try:
            return Request(self, (client, 0), method, url, version, headers, body=body,
                           sock=(reader, None))
        except Exception:  # percent-encoding or UTF-8 errors in the query string
            return 400


async def _write_response(res, writer, slot):
    """The Response written through the slot's buffer: head and body in _LINE-byte writes,
    a file read into the buffer, a generator's chunks gathered in it."""
    res.complete()
    code = res.status_code
    await slot.put(writer, "HTTP/1.1 %d %s\r\n" % (code, res.reason or _REASONS.get(code, "-")))
    for name, value in res.headers.items():
        for one in (value if isinstance(value, list) else (value,)):
            await slot.put(writer, "%s: %s\r\n" % (name, one))
    await slot.put(writer, "Connection: close\r\n\r\n")
    body = res.body
    try:
        if res.is_head or body is None:
            pass
        elif isinstance(body, (bytes, bytearray, str)):
            await slot.put(writer, body)
        elif hasattr(body, "readinto"):  # a file (send_file): through the buffer, _LINE at a time
            await slot.flush(writer)
            while True:
                n = body.readinto(slot.mv)
                if not n:
                    break
                await writer.awrite(slot.mv[:n])
        elif hasattr(body, "__next__"):  # a page: a generator of small chunks
            for chunk in body:
                await slot.put(writer, chunk)
        elif hasattr(body, "__anext__"):  # an async generator
            async for chunk in body:
                await slot.put(writer, chunk)
        await slot.flush(writer)
    finally:
        if hasattr(body, "close"):
            body.close()


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


async def _send(writer, code):
    """Answer with the canned response for code (None: just close), then close."""
    try:
        if code:
            await writer.awrite(_canned(code))
        await writer.aclose()
    except Exception:
        pass
