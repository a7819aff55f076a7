"""The one way the hub's processes reach the broker.

Each process has its own broker user (MQTT_USER "-" role: hub-ingest, hub-downlink, hub-cmd) and,
because the broker uses the username as the client id (use_username_as_clientid), its own session
that no other client can take over. Their passwords are derived from the hub's one MQTT_PASSWORD,
so an operator keeps one secret; the broker holds only their hashes (hub broker-config).
"""
import hashlib
import hmac

import paho.mqtt.client as mqtt
from benchcore import contract
from django.conf import settings

# role -> (access, leaf) on every bench's topics: the broker's ACL (hub_server.broker) grants
# each role only these, so a leaked hub password of one role cannot act as another.
ROLES = {
    "ingest": (("read", contract.PROPOSAL), ("read", contract.STATUS), ("read", contract.TELEMETRY),
               ("write", contract.ACK)),
    "downlink": (("write", contract.CONFIG), ("write", contract.DIGEST)),
    "cmd": (("write", contract.CMD),),
    # read-only view of all traffic, for an operator's debugging (and the tests' spies)
    "monitor": tuple(("read", leaf) for leaf in contract.UPLINK_LEAVES + contract.DOWNLINK_LEAVES),
}


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


def hub_client(role: str, *, persistent: bool = False, manual_ack: bool = False) -> mqtt.Client:
    """A paho client logged in as the hub's role user; its client id is that user (the broker
    enforces it). persistent: the broker keeps the session's subscriptions and QoS 1 messages
    while the process is down (the ingest's)."""
    if role.split("-")[0] not in ROLES:
        raise ValueError(f"unknown hub role {role!r}")
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=role_user(role),
                         clean_session=not persistent, manual_ack=manual_ack)
    client.username_pw_set(role_user(role), role_password(role))
    client.reconnect_delay_set(1, 30)
    return client
