"""The TCP socket handed to umqtt.simple: every wait bounded, MQTT packet boundaries tracked.

umqtt.simple 1.3.4 blocks without limit (connect, CONNACK, PUBACK, SUBACK) and would freeze the
portal while the uplink is dead. Its socket is non-blocking underneath: a read waits at most
wait_ms, then raises ETIMEDOUT. If that happens between two MQTT packets (at_boundary), the
stream is intact: the reply (CONNACK, PUBACK, SUBACK) is still on its way and the uplink reads
it later. Mid-packet, the stream is lost and the uplink reconnects.

The socket may be an SSLSocket (mqtt.tls): its poll() counts bytes mbedTLS already decrypted, and
its recv() returns None while only part of a TLS record has arrived. Until hold_until_flushed()'s
bytes are out (the TLS handshake happens as they go), writes are held and reads find nothing.
"""
import select

from benchcore.compat import const, ticks_diff, ticks_ms

ETIMEDOUT = const(110)
_BOUNDARY = const(0)
_LENGTH = const(1)
_BODY = const(2)


class FramedSocket:
    def __init__(self, sock, wait_ms=200):
        self._sock = sock
        sock.setblocking(False)
        self._poll = select.poll()
        self._poll.register(sock, select.POLLIN)
        self._blocking = True
        self.wait_ms = wait_ms
        self._state = _BOUNDARY
        self._remaining = 0
        self._shift = 0
        self.at_boundary = True
        self._held = None  # bytes written before the TLS handshake is over

    def hold(self):
        self._held = b""

    def flush_held(self):
        """One non-blocking try at sending the held bytes (which drives a pending TLS handshake);
        True once all are out. TLS errors (a refused certificate) are raised from here."""
        if self._held is None:
            return True
        while self._held:
            n = self._sock.write(self._held)
            if n is None:  # EAGAIN: the handshake (or the send buffer) waits for the network
                return False
            self._held = self._held[n:]
        self._held = None
        return True

    # -- what umqtt.simple calls -------------------------------------------
    def connect(self, addr):
        pass  # connected beforehand, without blocking (see Uplink._open_tcp)

    def setblocking(self, flag):
        self._blocking = flag

    def read(self, n):
        if self._held is not None:
            self.at_boundary = self._state == _BOUNDARY
            raise OSError(ETIMEDOUT)  # nothing can arrive before our first bytes are out
        if not self._blocking and not self.readable(0):
            return None
        buf = b""
        start = ticks_ms()
        while len(buf) < n:
            left = self.wait_ms - ticks_diff(ticks_ms(), start)
            if left < 0 or not self.readable(left):
                self.at_boundary = self._state == _BOUNDARY and not buf
                raise OSError(ETIMEDOUT)
            try:
                chunk = self._sock.recv(n - len(buf))
            except OSError as exc:
                if exc.args[0] != 11:  # EAGAIN
                    raise
                chunk = None
            if chunk is None:
                continue  # TLS: part of a record only; wait for the rest
            if not chunk:
                # The broker (or the link) closed. Not b"": umqtt's connect() would index it and
                # fail with IndexError; OSError(-1) is what umqtt itself raises for a closed socket.
                self.at_boundary = False
                raise OSError(-1)
            buf += chunk
        self._track(buf)
        return buf

    def write(self, data, length=None):
        view = memoryview(data)
        if length is not None:
            view = view[:length]
        if self._held is not None:
            self._held += bytes(view)
            return len(view)
        sent = 0
        while sent < len(view):
            try:
                n = self._sock.send(view[sent:])
            except OSError as exc:
                if exc.args[0] != 11:  # EAGAIN: the send buffer is full
                    raise
                n = 0
            if not n:  # 0, or None from an SSLSocket that would block
                if not self._writable(self.wait_ms):
                    # Part of a packet may be out already: the outgoing stream is broken, never
                    # "a reply still on its way" (Uplink._bounded must reconnect, not wait).
                    self.at_boundary = False
                    raise OSError(ETIMEDOUT)
                continue
            sent += n
        return sent

    def close(self):
        try:
            self._poll.unregister(self._sock)
        except (OSError, ValueError, KeyError):
            pass
        self._sock.close()

    # -- for the uplink --------------------------------------------------
    def readable(self, timeout_ms):
        for _, event in self._poll.poll(timeout_ms):
            if event & (select.POLLIN | select.POLLERR | select.POLLHUP):
                return True
        return False

    def _writable(self, timeout_ms):
        p = select.poll()
        p.register(self._sock, select.POLLOUT)
        return bool(p.poll(timeout_ms))

    def _track(self, data):
        # A tiny MQTT framer: fixed header byte, remaining-length varint, then that many bytes.
        i = 0
        n = len(data)
        while i < n:
            state = self._state
            if state == _BOUNDARY:
                self._state = _LENGTH
                self._remaining = 0
                self._shift = 0
                i += 1
            elif state == _LENGTH:
                b = data[i]
                self._remaining |= (b & 0x7F) << self._shift
                self._shift += 7
                i += 1
                if not b & 0x80:
                    self._state = _BODY if self._remaining else _BOUNDARY
            else:
                take = min(self._remaining, n - i)
                self._remaining -= take
                i += take
                if not self._remaining:
                    self._state = _BOUNDARY
        self.at_boundary = self._state == _BOUNDARY
