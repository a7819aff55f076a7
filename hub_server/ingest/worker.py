"""The MQTT ingest worker: a thin adapter from the broker to the hub's services.

Order for every proposal: verify the bench's signature -> store (commit) -> publish the signed
ack -> release the broker's PUBACK (paho manual_ack). A crash before the commit loses nothing:
the bench still holds the proposal and the broker redelivers; after it, nothing is stored twice.
"""
import json
import logging
import time
from datetime import datetime, timezone

import paho.mqtt.client as mqtt
from django.db import DatabaseError, close_old_connections

from hub_server.fleet.models import Bench
from hub_server.fleet.services import (MessageRejected, bench_seen, bench_status_record, downlink_sign,
                                       json_object, message_verify, rejection_count, sequence_accept)
from hub_server.proposals.services import ProposalRejected, proposal_receive

log = logging.getLogger("hub.ingest")
SUBSCRIPTIONS = ("link/v1/b/+/proposal", "link/v1/b/+/status", "link/v1/b/+/telemetry")
MAX_PAYLOAD = 16 * 1024


def _telemetry_sink():
    """The fleet-health app records telemetry where it is installed."""
    from django.apps import apps

    if not apps.is_installed("hub_server.fleet_health"):
        return None
    from hub_server.fleet_health.services import telemetry_record

    return telemetry_record


def _release_sink():
    """The releases app keeps each bench's update state from the same telemetry (docs/updates.md)."""
    from django.apps import apps

    if not apps.is_installed("hub_server.releases"):
        return None
    from hub_server.releases.services import bench_update_report

    return bench_update_report


class IngestWorker:
    def __init__(self, *, host, port, user, password, client_id="hub-ingest", shared=False):
        self.counters = {"stored": 0, "duplicates": 0, "rejected": 0, "db_errors": 0}
        self._shared = shared
        self._telemetry_record = _telemetry_sink()
        self._release_report = _release_sink()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                                  clean_session=False, manual_ack=True)
        if user:
            self.client.username_pw_set(user, password)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(1, 30)
        self.host, self.port = host, port

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            log.error("broker refused the connection: %s", reason_code)
            return
        # Several workers share the proposal subscription at scale (see ARCHITECTURE.md).
        topics = [(f"$share/hub/{t}" if self._shared else t, 1) for t in SUBSCRIPTIONS]
        client.subscribe(topics)
        log.info("connected to %s:%s, listening for benches", self.host, self.port)

    def _reject(self, bench_id, leaf, reason):
        self.counters["rejected"] += 1
        log.warning("rejected %s from %s: %s", leaf, bench_id, reason)
        rejection_count(bench_id=bench_id, topic=leaf, reason=reason)

    def _on_message(self, client, userdata, msg):
        parts = msg.topic.split("/")
        bench_id, leaf = (parts[3], parts[4]) if len(parts) == 5 else ("?", "?")
        close_old_connections()
        try:
            self._handle(client, msg, bench_id, leaf)
        except (MessageRejected, ProposalRejected) as exc:
            self._reject(bench_id, leaf, str(exc))
        except DatabaseError:
            self.counters["db_errors"] += 1
            log.exception("database error; the message stays unacknowledged and will come again")
            client.disconnect()  # the broker redelivers unacknowledged messages on reconnect
            return
        # Stored, or never storable: either way the broker must not redeliver it.
        client.ack(msg.mid, msg.qos)

    def _handle(self, client, msg, bench_id, leaf):
        if len(msg.payload) > MAX_PAYLOAD:
            raise MessageRejected("payload too large")
        bench = Bench.objects.filter(pk=bench_id).first()
        if bench is None:
            raise MessageRejected("unknown bench")
        body, key_id = message_verify(bench=bench, topic=msg.topic, payload=msg.payload)
        if leaf == "proposal":
            record, _, meta_line = body.partition(b"\n")
            proposal, created = proposal_receive(bench_id=bench_id, record=record, meta=json_object(meta_line))
            self.counters["stored" if created else "duplicates"] += 1
            log.info("%s proposal %s from %s", "stored" if created else "already had", proposal.id, bench_id)
            meta = json.loads(meta_line)
            ack = {"ids": [proposal.id], "now": int(time.time()), "boot": meta.get("boot")}
            client.publish(f"link/v1/b/{bench_id}/ack", downlink_sign(bench=bench, leaf="ack", msg=ack,
                                                                     key_id=key_id), qos=1)
            bench_seen(bench_id=bench_id)
        elif leaf == "status":
            bench_status_record(bench=bench, msg=json_object(body))
        elif leaf == "telemetry":
            data = json_object(body)
            if sequence_accept(bench=bench, kind="telemetry", msg=data):
                bench_seen(bench_id=bench_id)
                if self._telemetry_record:
                    self._telemetry_record(bench_id=bench_id, data=data, received=datetime.now(timezone.utc))
                if self._release_report:
                    self._release_report(bench_id=bench_id, data=data, received=datetime.now(timezone.utc))

    def run_forever(self):
        while True:
            try:
                self.client.connect(self.host, self.port, keepalive=30)
            except OSError as exc:
                log.warning("broker %s:%s unreachable (%s); retrying", self.host, self.port, exc)
                time.sleep(1)
                continue
            # Returns after a deliberate disconnect (a database error): connect again, so the
            # broker redelivers what was not acknowledged.
            self.client.loop_forever(retry_first_connection=True)
            time.sleep(1)
