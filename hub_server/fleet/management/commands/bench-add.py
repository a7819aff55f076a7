import json

from django.core.management.base import BaseCommand

from hub_server.fleet.services import bench_register


class Command(BaseCommand):
    help = "Register a bench (or re-provision it): prints its MQTT credentials and signing key as JSON, once."

    def add_arguments(self, parser):
        parser.add_argument("bench_id")
        parser.add_argument("--municipality", required=True)

    def handle(self, *args, **opts):
        bench, credentials = bench_register(bench_id=opts["bench_id"], municipality=opts["municipality"])
        self.stdout.write(json.dumps({"bench_id": bench.id, "municipality": bench.municipality, **credentials},
                                     ensure_ascii=False))
