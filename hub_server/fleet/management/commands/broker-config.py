from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from hub_server.broker import hub_users, write_broker_files
from hub_server.fleet.models import Bench


class Command(BaseCommand):
    help = ("Write Mosquitto's config, password file and ACL for the registered benches and the hub; "
            "with TLS (the default) also the hub's CA and the broker's certificate, made once and renewed "
            "when close to expiry.")

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument("--port", type=int, default=settings.MQTT["port"],
                            help="plain-text listener (for the hub's processes on loopback)")
        parser.add_argument("--host", default="127.0.0.1", help="address of the plain-text listener")
        parser.add_argument("--no-plain", action="store_true",
                            help="no plain-text listener at all (the hub then connects over TLS too)")
        parser.add_argument("--tls-port", type=int, default=8883)
        parser.add_argument("--tls-host", default="",
                            help="address of the TLS listener (default: every interface)")
        parser.add_argument("--tls-name", action="append", default=[],
                            help="host name or IP the benches use for the broker; repeat for several "
                                 "(the server certificate's SAN; default: MQTT_HOST)")
        parser.add_argument("--no-tls", action="store_true", help="no TLS listener (a loopback-only test broker)")

    def handle(self, *args, **opts):
        if not settings.MQTT["password"]:
            raise SystemExit("hub broker-config: set MQTT_PASSWORD, the hub's own broker password")
        if opts["no_plain"] and opts["no_tls"]:
            raise SystemExit("hub broker-config: --no-plain and --no-tls leave the broker without a listener")
        hashes = dict(Bench.objects.values_list("id", "mqtt_password_hash"))
        conf = write_broker_files(out=opts["out"], port=None if opts["no_plain"] else opts["port"],
                                  host=opts["host"], hub_users=hub_users(), bench_hashes=hashes,
                                  tls_port=None if opts["no_tls"] else opts["tls_port"], tls_host=opts["tls_host"],
                                  tls_names=opts["tls_name"] or [settings.MQTT["host"]])
        self.stdout.write(str(conf))
