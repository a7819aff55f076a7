"""The grant scheme's audit entries (one helper, called inside each service's transaction)."""
from hub_server.grants.models import GrantAudit


def record(*, actor, verb: str, subject: str, call=None, before: dict | None = None,
           after: dict | None = None) -> GrantAudit:
    return GrantAudit.objects.create(actor=actor, verb=verb, subject=str(subject)[:200], call=call,
                                     before=before or {}, after=after or {})
