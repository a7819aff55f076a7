"""`digest_changed`: the hook for whoever publishes the benches' `digest` topic.

Sent after the commit of any review decision or action update that can change what the benches of
a municipality show, with keyword arguments `municipality` (str, as in `fleet.Bench.municipality`)
and `bench_ids` (list of str: that municipality's benches). A receiver typically calls
`hub_server.fleet_health.digest.digest_for_bench(bench_id=...)` for each bench, signs the result
and publishes it retained to `link/v1/b/<id>/digest`:

    from hub_server.fleet_health.signals import digest_changed
    digest_changed.connect(my_receiver)          # def my_receiver(sender, municipality, bench_ids, **kw)
"""
from django.db import transaction
from django.dispatch import Signal

from hub_server.fleet.models import Bench

digest_changed = Signal()


def digest_changed_on_commit(*, municipality: str) -> None:
    """Send `digest_changed` for the municipality once the current transaction commits."""
    def send():
        bench_ids = list(Bench.objects.filter(municipality=municipality).values_list("id", flat=True))
        digest_changed.send(sender="hub_server.fleet_health", municipality=municipality, bench_ids=bench_ids)

    transaction.on_commit(send)
