"""Store-and-forward to the hub over MQTT (umqtt.simple).

Every pending outbox record is published with QoS 1 to link/v1/b/<bench>/proposal; a record
leaves the outbox only when the hub's ack (link/v1/b/<bench>/ack) names it, so a proposal
survives a power cut, a broker restart or a dead uplink. Unacked records are sent again after
RESEND_MS; the hub stores by proposal id, so a repeat is harmless.
"""
import asyncio

from benchcore import protocol
from benchcore.compat import const, print_exception, ticks_diff, ticks_ms

RESEND_MS = const(20000)
_POLL_MS = const(100)
_BACKOFF_MAX_S = const(60)


class Uplink:
    def __init__(self, cfg, outbox, log=print, client_factory=None):
        self.bench_id = cfg["bench_id"]
        self._mqtt_cfg = cfg["mqtt"]
        self.outbox = outbox
        self._log = log
        self._client_factory = client_factory
        self._client = None
        self._sent = {}  # proposal id -> ticks_ms of its last publish
        self._last_io = 0
        self.connected = False
        self.published = 0
        self.acked = 0
        self.bad_acks = 0

    def _new_client(self):
        if self._client_factory:
            return self._client_factory()
        from umqtt.simple import MQTTClient

        m = self._mqtt_cfg
        return MQTTClient("bench-" + self.bench_id, m["host"], port=m["port"], user=m["user"],
                          password=m["password"], keepalive=m["keepalive"])

    def _on_message(self, topic, payload):
        try:
            ids = protocol.decode_ack(payload)
        except ValueError as exc:
            self.bad_acks += 1
            self._log("uplink: ignored malformed ack (%s)" % exc)
            return
        for pid in ids:
            if self.outbox.acknowledge(pid):
                self.acked += 1
                self._sent.pop(pid, None)

    def _connect(self):
        client = self._new_client()
        client.set_callback(self._on_message)
        status = protocol.topic(self.bench_id, "status")
        client.set_last_will(status, b"offline", retain=True, qos=1)
        client.connect(clean_session=False)
        self._client = client
        client.subscribe(protocol.topic(self.bench_id, "ack"), qos=1)
        client.publish(status, b"online", retain=True, qos=1)
        self._sent = {}
        self._last_io = ticks_ms()
        self.connected = True
        self._log("uplink: connected to %s:%d" % (self._mqtt_cfg["host"], self._mqtt_cfg["port"]))

    def _disconnect(self):
        self.connected = False
        if self._client is not None:
            try:
                self._client.sock.close()
            except Exception:
                pass
        self._client = None

    def _next_due(self, now):
        for pid in self.outbox.pending_ids():
            sent = self._sent.get(pid)
            if sent is None or ticks_diff(now, sent) > RESEND_MS:
                return pid
        return None

    def step(self):
        """One unit of work while connected: read acks, publish one due record, keep alive."""
        client = self._client
        client.check_msg()
        now = ticks_ms()
        pid = self._next_due(now)
        if pid is not None:
            message = self.outbox.read(pid)
            if message is not None:
                client.publish(protocol.topic(self.bench_id, "proposal"), message, qos=1)
                self._sent[pid] = now
                self.published += 1
                self._last_io = now
        if ticks_diff(now, self._last_io) > self._mqtt_cfg["keepalive"] * 500:
            client.ping()  # umqtt.simple sends no keepalive of its own
            self._last_io = now
        return pid is not None

    async def run(self):
        backoff = 1
        while True:
            try:
                self._connect()
                backoff = 1
                while True:
                    busy = self.step()
                    await asyncio.sleep(0 if busy else _POLL_MS / 1000)
            except Exception as exc:  # OSError, MQTTException, a socket closed under us
                if self.connected:
                    self._log("uplink: link lost (%r)" % (exc,))
                else:
                    self._log("uplink: cannot reach broker %s:%d (%r); retry in %d s"
                              % (self._mqtt_cfg["host"], self._mqtt_cfg["port"], exc, backoff))
                if not isinstance(exc, OSError):
                    print_exception(exc)
                self._disconnect()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _BACKOFF_MAX_S)
