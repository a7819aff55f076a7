from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from hub_server.broker import password_hash, write_broker_files
from hub_server.fleet.models import Bench


class Command(BaseCommand):
    help = "Write Mosquitto's config, password file and ACL for the registered benches and the hub."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument("--port", type=int, default=settings.MQTT["port"])
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, **opts):
        if not settings.MQTT["password"]:
            raise SystemExit("hub broker-config: set MQTT_PASSWORD, the hub's own broker password")
        hashes = dict(Bench.objects.values_list("id", "mqtt_password_hash"))
        conf = write_broker_files(out=opts["out"], port=opts["port"], host=opts["host"],
                                  hub_user=settings.MQTT["user"],
                                  hub_password_hash=password_hash(settings.MQTT["password"]), bench_hashes=hashes)
        self.stdout.write(str(conf))
