from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hub_server.fleet.services import bench_command
from hub_server.mqtt import hub_client


class Command(BaseCommand):
    help = "Send a signed command to a bench: reboot, rotate_key (a new signing key), time (set its clock)."

    def add_arguments(self, parser):
        parser.add_argument("bench_id")
        parser.add_argument("command", choices=["reboot", "rotate_key", "time"])

    def handle(self, *args, **opts):
        import time

        extra = {"now": int(time.time())} if opts["command"] == "time" else {}
        try:
            topic, payload = bench_command(bench_id=opts["bench_id"], command=opts["command"], **extra)
        except Exception as exc:
            raise CommandError(str(exc))
        client = hub_client("cmd")
        m = settings.MQTT
        client.connect(m["host"], m["port"])
        client.loop_start()
        info = client.publish(topic, payload, qos=1)
        info.wait_for_publish(timeout=10)
        client.loop_stop()
        client.disconnect()
        if not info.is_published():
            raise CommandError("the broker did not accept the command; the bench will not get it")
        self.stdout.write(f"sent {opts['command']} to {opts['bench_id']}")
