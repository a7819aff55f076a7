"""Captive DNS: every name the phones ask for resolves to the bench's own address.

One UDP socket, one preallocated reply buffer, no per-name state. A and ANY queries get one A
record (the AP's address); AAAA and every other type get an empty NOERROR answer at once, so a
phone never waits for a timeout; other opcodes get NOTIMP; a packet that is not a well-formed
query is dropped. Under a flood at most _BURST packets are handled per wake-up before the other
tasks (the portal) get their turn; the kernel (lwIP on the ESP32) drops what does not fit."""
import asyncio
import socket

from benchcore.compat import const

_MAX_PACKET = const(512)
_HEADER = const(12)
_BURST = const(16)
_TTL = const(60)  # short: a phone that leaves the bench must not keep our address for long
_TYPE_A = const(1)
_TYPE_ANY = const(255)
_CLASS_IN = const(1)
_RCODE_FORMERR = const(1)
_RCODE_NOTIMP = const(4)

try:
    from asyncio import core as _core

    _core._io_queue  # MicroPython: wait on the socket like asyncio's own streams do

    async def _readable(sock):
        yield _core._io_queue.queue_read(sock)

except (ImportError, AttributeError):  # CPython (unit tests): poll gently

    async def _readable(sock):
        await asyncio.sleep(0.005)


def ipv4_bytes(address):
    parts = address.split(".")
    if len(parts) != 4:
        raise ValueError("not an IPv4 address: %s" % address)
    return bytes(int(p) for p in parts)


def answer_record(ip):
    """The 16-byte answer: pointer to the question's name, type A, class IN, TTL, length 4, ip."""
    return b"\xc0\x0c\x00\x01\x00\x01" + bytes((0, 0, _TTL >> 8, _TTL & 0xFF, 0, 4)) + ipv4_bytes(ip)


def reply(query, answer, out):
    """Write the reply to query into out (a bytearray of _MAX_PACKET); its length, or 0 to drop."""
    n = len(query)
    if n < _HEADER or n > _MAX_PACKET or query[2] & 0x80:
        return 0  # too short, too long, or itself a response
    flags = query[2]
    out[0] = query[0]
    out[1] = query[1]
    out[2] = 0x84 | (flags & 0x79)  # QR, AA, the query's opcode and RD
    opcode = (flags >> 3) & 0x0F
    for k in range(4, _HEADER):
        out[k] = 0
    if opcode:
        out[3] = _RCODE_NOTIMP
        return _HEADER
    out[3] = 0x80  # RA, NOERROR
    if query[4] or query[5] != 1:
        out[3] = 0x80 | _RCODE_FORMERR
        return _HEADER
    i = _HEADER
    while True:  # walk the question's name: labels up to a zero byte, no compression
        if i >= n:
            return 0
        length = query[i]
        if length == 0:
            break
        if length & 0xC0 or i + length - _HEADER > 254:
            return 0
        i += length + 1
    end = i + 5
    if end > n:
        return 0
    out[_HEADER:end] = query[_HEADER:end]
    out[5] = 1  # one question
    qtype = (query[i + 1] << 8) | query[i + 2]
    qclass = (query[i + 3] << 8) | query[i + 4]
    if qtype not in (_TYPE_A, _TYPE_ANY) or qclass not in (_CLASS_IN, _TYPE_ANY):
        return end  # NOERROR, no answer: "this name has no address of that kind"
    out[7] = 1
    out[end:end + 16] = answer
    return end + 16


class CaptiveDNS:
    def __init__(self, ip, port=53, host="0.0.0.0", log=print):
        self.ip = ip
        self.port = port
        self.host = host
        self._log = log
        self._answer = answer_record(ip)
        self.answered = 0
        self.dropped = 0

    async def run(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(socket.getaddrinfo(self.host, self.port)[0][-1])
        sock.setblocking(False)
        self._log("dns: answering every name with %s on %s:%d" % (self.ip, self.host, self.port))
        out = bytearray(_MAX_PACKET)
        view = memoryview(out)
        try:
            while True:
                await _readable(sock)
                for _ in range(_BURST):
                    try:
                        query, addr = sock.recvfrom(_MAX_PACKET + 1)  # one more: to see it is too long
                    except OSError:
                        break  # nothing more waiting (EAGAIN)
                    n = reply(query, self._answer, out)
                    if not n:
                        self.dropped += 1
                        continue
                    try:
                        sock.sendto(view[:n], addr)
                        self.answered += 1
                    except OSError:
                        self.dropped += 1
                await asyncio.sleep(0)
        finally:
            sock.close()
