"""Reads of proposals."""
from hub_server.proposals.models import Proposal


def proposal_list_for_review(*, limit: int = 200):
    return Proposal.objects.select_related("bench").order_by("-received")[:limit]


def proposal_export_rows():
    for p in Proposal.objects.order_by("received", "id"):
        yield {
            "id": p.id,
            "bench_id": p.bench_id,
            "title": p.title,
            "body": p.body,
            "category": p.category,
            "receipt": p.receipt,
            "status": p.status,
            "created": (p.created or p.received).isoformat(),
        }
