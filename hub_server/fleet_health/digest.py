"""What a bench shows of its municipality: the latest validated ideas and what became of them."""
from django.db.models import Max
from django.db.models.functions import Coalesce

from hub_server.fleet.models import Bench
from hub_server.proposals.models import Action, Proposal
from hub_server.proposals.text import inert_line

DIGEST_ITEMS = 10
TITLE_LIMIT = 80
ANSWER_LIMIT = 160


def digest_for_bench(*, bench_id: str) -> dict:
    """The digest for `link/v1/b/<bench_id>/digest`: at most 10 items, no personal data, stable key order.

    {"v": 1, "bench": id, "municipality": name, "updated": "YYYY-MM-DD" or null,
     "items": [{"receipt", "title", "status", "answer", "updated"}, ...]}
    An item is a validated idea; its status is its action's ("planned", "in_progress", "done",
    "not_possible") or "validated" while no action links it. Raises Bench.DoesNotExist.
    """
    bench = Bench.objects.get(pk=bench_id)
    ideas = (Proposal.objects.filter(bench__municipality=bench.municipality, status=Proposal.Status.VALIDATED)
             # a municipality's formal answer (network app) brings an older idea back to the top
             .annotate(touched=Coalesce(Max("forwardings__answered"), Max("actions__updated"), "status_changed",
                                        "received"))
             .order_by("-touched", "id")[:DIGEST_ITEMS])
    ideas = list(ideas)
    latest_action = {}
    for action in (Action.objects.filter(proposals__in=ideas).order_by("updated", "id")
                   .values("proposals__id", "status", "public_answer", "updated")):
        latest_action[action["proposals__id"]] = action  # ascending, so the last one wins
    formal = municipal_answers_for(ideas)
    funded = funded_lines_for(ideas)
    items = []
    for idea in ideas:
        action = latest_action.get(idea.pk)
        answer = formal.get(idea.pk) or (action["public_answer"] if action else "")
        if idea.pk in funded:  # a funded grant project comes first: the bench shows what is being done
            answer = f"{funded[idea.pk]} · {answer}" if answer else funded[idea.pk]
        items.append({
            "receipt": idea.receipt,
            "title": inert_line(idea.shown_title, TITLE_LIMIT),
            "status": action["status"] if action else "validated",
            "answer": inert_line(answer, ANSWER_LIMIT),
            "updated": idea.touched.date().isoformat(),
        })
    return {"v": 1, "bench": bench.id, "municipality": bench.municipality,
            "updated": max((i["updated"] for i in items), default=None), "items": items}


def municipal_answers_for(ideas: list) -> dict[str, str]:
    """The municipality's formal answer (network app) to each idea that has one; it is the answer the
    bench shows, before an action's. The digest's statuses stay the bench's own vocabulary."""
    from hub_server.network.selectors import municipal_answers
    return municipal_answers(proposal_ids=[idea.pk for idea in ideas])


def funded_lines_for(ideas: list) -> dict[str, str]:
    """A line in the hub's language for each idea an awarded grant project answers (grants app)."""
    from hub_server.grants.selectors import funded_lines
    return funded_lines(proposal_ids=[idea.pk for idea in ideas])
