"""The firmware's Uplink (benchcore.uplink) on paho-mqtt: the same signing, order, acks,
telemetry and downlink handling; only the transport differs. paho runs its network loop in its
own thread and keeps the link alive; what it receives is queued and handled in the agent's
asyncio loop (step -> _drain_control), where the outbox and the portal live."""
import asyncio
import collections
import ssl

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from benchcore import contract
from benchcore.compat import ticks_ms
from benchcore.uplink import Uplink


class _Publisher:
    """umqtt.simple's calls that Uplink.step makes, on a paho client."""

    def __init__(self, client):
        self.client = client

    def publish(self, topic, msg, retain=False, qos=0):
        info = self.client.publish(topic, bytes(msg), qos=qos, retain=retain)
        if info.rc != paho.MQTT_ERR_SUCCESS:
            raise OSError("publish failed: %s" % paho.error_string(info.rc))

    def ping(self):
        pass  # paho sends its own PINGREQs


def tls_context(mqtt):
    """The hub's CA as the only trust anchor; the certificate must name server_hostname (or host)."""
    from benchcore.tls import ca_der

    ctx = ssl.create_default_context(cadata=ca_der(mqtt["ca"]))
    name = mqtt.get("server_hostname") or mqtt["host"]
    wrap = ctx.wrap_socket
    # paho checks the name it connected to; a bench connects by address to a broker named in its cert
    ctx.wrap_socket = lambda sock, server_hostname=None, **kw: wrap(sock, server_hostname=name, **kw)
    return ctx


class PahoUplink(Uplink):
    def __init__(self, cfg, outbox, state, keyring, boot, **kw):
        mqtt = cfg["mqtt"]
        tls = mqtt.pop("tls", False)  # the firmware's TLS path is MicroPython's; paho has its own
        super().__init__(cfg, outbox, state, keyring, boot, **kw)
        mqtt["tls"] = tls
        self._ctx = tls_context(mqtt) if tls else None
        self._inbox = collections.deque()
        self._lost = None
        self._paho = None

    async def _connect(self):
        m = self._mqtt
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-" + self.bench_id, clean_session=False,
                             reconnect_on_failure=False)  # Uplink.run reconnects, with a fresh Last Will
        if m.get("user"):
            client.username_pw_set(m["user"], m.get("password"))
        if self._ctx is not None:
            client.tls_set_context(self._ctx)
        online = self._status("online")  # n, then the Last Will n + 1, as on the ESP32
        client.will_set(self.topic(contract.status), self._status("offline"), qos=1, retain=True)
        loop = asyncio.get_running_loop()
        answered = loop.create_future()  # CONNACK's reason, from paho's thread

        def on_connect(c, userdata, flags, reason, props):
            loop.call_soon_threadsafe(lambda: answered.done() or answered.set_result(reason))

        def on_disconnect(c, userdata, flags, reason, props):
            self._lost = reason

        client.on_connect = on_connect
        client.on_disconnect = on_disconnect
        client.on_message = lambda c, u, msg: self._inbox.append((msg.topic.encode(), msg.payload))
        self._lost = None
        self._paho = client
        await asyncio.to_thread(client.connect, m["host"], m["port"], m["keepalive"])
        client.loop_start()
        reason = await asyncio.wait_for(answered, m.get("connect_timeout_s", 10))
        if reason.is_failure:
            raise OSError("broker refused: %s" % reason)
        client.subscribe([(self.topic(leaf), 1) for leaf in contract.DOWNLINK_LEAVES])
        self._client = _Publisher(client)
        self._client.publish(self.topic(contract.status), online, True, 1)
        self._in_flight = None
        self._last_tx = self._last_rx = ticks_ms()
        self._last_telemetry = ticks_ms() - self.telemetry_every_ms + 3000
        self.connected = True
        self._log("uplink: connected to %s:%d%s (paho-mqtt)" % (m["host"], m["port"], " (TLS)" if self._ctx else ""))

    def _drain_control(self):
        while self._inbox:
            topic, payload = self._inbox.popleft()
            self._on_message(topic, payload)
        if self._lost is not None:
            raise OSError("link lost: %s" % self._lost)
        self._last_rx = ticks_ms()  # paho watches the keepalive itself and reports a dead link

    def _bounded(self, call, *args):
        call(*args)
        return True

    def close(self):
        """Going down on purpose: say "offline" (retained) rather than leave it to the Last Will."""
        if self.connected and self._paho is not None:
            try:
                self._paho.publish(self.topic(contract.status), self._status("offline"), qos=1, retain=True).wait_for_publish(2)
            except (RuntimeError, ValueError, OSError):
                pass
        self._disconnect()

    def _disconnect(self):
        self.connected = False
        client, self._paho, self._client = self._paho, None, None
        if client is not None:
            client.loop_stop()
            client.disconnect()
