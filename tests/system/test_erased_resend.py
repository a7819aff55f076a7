"""An idea erased on the hub and sent again by its bench is acknowledged without being stored, and the
ingest goes on storing the bench's next ideas (issue 9): real MicroPython bench, broker and ingest."""
import pytest
from benchcore import contract

from simulators.stack import post_form
from tests.support import wait_for
from tests.system.test_protocol_security import client, creds, hub_query

pytestmark = pytest.mark.micropython


def test_a_resent_erased_idea_is_acked_and_does_not_wedge_ingest(stack):
    bench = stack.add_bench("zenica-1", "Zenica")
    captured = []
    spy, _ = client(stack, *stack.hub_login("monitor"), on_message=lambda c, u, m: captured.append(m))
    spy.subscribe(contract.topic("zenica-1", contract.proposal), 1)
    first = {"title": "Česma kod škole", "body": "Treba nam česma", "category": "environment",
             "name": "Ana", "contact": "ana@example.org", "consent": "1"}
    assert post_form(bench.portal_url + "/proposals", first)[0] == 200
    wait_for(lambda: captured and bench.status()["outbox"] == 0)
    erased_id = stack.proposals()[0]["id"]
    hub_query(stack, "from hub_server.proposals.privacy_services import proposal_erase\n"
                     f"proposal_erase(proposal=Proposal.objects.get(pk='{erased_id}'), by=None, why='test')\n"
                     "print(json.dumps(Proposal.objects.count()))")
    # The bench's exact message again (as after a lost ack), signed with its own credentials.
    thief, _ = client(stack, *creds(bench))
    thief.publish(captured[0].topic, captured[0].payload, qos=1).wait_for_publish(5)
    wait_for(lambda: hub_query(stack, f"print(json.dumps(Delivery.objects.get(pk='{erased_id}').copies))") == 2)
    assert stack.proposals() == []  # acknowledged, not stored again
    second = {"title": "Rasvjeta", "body": "Više svjetla", "category": "infrastructure"}
    assert post_form(bench.portal_url + "/proposals", second)[0] == 200
    wait_for(lambda: [p["title"] for p in stack.proposals()] == ["Rasvjeta"])
    wait_for(lambda: bench.status()["outbox"] == 0)
    for c in (spy, thief):
        c.loop_stop()
