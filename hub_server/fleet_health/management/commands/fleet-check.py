import time

from django.core.management.base import BaseCommand

from hub_server.fleet_health.services import fleet_check
from hub_server.jobs import singleton
from hub_server.proposals.notifications import reviewers_notify_new


class Command(BaseCommand):
    help = "Open offline alerts and send the batched new-proposal emails; --every N repeats every N seconds."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0)

    def handle(self, *args, **opts):
        # One process runs the checks however many are started (the others stand by): alerts and
        # e-mails go out once.
        with singleton("fleet-check", on_wait=lambda: self.stdout.write("fleet-check: standing by")):
            self._loop(opts)

    def _loop(self, opts):
        while True:
            opened, emails = fleet_check(), reviewers_notify_new()
            self.stdout.write(f"offline alerts opened: {opened}; reviewer emails sent: {emails}")
            if not opts["every"]:
                return
            time.sleep(opts["every"])
