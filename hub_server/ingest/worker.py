"""The MQTT ingest worker: a thin adapter from the broker to the proposal services.

Order for every proposal: store (commit) -> publish the ack to the bench -> release the
broker's PUBACK (paho manual_ack). A crash anywhere before the commit loses nothing: the
bench still holds the proposal and the broker redelivers; a crash after it stores nothing twice.
"""
import logging
import time

import paho.mqtt.client as mqtt
from django.db import DatabaseError, close_old_connections

from hub_server.proposals.services import ProposalRejected, bench_set_online, proposal_receive

log = logging.getLogger("hub.ingest")
PROPOSALS = "link/v1/b/+/proposal"
STATUS = "link/v1/b/+/status"


def _bench_of(topic: str) -> str:
    return topic.split("/")[3]


class IngestWorker:
    def __init__(self, *, host, port, user, password, client_id="hub-ingest", shared=False):
        self.counters = {"stored": 0, "duplicates": 0, "rejected": 0, "db_errors": 0}
        self._shared = shared
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                                  clean_session=False, manual_ack=True)
        if user:
            self.client.username_pw_set(user, password)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(1, 30)
        self.host, self.port = host, port

    def _subscription(self, topic):
        # Several workers share one subscription at scale (see ARCHITECTURE.md).
        return f"$share/hub/{topic}" if self._shared else topic

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            log.error("broker refused the connection: %s", reason_code)
            return
        client.subscribe([(self._subscription(PROPOSALS), 1), (STATUS, 1)])
        log.info("connected to %s:%s, listening for proposals", self.host, self.port)

    def _on_message(self, client, userdata, msg):
        if msg.topic.endswith("/status"):
            bench_set_online(bench_id=_bench_of(msg.topic), online=msg.payload == b"online")
            client.ack(msg.mid, msg.qos)
            return
        bench_id = _bench_of(msg.topic)
        close_old_connections()
        try:
            proposal, created = proposal_receive(bench_id=bench_id, payload=msg.payload)
        except ProposalRejected as exc:
            self.counters["rejected"] += 1
            log.warning("rejected a proposal from %s: %s", bench_id, exc)
            client.ack(msg.mid, msg.qos)  # never storable: do not let the broker redeliver it forever
            return
        except DatabaseError:
            self.counters["db_errors"] += 1
            log.exception("database error; the proposal stays unacknowledged and will come again")
            client.disconnect()  # the broker redelivers unacknowledged messages on reconnect
            return
        self.counters["stored" if created else "duplicates"] += 1
        log.info("%s proposal %s from %s", "stored" if created else "already had", proposal.id, bench_id)
        client.publish(f"link/v1/b/{bench_id}/ack", ('{"ids":["%s"]}' % proposal.id).encode(), qos=1)
        client.ack(msg.mid, msg.qos)

    def run_forever(self):
        while True:
            try:
                self.client.connect(self.host, self.port, keepalive=30)
                break
            except OSError as exc:
                log.warning("broker %s:%s unreachable (%s); retrying", self.host, self.port, exc)
                time.sleep(1)
        self.client.loop_forever(retry_first_connection=True)
