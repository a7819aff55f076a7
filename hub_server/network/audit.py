"""The network app's audit entries (one helper, called inside each service's transaction)."""
from hub_server.network.models import NetworkAudit


def record(*, actor, verb: str, subject: str, municipality=None, before: dict | None = None,
           after: dict | None = None) -> NetworkAudit:
    return NetworkAudit.objects.create(actor=actor, verb=verb, subject=subject[:200], municipality=municipality,
                                       before=before or {}, after=after or {})
