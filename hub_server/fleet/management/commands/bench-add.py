import json

from django.core.management.base import BaseCommand

from hub_server.fleet.services import bench_register


class Command(BaseCommand):
    help = "Register a bench (or give it new credentials); prints its MQTT credentials as JSON once."

    def add_arguments(self, parser):
        parser.add_argument("bench_id")
        parser.add_argument("--municipality", required=True)

    def handle(self, *args, **opts):
        bench, password = bench_register(bench_id=opts["bench_id"], municipality=opts["municipality"])
        self.stdout.write(json.dumps({"bench_id": bench.id, "municipality": bench.municipality,
                                      "mqtt_user": bench.id, "mqtt_password": password}, ensure_ascii=False))
