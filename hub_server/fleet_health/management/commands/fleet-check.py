import time

from django.core.management.base import BaseCommand

from hub_server.fleet_health.services import fleet_check
from hub_server.proposals.notifications import reviewers_notify_new


class Command(BaseCommand):
    help = "Open offline alerts and send the batched new-proposal emails; --every N repeats every N seconds."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0)

    def handle(self, *args, **opts):
        while True:
            opened, emails = fleet_check(), reviewers_notify_new()
            self.stdout.write(f"offline alerts opened: {opened}; reviewer emails sent: {emails}")
            if not opts["every"]:
                return
            time.sleep(opts["every"])
