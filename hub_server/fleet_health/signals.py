"""`digest_changed`: the hook for whoever publishes the benches' `digest` topic.

Sent inside the transaction of any review decision or action update that can change what the
benches of a municipality show, with keyword arguments `municipality` (str, as in
`fleet.Bench.municipality`) and `bench_ids` (list of str: that municipality's benches). A receiver
queues its work in that same transaction (fleet.downlink queues a PendingDownlink per bench), so
the decision and the queued digest commit together: nothing that runs after the commit (an email
that fails, say) can lose a digest. The downlink worker later calls
`hub_server.fleet_health.digest.digest_for_bench(bench_id=...)`, signs and publishes it retained.

    from hub_server.fleet_health.signals import digest_changed
    digest_changed.connect(my_receiver)          # def my_receiver(sender, municipality, bench_ids, **kw)
"""
from django.dispatch import Signal

from hub_server.fleet.models import Bench

digest_changed = Signal()


def digest_changed_queue(*, municipality: str) -> None:
    """Send `digest_changed` for the municipality now, in the caller's transaction."""
    bench_ids = list(Bench.objects.filter(municipality=municipality).values_list("id", flat=True))
    digest_changed.send(sender="hub_server.fleet_health", municipality=municipality, bench_ids=bench_ids)
