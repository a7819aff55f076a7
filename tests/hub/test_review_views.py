import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hub_server.proposals.models import AuditEntry, Proposal

pytestmark = pytest.mark.django_db


def test_a_reviewer_cannot_see_or_act_on_another_municipality(client, sarajevo_reviewer, new_proposal):
    mostar = new_proposal(bench_id="mo-1")
    client.force_login(sarajevo_reviewer)
    assert client.get(f"/review/p/{mostar.pk}/").status_code == 403
    response = client.post(f"/review/p/{mostar.pk}/validate/")
    assert response.status_code == 403
    mostar.refresh_from_db()
    assert mostar.status == "new" and not AuditEntry.objects.filter(proposal=mostar).exists()
    assert client.get("/review/?municipality=Mostar").status_code == 403
    page = client.get("/review/").content.decode()
    assert mostar.receipt not in page


def test_a_reviewer_validates_declines_and_marks_a_duplicate(client, sarajevo_reviewer, new_proposal):
    a, b, c = new_proposal(title="Nova česma u parku Hastahana"), new_proposal(), \
        new_proposal(title="Česma u parku Hastahana", body="Nova česma u parku")
    client.force_login(sarajevo_reviewer)
    assert client.post(f"/review/p/{a.pk}/validate/").status_code == 302
    client.post(f"/review/p/{b.pk}/decline/", {"reason": "unclear", "note": "Koja ulica?"})
    detail = client.get(f"/review/p/{c.pk}/").content.decode()
    assert a.receipt in detail  # suggested as a likely duplicate
    client.post(f"/review/p/{c.pk}/duplicate/", {"original": ["", a.receipt]})
    statuses = dict(Proposal.objects.values_list("pk", "status"))
    assert (statuses[a.pk], statuses[b.pk], statuses[c.pk]) == ("validated", "declined", "duplicate")


def test_unknown_decisions_and_get_requests_are_refused(client, sarajevo_reviewer, new_proposal):
    p = new_proposal()
    client.force_login(sarajevo_reviewer)
    assert client.get(f"/review/p/{p.pk}/validate/").status_code == 405
    assert client.post(f"/review/p/{p.pk}/delete/").status_code == 404


def test_the_queue_needs_a_role(client, benches, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="x")
    client.force_login(user)
    response = client.get("/review/")
    assert response.status_code == 403 and b"No reviewer role" in response.content


def test_the_queue_filters_and_searches(client, sarajevo_reviewer, new_proposal):
    new_proposal(title="Biciklistička staza", category="transport", lang="en")
    new_proposal(title="Klupe u parku")
    client.force_login(sarajevo_reviewer)
    page = client.get("/review/?category=transport").content.decode()
    assert "Biciklistička staza" in page and "Klupe u parku" not in page
    page = client.get("/review/?q=klupe").content.decode()
    assert "Klupe u parku" in page and "Biciklistička" not in page
    assert "Klupe u parku" not in client.get("/review/?lang=en").content.decode()


def test_the_queue_costs_the_same_queries_for_5_or_50_proposals(client, sarajevo_reviewer, new_proposal):
    client.force_login(sarajevo_reviewer)
    for _ in range(5):
        new_proposal()
    with CaptureQueriesContext(connection) as few:
        client.get("/review/")
    for _ in range(45):
        new_proposal()
    with CaptureQueriesContext(connection) as many:
        client.get("/review/")
    assert len(few) == len(many) <= 12


def test_municipality_staff_answer_actions_but_do_not_review(client, sarajevo_reviewer, new_proposal, benches):
    from hub_server.membership.services import municipality_staff_add
    from hub_server.proposals.review_services import action_create, proposal_validate
    p = new_proposal()
    proposal_validate(proposal=p, by=sarajevo_reviewer)
    action = action_create(municipality="Sarajevo Centar", title="Česma", proposals=[p], by=sarajevo_reviewer)
    staff = municipality_staff_add(municipality="Sarajevo Centar", username="opcina", password="pw-staff-123")
    mostar_staff = municipality_staff_add(municipality="Mostar", username="mostar", password="pw-staff-123")
    client.force_login(staff)
    assert client.post(f"/review/p/{p.pk}/hide/").status_code == 403
    assert client.post(f"/review/actions/{action.pk}/", {"status": "done", "note": "Gotovo",
                                                        "public_answer": "Česma radi"}).status_code == 302
    action.refresh_from_db()
    assert (action.status, action.public_answer) == ("done", "Česma radi")
    client.force_login(mostar_staff)
    assert client.post(f"/review/actions/{action.pk}/", {"status": "not_possible"}).status_code == 403


def test_citizen_html_and_direction_overrides_are_inert_in_the_review_ui(client, sarajevo_reviewer, new_proposal):
    p = new_proposal(title="<script>alert(1)</script>\u202eevil", body="<img src=x onerror=alert(1)>" + "x" * 1990)
    client.force_login(sarajevo_reviewer)
    for url in ("/review/", f"/review/p/{p.pk}/"):
        page = client.get(url).content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page and "\u202e" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;evil" in page
