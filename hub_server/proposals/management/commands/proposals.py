import json

from django.core.management.base import BaseCommand

from hub_server.proposals.selectors import proposal_export_rows


class Command(BaseCommand):
    help = "Print the stored proposals."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="a JSON array, one object per proposal")

    def handle(self, *args, **opts):
        rows = list(proposal_export_rows())
        if opts["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
        else:
            for row in rows:
                self.stdout.write(f"{row['receipt']}  {row['bench_id']:<12} {row['status']:<9} {row['title']}")
