"""The one way the hub's processes reach the broker.

Each process has its own broker user (MQTT_USER "-" role: hub-ingest, hub-downlink, hub-cmd) and,
because the broker uses the username as the client id (use_username_as_clientid), its own session
that no other client can take over. Their passwords are derived from the hub's one MQTT_PASSWORD,
so an operator keeps one secret; the broker holds only their hashes (hub broker-config).
"""
import hashlib
import hmac
import socket

import paho.mqtt.client as mqtt
from benchcore import contract
from django.conf import settings

MAX_PAYLOAD = 16 * 1024  # bytes of a bench's signed message the hub reads at all (broker: max_packet_size)
# What benches send (the contract's other leaves, DOWNLINK_LEAVES, the hub sends).
UPLINK_LEAVES = (contract.proposal, contract.status, contract.telemetry)
# role -> (access, leaf) on every bench's topics: the broker's ACL (hub_server.broker) grants
# each role only these, so a leaked hub password of one role cannot act as another.
ROLES = {
    "ingest": (("read", contract.proposal), ("read", contract.status), ("read", contract.telemetry),
               ("write", contract.ack)),
    "downlink": (("write", contract.config), ("write", contract.digest)),
    "cmd": (("write", contract.cmd),),
    # read-only view of all traffic, for an operator's debugging (and the tests' spies)
    "monitor": tuple(("read", leaf) for leaf in UPLINK_LEAVES + contract.DOWNLINK_LEAVES),
}


def topic_filter(leaf: str) -> str:
    """The hub's subscription to one leaf of every bench."""
    return contract.topic("+", leaf)


def topic_parts(name: str) -> tuple[str, str] | None:
    """(bench id, leaf) of a topic of the protocol, or None."""
    if not name.startswith(contract.TOPIC_ROOT):
        return None
    parts = name[len(contract.TOPIC_ROOT):].split("/")
    return (parts[0], parts[1]) if len(parts) == 2 and parts[0] else None


def role_names() -> list:
    """Every role user the broker must know: ingest workers sharing the load are ingest,
    ingest-2, ... (MQTT_INGEST_WORKERS)."""
    names = [r for r in ROLES]
    names += [f"ingest-{i}" for i in range(2, settings.MQTT.get("ingest_workers", 1) + 1)]
    return names


def role_user(role: str) -> str:
    return f"{settings.MQTT['user']}-{role}"


def role_password(role: str, secret: str | None = None) -> str:
    secret = settings.MQTT["password"] if secret is None else secret
    return hmac.new(secret.encode(), b"link-broker-role:" + role.encode(), hashlib.sha256).hexdigest()


class _ReadAhead:
    """A plain TCP socket that paho reads from a buffer filled 64 KB at a time: paho reads each packet
    with three or more recv calls (its type, each byte of its length, the rest), so a burst of
    proposals cost the ingest about four system calls each (profiled: docs/scaling.md). pending() is
    how paho learns that buffered bytes are waiting (it asks TLS sockets the same), so none waits for
    the socket to become readable again. Writes go straight to the socket."""

    def __init__(self, sock: socket.socket):
        self._sock, self._buf, self._pos = sock, b"", 0

    def recv(self, bufsize: int) -> bytes:
        pos = self._pos
        if pos >= len(self._buf):
            data = self._sock.recv(65536)  # BlockingIOError, OSError and b"" (closed) reach paho as they are
            if not data:
                return data
            self._buf, pos = data, 0
        self._pos = pos + bufsize
        return self._buf[pos:pos + bufsize]

    def pending(self) -> int:
        return len(self._buf) - self._pos

    def send(self, data) -> int:
        return self._sock.send(data)

    def fileno(self) -> int:
        return self._sock.fileno()

    def setblocking(self, flag: bool) -> None:
        self._sock.setblocking(flag)

    def close(self) -> None:
        self._sock.close()

    def __getattr__(self, name):
        return getattr(self._sock, name)


class _ReadAheadClient(mqtt.Client):
    """paho's client reading through _ReadAhead on a plain TCP connection (a TLS or websocket one is
    left as paho makes it). _create_socket is paho's own (2.2, pinned in pyproject.toml)."""

    def _create_socket(self):
        sock = super()._create_socket()
        return _ReadAhead(sock) if type(sock) is socket.socket else sock

    def loop_read(self, max_packets: int = 1):
        # paho reads a packet or two per select(); the packets already in the buffer are read now, not
        # after another select() each: every select() lets go of the interpreter lock, and the busy
        # worker thread then holds it for a switch interval before this thread gets it back.
        rc = super().loop_read(max_packets)
        while rc == mqtt.MQTT_ERR_SUCCESS and isinstance(self._sock, _ReadAhead) and self._sock.pending() > 0:
            rc = super().loop_read(max_packets)
        return rc


def hub_client(role: str, *, persistent: bool = False, manual_ack: bool = False, read_ahead: bool = False) -> mqtt.Client:
    """A paho client logged in as the hub's role user; its client id is that user (the broker
    enforces it). persistent: the broker keeps the session's subscriptions and QoS 1 messages
    while the process is down (the ingest's). read_ahead: reads through _ReadAhead (the ingest's)."""
    if role.split("-")[0] not in ROLES:
        raise ValueError(f"unknown hub role {role!r}")
    client = (_ReadAheadClient if read_ahead else mqtt.Client)(
        mqtt.CallbackAPIVersion.VERSION2, client_id=role_user(role), clean_session=not persistent,
        manual_ack=manual_ack)
    client.username_pw_set(role_user(role), role_password(role))
    client.reconnect_delay_set(1, 30)
    return client
