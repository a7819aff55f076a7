import logging
import signal
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from hub_server.fleet.downlink import downlink_publish_pending
from hub_server.jobs import singleton
from hub_server.mqtt import hub_client


class Command(BaseCommand):
    help = "Publish queued digests and configs to the benches (signed, retained), as they are queued."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=1.0, help="seconds between looks at the queue")
        parser.add_argument("--once", action="store_true", help="publish what is queued, then exit")

    def handle(self, *args, **opts):
        logging.getLogger("hub").setLevel(logging.INFO)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        # One publisher however many processes are started (its MQTT client id is fixed, too).
        with singleton("downlink"):
            self._run(opts)

    def _run(self, opts):
        m = settings.MQTT
        client = hub_client("downlink")
        client.connect_async(m["host"], m["port"], keepalive=30)
        client.loop_start()

        def publish(topic, payload):
            if not client.is_connected():
                return False
            info = client.publish(topic, payload, qos=1, retain=True)
            info.wait_for_publish(timeout=10)
            return info.is_published()

        try:
            while True:
                close_old_connections()
                downlink_publish_pending(publish=publish)
                if opts["once"]:
                    break
                time.sleep(opts["every"])
        except KeyboardInterrupt:
            pass
        finally:
            client.loop_stop()
            client.disconnect()
