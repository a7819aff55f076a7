import logging
import signal
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from hub_server.ingest.worker import IngestWorker


class Command(BaseCommand):
    help = "Receive proposals from the benches over MQTT, store them, acknowledge after commit."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.MQTT["host"])
        parser.add_argument("--port", type=int, default=settings.MQTT["port"])
        parser.add_argument("--user", default=settings.MQTT["user"])
        parser.add_argument("--password", default=settings.MQTT["password"])
        parser.add_argument("--client-id", default="hub-ingest")
        parser.add_argument("--share-group", default=settings.MQTT["share_group"],
                            help="join the broker's shared subscription $share/GROUP/... with the other workers "
                                 "(default: MQTT_SHARE_GROUP; empty: the only worker)")

    def handle(self, *args, **opts):
        logging.getLogger("hub").setLevel(logging.INFO)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        worker = IngestWorker(host=opts["host"], port=opts["port"], user=opts["user"],
                              password=opts["password"], client_id=opts["client_id"], share_group=opts["share_group"])
        try:
            worker.run_forever()
        except KeyboardInterrupt:
            pass
