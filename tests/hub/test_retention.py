"""Retention and citizens' rights over their data (issue 9): contacts erased on schedule, a copy or
erasure on request (receipt + contact), consent withdrawn, contact views audited, audit trail kept,
and an erased idea sent again by its bench is acknowledged without being stored again."""
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from hub_server.fleet.models import Delivery, PendingDownlink
from hub_server.proposals import review_services as rs
from hub_server.proposals.models import AuditEntry, ErasedProposal, Proposal
from hub_server.proposals.services import proposal_receive


@pytest.fixture
def client():
    """A citizen's browser in Bosnia and Herzegovina: Bosnian, the portal's first language."""
    from django.test import Client
    return Client(HTTP_ACCEPT_LANGUAGE="bs")


pytestmark = pytest.mark.django_db


def _age(proposal, **fields_days):
    """Move an idea's dates into the past (the fields are set by the database, not by services)."""
    Proposal.objects.filter(pk=proposal.pk).update(
        **{field: timezone.now() - timedelta(days=days) for field, days in fields_days.items()})


def test_the_retention_command_erases_contacts_a_year_after_the_idea_closed(sarajevo_reviewer, new_proposal):
    r = sarajevo_reviewer
    old_declined, young_declined, done, ongoing, forgotten = (new_proposal(contact=f"c{n}@example.org")
                                                             for n in range(5))
    for p in (old_declined, young_declined):
        rs.proposal_decline(proposal=p, by=r, reason="unclear")
    for p in (done, ongoing):
        rs.proposal_validate(proposal=p, by=r)
    finished = rs.action_create(municipality="Sarajevo Centar", title="Gotovo", proposals=[done], by=r)
    rs.action_update(action=finished, by=r, status="done", note="")
    rs.action_create(municipality="Sarajevo Centar", title="U toku", proposals=[ongoing], by=r)
    _age(old_declined, status_changed=400, received=410)
    _age(young_declined, status_changed=300, received=310)
    _age(ongoing, received=400)
    _age(forgotten, received=800)  # never reviewed: erased after the two-year limit
    finished.__class__.objects.filter(pk=finished.pk).update(updated=timezone.now() - timedelta(days=370))

    call_command("retention")

    held = {p.pk: (p.name, p.contact, p.consent) for p in Proposal.objects.all()}
    for erased in (old_declined, done, forgotten):
        assert held[erased.pk] == ("", "", False)
    for kept in (young_declined, ongoing):
        assert held[kept.pk] == ("Ana", kept.contact, True)
    entries = AuditEntry.objects.filter(verb="contact_erase")
    assert sorted(e.proposal_id for e in entries) == sorted([old_declined.pk, done.pk, forgotten.pk])
    assert all(e.actor is None and e.after == {"why": "retention"} for e in entries)
    assert "c0@example.org" not in json.dumps(list(entries.values("before", "after")))


def test_the_retention_period_is_configurable(settings, sarajevo_reviewer, new_proposal):
    settings.HUB_CONTACT_RETENTION_DAYS = 30
    p = new_proposal()
    rs.proposal_decline(proposal=p, by=sarajevo_reviewer, reason="unclear")
    _age(p, status_changed=45)
    call_command("retention")
    p.refresh_from_db()
    assert (p.contact, p.contact_erased is not None) == ("", True)


def _ask(client, receipt, contact, kind):
    return client.post("/public/my-data/", {"receipt": receipt, "contact": contact, "kind": kind})


def test_a_citizen_gets_a_copy_with_receipt_and_contact_only(client, sarajevo_reviewer, new_proposal):
    p = new_proposal(title="Klupa kod škole", contact="Ana@Example.org")
    rs.proposal_validate(proposal=p, by=sarajevo_reviewer)
    for receipt, contact in ((p.receipt, "other@example.org"), ("ZZZZ-ZZZZ", "ana@example.org")):
        response = _ask(client, receipt, contact, "copy")
        text = response.content.decode()
        assert response.status_code == 400 and "Nijedna ideja nema taj kod potvrde s tim kontaktom." in text
        assert "Klupa kod škole" not in text
    response = _ask(client, p.receipt.lower(), " ana@example.org ", "copy")
    text = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "Klupa kod škole" in text and "Ana@Example.org" in text and "Potvrđeno" in text
    assert sarajevo_reviewer.username not in text  # the history says what happened, not which reviewer
    assert AuditEntry.objects.filter(proposal=p, verb="data_copy").count() == 1


def test_a_citizen_withdraws_consent_and_hears_no_more(client, sarajevo_reviewer, new_proposal,
                                                       django_capture_on_commit_callbacks):
    p = new_proposal()
    response = _ask(client, p.receipt, "ana@example.org", "withdraw")
    assert response.status_code == 200 and 'id="done"' in response.content.decode()
    p.refresh_from_db()
    assert (p.name, p.contact, p.consent) == ("", "", False) and p.title  # the idea itself stays
    with django_capture_on_commit_callbacks(execute=True):
        rs.proposal_validate(proposal=p, by=sarajevo_reviewer)
    assert mail.outbox == []


def test_a_citizen_erases_their_idea_the_audit_trail_stays_and_the_bench_resend_is_acked(
        client, sarajevo_reviewer, benches):
    record = json.dumps({"v": 1, "id": "00aa11bb22cc33dd", "bench": "sa-1", "receipt": "0AN8-HX2C",
                         "title": "Moja ideja", "body": "Tekst", "category": "other", "lang": "bs", "name": "Ana",
                         "contact": "ana@example.org", "consent": True, "created": 1790000000, "boot": 1,
                         "n": 7}).encode()
    meta = {"boot": 1, "up": 100, "now": 1790000100}
    p, created = proposal_receive(bench_id="sa-1", record=record, meta=meta)
    assert created
    rs.proposal_validate(proposal=p, by=sarajevo_reviewer)
    action = rs.action_create(municipality="Sarajevo Centar", title="Akcija", proposals=[p], by=sarajevo_reviewer)
    PendingDownlink.objects.all().delete()

    response = _ask(client, "0AN8-HX2C", "ana@example.org", "erase")
    assert response.status_code == 200 and 'id="done"' in response.content.decode()

    assert not Proposal.objects.filter(pk=p.pk).exists()
    assert ErasedProposal.objects.get(pk=p.pk).bench_id == "sa-1"
    verbs = list(AuditEntry.objects.filter(proposal_id=p.pk).order_by("id").values_list("verb", flat=True))
    assert verbs == ["validate", "erase"]
    assert AuditEntry.objects.filter(action=action, verb="action_create").exists()
    assert PendingDownlink.objects.filter(bench_id="sa-1", kind="digest").exists()  # benches stop showing it
    assert "Moja ideja" not in client.get(f"/public/actions/{action.pk}/").content.decode()
    # The bench sends it again (it never saw the ack): acknowledged, not stored again.
    again, created = proposal_receive(bench_id="sa-1", record=record, meta=meta)
    assert (again.pk, created) == (p.pk, False)
    assert not Proposal.objects.filter(pk=p.pk).exists()
    assert Delivery.objects.get(pk=p.pk).copies == 2
    # The audit log page still lists the erased idea's entries.
    client.force_login(sarajevo_reviewer.__class__.objects.get(username="admin"))
    assert client.get("/review/audit/").status_code == 200


def test_contact_details_are_shown_only_on_an_audited_page(client, admin_user, sarajevo_reviewer, new_proposal):
    p = new_proposal(contact="061 123 456")
    client.force_login(admin_user)
    assert "061 123 456" not in client.get(f"/review/p/{p.pk}/").content.decode()
    assert "061 123 456" not in client.get(f"/admin/proposals/proposal/{p.pk}/change/").content.decode()
    response = client.post(f"/review/p/{p.pk}/contact/")
    assert response.status_code == 200 and "061 123 456" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(proposal=p, verb="contact_view")
    assert entry.actor == admin_user
    client.force_login(sarajevo_reviewer)  # reviewers do not have view_original_text
    assert client.post(f"/review/p/{p.pk}/contact/").status_code == 403
    assert AuditEntry.objects.filter(verb="contact_view").count() == 1


def test_deleting_in_the_admin_erases_through_the_service(client, admin_user, sarajevo_reviewer, new_proposal):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    p = new_proposal()
    rs.proposal_hide(proposal=p, by=sarajevo_reviewer)
    client.force_login(admin_user)
    response = client.post(f"/admin/proposals/proposal/{p.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert ErasedProposal.objects.filter(pk=p.pk).exists()
    assert list(AuditEntry.objects.filter(proposal_id=p.pk).order_by("id").values_list("verb", flat=True)) == [
        "hide", "erase"]


def test_the_retention_command_also_forgets_old_failed_mail_and_login_logs(client, sarajevo_reviewer):
    from axes.models import AccessLog

    from hub_server.mail.models import MailFailure
    client.post("/accounts/login/", {"username": sarajevo_reviewer.username, "password": "pw-review-123"})
    MailFailure.objects.create(purpose="citizen-status", recipients="ana@example.org", subject="s", error="e")
    assert AccessLog.objects.count() == 1
    call_command("retention")
    assert (AccessLog.objects.count(), MailFailure.objects.count()) == (1, 1)  # young: kept
    AccessLog.objects.update(attempt_time=timezone.now() - timedelta(days=91))
    MailFailure.objects.update(at=timezone.now() - timedelta(days=91))
    call_command("retention")
    assert (AccessLog.objects.count(), MailFailure.objects.count()) == (0, 0)


def test_an_administrator_erases_on_a_request_that_came_another_way(client, admin_user, sarajevo_reviewer,
                                                                     new_proposal):
    first, second = new_proposal(), new_proposal()
    client.force_login(sarajevo_reviewer)
    assert client.post(f"/review/p/{first.pk}/erase/contact/").status_code == 403
    client.force_login(admin_user)
    assert client.post(f"/review/p/{first.pk}/erase/contact/").status_code == 302
    first.refresh_from_db()
    assert (first.contact, first.consent) == ("", False)
    assert client.post(f"/review/p/{second.pk}/erase/idea/").status_code == 302
    assert not Proposal.objects.filter(pk=second.pk).exists() and ErasedProposal.objects.filter(pk=second.pk).exists()
    verbs = AuditEntry.objects.filter(actor=admin_user).exclude(verb="org_approve").values_list("verb", flat=True)
    assert sorted(verbs) == ["contact_erase", "erase"]
