import json
import time

import pytest

from hub_server.fleet.services import bench_register
from hub_server.proposals.models import Proposal
from hub_server.proposals.services import ProposalRejected

pytestmark = pytest.mark.django_db


def message(**over):
    msg = {"v": 1, "id": "0123456789abcdef", "bench": "sa-1", "receipt": "0J8M-4XF2", "title": "Česma",
           "body": "Нова чесма", "category": "environment", "lang": "bs", "name": "Ana", "contact": "061",
           "consent": True, "created": 1790000000, "uptime": 12}
    msg.update(over)
    return json.dumps(msg, ensure_ascii=False).encode()


def proposal_receive(*, bench_id, payload):
    from hub_server.proposals.services import proposal_receive as receive

    return receive(bench_id=bench_id, record=payload, meta={"boot": 0, "up": 20, "now": None})


@pytest.fixture
def bench():
    return bench_register(bench_id="sa-1", municipality="Sarajevo Centar")[0]


def test_a_proposal_is_stored_once_however_often_it_arrives(bench):
    first, created = proposal_receive(bench_id="sa-1", payload=message())
    again, created_again = proposal_receive(bench_id="sa-1", payload=message())
    assert (created, created_again) == (True, False)
    assert Proposal.objects.count() == 1
    assert first.title == "Česma" and first.body == "Нова чесма" and first.contact == "061"


def test_contact_details_without_consent_are_not_kept(bench):
    proposal, _ = proposal_receive(bench_id="sa-1", payload=message(consent=False))
    assert (proposal.name, proposal.contact) == ("", "")


@pytest.mark.parametrize("payload, reason", [
    (b"\xff\xfe", "not protocol JSON"),
    (b"[1]", "not a JSON object"),
    (message(v=2), "v is not a valid v1"),
    (message(id="../../etc"), "id is not a valid hex"),
    (message(bench="mostar-1"), "does not match the topic"),
    (message(title=""), "'title' is empty"),
    (message(title=5), "title is not a valid text"),
    (message(body="x" * 2001), "body is not a valid text"),
    (message(category="weather"), "category is not a valid choice"),
    (message(created="yesterday"), "created is not a valid time"),
    # correctly formed JSON a signed bench could still send: out of every range the hub has
    (message(created=int(time.time()) + 10 * 86400), "created is in the future"),
    (message(created=10 ** 15), "created is not a valid time"),
    (message(boot=2 ** 31), "boot is not a valid count"),
    (message(n=2 ** 63), "n is not a valid count"),
    (message(uptime=-1), "uptime is not a valid count"),
    (message(boot=True), "boot is not a valid count"),
    (message(consent="yes"), "consent is not a valid flag"),
    (message(title=["nested", {"junk": [1]}]), "title is not a valid text"),
    (message(uptime=1.5), "uptime is not a valid count"),
    (message().replace(b'"uptime": 12', b'"uptime": 1e400'), "out of range"),
    (message().replace(b'"uptime": 12', b'"uptime": NaN'), "NaN is not JSON"),
    (message().replace(b'"uptime": 12', b'"uptime": ' + b"9" * 400), "more than 20 digits"),
    (message().replace(b'"uptime": 12', b'"uptime": ' + b"[" * 100000 + b"]" * 100000), "RecursionError"),
])
def test_malformed_messages_are_rejected_with_a_reason(bench, payload, reason):
    with pytest.raises(ProposalRejected, match=reason):
        proposal_receive(bench_id="sa-1", payload=payload)
    assert Proposal.objects.count() == 0


def test_an_unknown_bench_is_refused():
    with pytest.raises(ProposalRejected, match="unknown bench"):
        proposal_receive(bench_id="sa-1", payload=message())


def test_the_review_list_needs_a_login_and_shows_the_text_escaped(client, bench, django_user_model):
    proposal_receive(bench_id="sa-1", payload=message(title="<script>x</script>"))
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    django_user_model.objects.create_superuser("rev", password="pw-123456")  # a network administrator
    client.login(username="rev", password="pw-123456")
    page = client.get("/").content.decode()
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x" not in page
    assert "0J8M-4XF2" in page


def test_an_unreadable_seal_loses_only_the_contact_details_not_the_idea(bench):
    from hub_server.fleet.seal import seal_public_modulus

    seal_public_modulus()  # the hub's key exists; "s1:AAAA" was not sealed with it
    proposal, _ = proposal_receive(bench_id="sa-1", payload=message(name="", contact="", sealed="s1:AAAA"))
    assert (proposal.title, proposal.name, proposal.contact) == ("Česma", "", "")
