import json

from django.core.management.base import BaseCommand, CommandError

from hub_server.fleet.downlink import bench_settings_set


class Command(BaseCommand):
    help = "Set a bench's desired settings (a JSON object); `hub downlink` sends them as its signed config."

    def add_arguments(self, parser):
        parser.add_argument("bench_id")
        parser.add_argument("settings", help='e.g. \'{"power": {"policy": {"saver_soc": 45}}}\'')

    def handle(self, *args, **opts):
        try:
            settings = json.loads(opts["settings"])
        except ValueError as exc:
            raise CommandError(f"settings are not JSON: {exc}")
        if not isinstance(settings, dict):
            raise CommandError("settings must be a JSON object")
        try:
            bench_settings_set(bench_id=opts["bench_id"], settings=settings)
        except ValueError as exc:
            raise CommandError(str(exc))
        self.stdout.write(f"queued config for {opts['bench_id']}")
