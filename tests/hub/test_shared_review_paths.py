"""The review UI and the staff API share their scope checks and decision dispatch, and commands do
what their names say (issue 9)."""
import json

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.management import call_command

from hub_server.membership import roles
from hub_server.membership.models import Membership
from hub_server.membership.services import api_token_create
from hub_server.proposals.models import Proposal

pytestmark = pytest.mark.django_db


def test_reviewer_add_adds_a_reviewer_to_an_organisation(benches, sarajevo_reviewer, capsys,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reviewer-add", "nova@example.org", "--organisation", "REG-1", "--name", "Nova Članica")
    out = json.loads(capsys.readouterr().out)
    assert out == {"username": "nova@example.org", "organisation": "CSO REG-1"}
    membership = Membership.objects.select_related("user", "organisation").get(user__username="nova@example.org")
    user = membership.user
    assert (membership.role, membership.organisation.registration_number) == ("reviewer", "REG-1")
    assert list(user.groups.values_list("name", flat=True)) == [roles.REVIEWERS]
    assert not user.is_staff and not user.is_superuser and not user.has_usable_password()
    assert mail.outbox[-1].to == ["nova@example.org"] and "/accounts/reset/" in mail.outbox[-1].body


def test_admin_add_makes_an_administrator(benches, capsys):
    call_command("admin-add", "root", "--password", "Dugacka-lozinka-77")
    assert json.loads(capsys.readouterr().out)["username"] == "root"
    from django.contrib.auth import get_user_model
    user = get_user_model().objects.get(username="root")
    assert list(user.groups.values_list("name", flat=True)) == [roles.ADMINISTRATORS] and user.is_staff


@pytest.mark.parametrize("decision, fields, expected", [
    ("decline", {"reason": "x"}, "Unknown decline reason 'x'."),
    ("decline", {}, "A decline needs a reason."),
    ("duplicate", {"original": "NONE-NONE"}, "No proposal with that id or receipt code in this municipality."),
    ("shout", {}, None),
])
def test_the_review_page_and_the_api_refuse_a_decision_alike(client, sarajevo_reviewer, new_proposal, decision,
                                                            fields, expected):
    p = new_proposal()
    auth = {"HTTP_AUTHORIZATION": "Bearer " + api_token_create(user=sarajevo_reviewer, name="t")}
    api = client.post(f"/api/v1/staff/proposals/{p.pk}/decision", {"decision": decision, **fields},
                      content_type="application/json", **auth)
    client.force_login(sarajevo_reviewer)
    web = client.post(f"/review/p/{p.pk}/{decision}/", fields)
    if expected is None:
        assert (api.status_code, web.status_code) == (400, 404)
        assert api.json()["detail"].startswith("Unknown decision 'shout'")
    else:
        assert api.status_code == 400 and api.json() == {"detail": expected}
        assert [m.message for m in get_messages(web.wsgi_request)] == [expected]
    assert Proposal.objects.get(pk=p.pk).status == "new"


def test_the_api_takes_every_decision_the_review_page_takes(client, sarajevo_reviewer, new_proposal):
    original, copy = new_proposal(), new_proposal()
    auth = {"HTTP_AUTHORIZATION": "Bearer " + api_token_create(user=sarajevo_reviewer, name="t")}

    def decide(p, **body):
        return client.post(f"/api/v1/staff/proposals/{p.pk}/decision", body, content_type="application/json", **auth)
    assert decide(original, decision="validate").json()["status"] == "validated"
    assert decide(copy, decision="duplicate", original=original.receipt).json()["status"] == "duplicate"
    assert decide(original, decision="edit", category="transport", tags="bus, Bus , linija").json()["category"] == \
        "transport"
    assert decide(original, decision="redact", public_title="Autobus", public_body="Nova linija").json()["title"] == \
        "Autobus"
    original.refresh_from_db()
    copy.refresh_from_db()
    assert (copy.duplicate_of_id, original.tags) == (original.pk, "bus, linija")


def test_the_staff_queue_refuses_a_municipality_outside_the_scope(client, sarajevo_reviewer):
    auth = {"HTTP_AUTHORIZATION": "Bearer " + api_token_create(user=sarajevo_reviewer, name="t")}
    response = client.get("/api/v1/staff/queue?municipality=Mostar", **auth)
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not review proposals of this municipality."}
    client.force_login(sarajevo_reviewer)
    assert client.get("/review/?municipality=Mostar").status_code == 403
