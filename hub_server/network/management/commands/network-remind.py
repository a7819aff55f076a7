import json

from django.core.management.base import BaseCommand

from hub_server.network.forwarding_services import REMIND_DAYS_BEFORE, forwardings_remind


class Command(BaseCommand):
    help = ("Email municipal officials about forwarded ideas whose answer is due within --days days (once) "
            "and about overdue ones (once). Run it from a scheduler, e.g. daily; prints the counts as JSON.")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=REMIND_DAYS_BEFORE)

    def handle(self, *args, **opts):
        self.stdout.write(json.dumps(forwardings_remind(days_before=opts["days"])))
