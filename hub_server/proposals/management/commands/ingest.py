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
        parser.add_argument("--worker", type=int, default=1,
                            help="number of this worker (1..MQTT_INGEST_WORKERS): each has its own broker user")
        parser.add_argument("--shared", action="store_true", default=settings.MQTT["ingest_workers"] > 1,
                            help="join the $share/hub group subscription (default: when MQTT_INGEST_WORKERS > 1)")

    def handle(self, *args, **opts):
        logging.getLogger("hub").setLevel(logging.INFO)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        role = "ingest" if opts["worker"] == 1 else f"ingest-{opts['worker']}"
        worker = IngestWorker(host=opts["host"], port=opts["port"], role=role, shared=opts["shared"])
        try:
            worker.run_forever()
        except KeyboardInterrupt:
            pass
