import json
from pathlib import Path

from django.core.management.base import BaseCommand

from hub_server.broker import CA_CERT, ca_certificate


class Command(BaseCommand):
    help = ("Print the broker CA's certificate that `hub broker-config` made, for a bench's config.json "
            "(mqtt.ca, PEM; MicroPython's ssl takes it as cadata). --json prints the bench's mqtt TLS keys.")

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path, help="the broker directory given to broker-config")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--server-hostname", default=None, help="with --json: the name the bench checks")

    def handle(self, *args, **opts):
        if not (opts["out"] / CA_CERT).exists():
            raise SystemExit(f"hub broker-ca: no {CA_CERT} in {opts['out']}: run hub broker-config first")
        pem = ca_certificate(opts["out"])
        if opts["json"]:
            keys = {"tls": True, "ca": pem}
            if opts["server_hostname"]:
                keys["server_hostname"] = opts["server_hostname"]
            self.stdout.write(json.dumps(keys))
        else:
            self.stdout.write(pem, ending="")
