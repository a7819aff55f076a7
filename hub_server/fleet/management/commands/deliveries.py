import json

from django.core.management.base import BaseCommand

from hub_server.fleet.models import Delivery
from hub_server.proposals.models import Proposal


class Command(BaseCommand):
    help = "Print how each stored proposal reached the hub: bench, (boot, n), copies received, out of order."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="a JSON array, one object per delivery")
        parser.add_argument("--bench", help="only this bench's deliveries")

    def handle(self, *args, **opts):
        qs = Delivery.objects.order_by("bench_id", "boot", "n")
        if opts["bench"]:
            qs = qs.filter(bench_id=opts["bench"])
        receipts = dict(Proposal.objects.values_list("id", "receipt"))
        rows = [{"id": d.proposal_id, "receipt": receipts.get(d.proposal_id), "bench": d.bench_id, "boot": d.boot,
                 "n": d.n, "copies": d.copies, "out_of_order": d.out_of_order, "dated_by": d.dated_by,
                 "received": d.received.isoformat()} for d in qs]
        if opts["json"]:
            self.stdout.write(json.dumps(rows, indent=1))
        else:
            for row in rows:
                flag = " OUT OF ORDER" if row["out_of_order"] else ""
                self.stdout.write(f"{row['bench']:<12} {row['boot']:>4}.{row['n']:<5} {row['receipt']} x{row['copies']}{flag}")
