"""Store-and-forward to the hub over MQTT (umqtt.simple), without ever blocking the portal.

The oldest pending outbox record is published (QoS 1), signed, to link/v1/b/<bench>/proposal;
it leaves the outbox only when a signed ack names it; then the next one goes (one in flight at
a time, so the hub receives a bench's proposals in order). Unacked records go again after
RESEND_MS or a reconnect; the hub stores by id, so a repeat is harmless. The TCP connect is
non-blocking and umqtt's socket is a FramedSocket, so no call waits longer than wait_ms.
With mqtt.tls the socket is wrapped in TLS after the connect (benchcore.tls) and the handshake is
driven step by step between the portal's turns (_handshake); docs/protocol.md, "Transport security".
"""
import asyncio
import socket

from benchcore import clock, contract, protocol
from benchcore.compat import const, print_exception, ticks_diff, ticks_ms
from benchcore.framed_socket import ETIMEDOUT, FramedSocket
from benchcore.signing import SignatureError

RESEND_MS = const(20000)
_POLL_MS = const(50)
_BACKOFF_MAX_S = const(60)
_EINPROGRESS = const(115)


class _SocketModule:
    """Stands in for umqtt.simple's `socket` module: hands it our already connected socket."""

    def __init__(self, sock, addr):
        self._sock = sock
        self._addr = addr

    def socket(self, *args):
        return self._sock

    def getaddrinfo(self, host, port, *args):
        return [(2, 1, 0, "", self._addr)]


class Uplink:
    def __init__(self, cfg, outbox, state, keyring, boot, log=print, telemetry=None, downlink=None):
        self.bench_id = cfg["bench_id"]
        self._mqtt = cfg["mqtt"]
        self.outbox = outbox
        self.state = state
        self.keyring = keyring
        self.boot = boot
        self._n = 0
        self._log = log
        self._telemetry = telemetry  # () -> list of (key, value) pairs, or None
        self._downlink = downlink  # handles cmd, config, digest
        self.telemetry_every_ms = cfg.get("telemetry_s", 60) * 1000
        self._telemetry_fixed = "telemetry_s" in cfg
        self._client = self._sock = None
        self._addr = None
        self._in_flight = None  # (proposal id, ticks_ms of its publish)
        self._last_tx = self._last_rx = self._last_telemetry = 0
        self.connected = False
        self.published = self.acked = self.rejected = 0
        self._tls = None  # the SSLContext (holds the parsed CA)
        if self._mqtt.get("tls"):
            # Made at boot, before the portal fragments the heap: its object is one 3 KB block
            # (host bytes) that a long-running bench may no longer find in one piece.
            from benchcore import tls

            self._tls = tls.context(self._mqtt)
        self.tls_step_ms = 0  # the longest single handshake step seen: the portal's worst stall

    def set_telemetry_period(self, seconds):
        """The power policy decides the cadence (less often when energy is short), unless the
        bench's config or the hub's settings fix it."""
        if not self._telemetry_fixed:
            self.telemetry_every_ms = seconds * 1000

    def apply_settings(self, settings):
        """The hub's settings (already checked against contract.SPECS[contract.settings])."""
        seconds = settings.get(contract.telemetry_s)
        if seconds:
            self.telemetry_every_ms = seconds * 1000
            self._telemetry_fixed = True

    def next_n(self):
        self._n += 1
        return self._n

    def topic(self, leaf):
        return protocol.topic(self.bench_id, leaf)

    def _signed(self, leaf, body):
        from benchcore.signing import sign

        return sign(self.topic(leaf), body, self.keyring.key_id, self.keyring.key)

    def _status(self, state):
        return self._signed(contract.status, protocol.status_body(state, self.boot, self.next_n()))

    # -- incoming ----------------------------------------------------------
    def _on_message(self, topic, payload):
        topic = topic.decode()
        leaf = topic[topic.rfind("/") + 1:]
        try:
            msg = protocol.open_hub_message(topic, payload, self.keyring.keys)
            if leaf == contract.ack:
                self._on_ack(msg)
            elif self._downlink is not None:
                self._downlink.handle(leaf, msg)
        except (ValueError, SignatureError) as exc:
            self.rejected += 1
            self._log("uplink: ignored %s message (%s)" % (leaf, exc))

    def _on_ack(self, msg):
        ids = protocol.decode_ack(msg)
        for pid in ids:
            if self.outbox.acknowledge(pid):
                self.acked += 1
            if self._in_flight and self._in_flight[0] == pid:
                self._in_flight = None
        now = msg.get("now")
        if isinstance(now, int) and msg.get("boot") == self.boot and clock.set_time(now):
            self._log("uplink: clock set from the hub")

    # -- connection ----------------------------------------------------------
    async def _open_tcp(self):
        if self._addr is None:
            # Resolving a name may block while the uplink is down: done once, then cached.
            self._addr = socket.getaddrinfo(self._mqtt["host"], self._mqtt["port"])[0][-1]
        sock = socket.socket()
        sock.setblocking(False)
        try:
            sock.connect(self._addr)
        except OSError as exc:
            if exc.args[0] != _EINPROGRESS:
                sock.close()
                raise
        import select

        poller = select.poll()
        poller.register(sock, select.POLLOUT)
        start = ticks_ms()
        while True:
            events = poller.poll(0)
            if events:
                if events[0][1] & (select.POLLERR | select.POLLHUP):
                    sock.close()
                    raise OSError(111)  # ECONNREFUSED
                return sock
            if ticks_diff(ticks_ms(), start) > self._mqtt.get("connect_timeout_s", 10) * 1000:
                sock.close()
                raise OSError(ETIMEDOUT)
            await asyncio.sleep(_POLL_MS / 1000)

    def _wrap_tls(self, raw):
        from benchcore import tls

        try:
            return tls.wrap(self._tls, raw, self._mqtt)
        except Exception:
            raw.close()
            raise

    async def _handshake(self):
        """Push the TLS handshake on with umqtt's held CONNECT, one non-blocking step at a time;
        the CPU-bound steps (ECDHE, checking the certificate's signature) cannot be split."""
        from benchcore.tls import TLSError

        start = ticks_ms()
        worst = 0
        while True:
            t = ticks_ms()
            try:
                done = self._sock.flush_held()
            except (ValueError, OSError) as exc:
                code = exc.args[0] if exc.args else None
                if isinstance(exc, OSError) and isinstance(code, int) and code >= 0:
                    raise  # the network: reset, refused, timed out
                # mbedTLS: a refused certificate is ValueError("The certificate is not correctly
                # signed by the trusted CA"), other TLS failures a negative error code
                raise TLSError("TLS: broker refused: %s" % (
                    ("mbedTLS error -0x%x" % -code) if isinstance(code, int) else str(exc).strip()))
            step = ticks_diff(ticks_ms(), t)
            if step > worst:
                worst = step
            if done:
                if worst > self.tls_step_ms:
                    self.tls_step_ms = worst
                self._log("uplink: TLS handshake in %d ms, longest step %d ms"
                          % (ticks_diff(ticks_ms(), start), worst))
                return
            if ticks_diff(ticks_ms(), start) > self._mqtt.get("connect_timeout_s", 10) * 1000:
                raise OSError(ETIMEDOUT)
            await asyncio.sleep(0 if self._sock.readable(0) else _POLL_MS / 1000 / 5)

    async def _reply(self, what):
        """Wait (without blocking) for the reply umqtt gave up waiting for; consume it."""
        start = ticks_ms()
        while not self._sock.readable(0):
            if ticks_diff(ticks_ms(), start) > self._mqtt.get("connect_timeout_s", 10) * 1000:
                raise OSError(ETIMEDOUT)
            await asyncio.sleep(_POLL_MS / 1000)
        if what == 0x20:
            resp = self._sock.read(4)
            if resp[0] != 0x20 or resp[1] != 2 or resp[3] != 0:
                raise OSError(-2)  # refused: bad credentials or not authorised
        else:
            self._drain_control()

    def _bounded(self, call, *args):
        """Run a umqtt call; True if it completed, False if its reply is still on the way."""
        try:
            call(*args)
            return True
        except OSError as exc:
            if exc.args[0] == ETIMEDOUT and self._sock.at_boundary:
                return False
            raise

    async def _connect(self):
        from umqtt import simple as umqtt_simple
        from umqtt.simple import MQTTClient

        raw = await self._open_tcp()
        tls = self._mqtt.get("tls")
        if tls:
            raw = self._wrap_tls(raw)
        self._sock = FramedSocket(raw, self._mqtt.get("wait_ms", 200))
        if tls:
            self._sock.hold()  # umqtt's CONNECT waits here until the handshake is over
        umqtt_simple.socket = _SocketModule(self._sock, self._addr)
        m = self._mqtt
        client = MQTTClient("bench-" + self.bench_id, m["host"], port=m["port"], user=m["user"],
                            password=m["password"], keepalive=m["keepalive"])
        client.set_callback(self._on_message)
        # "online" takes n and the Last Will n + 1: the hub's replay window accepts them in that order.
        online = self._status("online")
        client.set_last_will(self.topic(contract.status), self._status("offline"), retain=True, qos=1)
        self._client = client
        if not self._bounded(client.connect, False):
            if tls:
                await self._handshake()
            await self._reply(0x20)
        # The portal runs between the steps: each umqtt call may wait up to wait_ms (and handle the
        # acks queued for our session meanwhile); back to back they stalled it for 300 ms and more.
        for leaf in contract.DOWNLINK_LEAVES:
            await asyncio.sleep(0)
            if not self._bounded(client.subscribe, self.topic(leaf), 1):
                await self._reply(0x90)
        await asyncio.sleep(0)
        self._bounded(client.publish, self.topic(contract.status), online, True, 1)
        self._in_flight = None
        self._last_tx = self._last_rx = ticks_ms()
        self._last_telemetry = ticks_ms() - self.telemetry_every_ms + 3000
        self.connected = True
        self._log("uplink: connected to %s:%d%s" % (m["host"], m["port"], " (TLS)" if tls else ""))

    def _disconnect(self):
        self.connected = False
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
        self._client = self._sock = None

    # -- work ---------------------------------------------------------------
    def _drain_control(self):
        # Replies umqtt stopped waiting for arrive here: PUBACK (3 more bytes), SUBACK (4).
        for _ in range(8):
            if not self._sock.readable(0):
                return
            op = self._client.check_msg()
            self._last_rx = ticks_ms()
            if op == 0x40:
                self._sock.read(3)
            elif op == 0x90:
                self._sock.read(4)

    def step(self):
        """One unit of work while connected; never waits longer than wait_ms."""
        self._drain_control()
        now = ticks_ms()
        keepalive_ms = self._mqtt["keepalive"] * 1000
        if ticks_diff(now, self._last_rx) > keepalive_ms * 3 // 2:
            raise OSError(ETIMEDOUT)  # nothing from the broker, not even a PINGRESP: the link is dead
        if ticks_diff(now, self._last_tx) > keepalive_ms // 2:
            self._client.ping()  # umqtt.simple sends no keepalive of its own
            self._last_tx = now
        busy = False
        if self._in_flight is None or ticks_diff(now, self._in_flight[1]) > RESEND_MS:
            pid = self.outbox.oldest()
            if pid is not None:
                record = self.outbox.read(pid)
                payload = protocol.proposal_payload(self.topic(contract.proposal), record, self.boot, clock.uptime(),
                                                    clock.now(), self.keyring.key_id, self.keyring.key)
                self._in_flight = (pid, now)
                self._bounded(self._client.publish, self.topic(contract.proposal), payload, False, 1)
                self.published += 1
                self._last_tx = now
                busy = True
        if self._telemetry and ticks_diff(now, self._last_telemetry) > self.telemetry_every_ms:
            body = protocol.telemetry_body(self.boot, self.next_n(), clock.uptime(), clock.now(), self._telemetry())
            self._client.publish(self.topic(contract.telemetry), self._signed(contract.telemetry, body), False, 0)
            self._last_telemetry = self._last_tx = now
        return busy

    async def run(self):
        backoff = 1
        while True:
            try:
                await self._connect()
                backoff = 1
                while True:
                    busy = self.step()
                    await asyncio.sleep(0 if busy else _POLL_MS / 1000)
            except Exception as exc:  # OSError, MQTTException, AssertionError from a garbled stream
                if self.connected:
                    self._log("uplink: link lost (%r)" % (exc,))
                else:
                    self._log("uplink: cannot reach broker %s:%d (%r); retry in %d s"
                              % (self._mqtt["host"], self._mqtt["port"], exc, backoff))
                if not isinstance(exc, OSError):
                    print_exception(exc)
                self._disconnect()
                # Back off: in AP+STA mode every reconnect attempt can pull the hotspot's channel.
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _BACKOFF_MAX_S)
