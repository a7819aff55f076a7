"""Open-data rows of validated ideas and actions: public fields only, inert and bounded.

The rows come from the same selectors as the public pages and the API (proposals.selectors), so
an idea hidden or declined as unlawful is absent here as it is there."""
from hub_server.proposals.selectors import public_actions, public_ideas
from hub_server.proposals.text import inert, inert_line

IDEA_FIELDS = ["id", "receipt", "municipality", "bench", "category", "tags", "title", "body", "received",
               "action_ids"]
ACTION_FIELDS = ["id", "municipality", "title", "status", "public_answer", "created", "updated", "idea_ids"]


def idea_rows():
    qs = public_ideas().prefetch_related("actions").order_by("received", "id")
    for p in qs.iterator(chunk_size=2000):
        yield {"id": p.id, "receipt": p.receipt, "municipality": p.bench.municipality, "bench": p.bench_id,
               "category": p.category, "tags": p.tag_list, "title": inert_line(p.shown_title, 120),
               "body": inert(p.shown_body, 2000), "received": p.received.date().isoformat(),
               "action_ids": sorted(a.id for a in p.actions.all())}


def action_rows():
    for a in public_actions().order_by("id").iterator(chunk_size=500):
        yield {"id": a.id, "municipality": a.municipality.name, "title": inert_line(a.title, 120),
               "status": a.status, "public_answer": inert(a.public_answer, 2000),
               "created": a.created.date().isoformat(), "updated": a.updated.date().isoformat(),
               "idea_ids": sorted(p.id for p in a.proposals.all())}
