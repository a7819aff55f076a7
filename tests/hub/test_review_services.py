import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from hub_server.fleet_health.signals import digest_changed
from hub_server.proposals import review_services as rs
from hub_server.proposals.models import Action, AuditEntry, Proposal



pytestmark = pytest.mark.django_db


def test_validate_is_audited_and_tells_the_citizen_after_commit(sarajevo_reviewer, django_capture_on_commit_callbacks, new_proposal):
    make_proposal = new_proposal
    p = make_proposal()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rs.proposal_validate(proposal=p, by=sarajevo_reviewer)
    assert mail.outbox == []  # nothing leaves before the commit
    for cb in callbacks:
        cb()
    p.refresh_from_db()
    assert p.status == Proposal.Status.VALIDATED and p.status_changed is not None
    entry = AuditEntry.objects.get(proposal=p)
    assert (entry.actor, entry.verb, entry.before["status"], entry.after["status"]) == (
        sarajevo_reviewer, "validate", "new", "validated")
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    assert mail.outbox[0].subject == f"LINK {p.receipt}: Potvrđeno"  # the language the citizen wrote in


def test_no_email_without_consent(sarajevo_reviewer, django_capture_on_commit_callbacks, new_proposal):
    make_proposal = new_proposal
    p = make_proposal(consent=False)
    with django_capture_on_commit_callbacks(execute=True):
        rs.proposal_validate(proposal=p, by=sarajevo_reviewer)
    assert mail.outbox == []


def test_decline_needs_a_known_reason(sarajevo_reviewer, new_proposal):
    make_proposal = new_proposal
    p = make_proposal()
    with pytest.raises(ValidationError) as exc:
        rs.proposal_decline(proposal=p, by=sarajevo_reviewer, reason="boring")
    assert exc.value.messages == ["Unknown decline reason 'boring'."]
    rs.proposal_decline(proposal=p, by=sarajevo_reviewer, reason="not_municipal", note="  State road  ")
    p.refresh_from_db()
    assert (p.status, p.decline_reason, p.decline_note) == ("declined", "not_municipal", "State road")


def test_duplicates_point_at_the_root_original(sarajevo_reviewer, new_proposal):
    make_proposal = new_proposal
    a, b, c = make_proposal(), make_proposal(), make_proposal()
    rs.proposal_mark_duplicate(proposal=b, original=a, by=sarajevo_reviewer)
    rs.proposal_mark_duplicate(proposal=c, original=b, by=sarajevo_reviewer)
    c.refresh_from_db()
    assert c.duplicate_of_id == a.pk and c.status == "duplicate"
    with pytest.raises(ValidationError) as exc:
        rs.proposal_mark_duplicate(proposal=a, original=a, by=sarajevo_reviewer)
    assert exc.value.messages == ["A proposal cannot duplicate itself."]


def test_a_duplicate_must_be_from_the_same_municipality(sarajevo_reviewer, new_proposal):
    make_proposal = new_proposal
    a, b = make_proposal(), make_proposal(bench_id="mo-1")
    with pytest.raises(ValidationError) as exc:
        rs.proposal_mark_duplicate(proposal=a, original=b, by=sarajevo_reviewer)
    assert exc.value.messages == ["The original must be from the same municipality."]


def test_edit_redact_hide_keep_the_original(sarajevo_reviewer, new_proposal):
    make_proposal = new_proposal
    p = make_proposal(title="Ana Anić, 061 123 456: klupa", body="Zovite me na 061 123 456")
    rs.proposal_edit(proposal=p, by=sarajevo_reviewer, category="transport", tags=["Parking", "parking", " bus "])
    rs.proposal_redact(proposal=p, by=sarajevo_reviewer, public_title="[ime]: klupa", public_body="Zovite me [broj]")
    p.refresh_from_db()
    assert (p.category, p.tags) == ("transport", "parking, bus")
    assert (p.shown_title, p.shown_body) == ("[ime]: klupa", "Zovite me [broj]")
    assert p.title.startswith("Ana Anić") and "061" in p.body
    rs.proposal_hide(proposal=p, by=sarajevo_reviewer, note="abuse")
    p.refresh_from_db()
    assert p.status == "hidden"
    assert list(AuditEntry.objects.filter(proposal=p).order_by("id").values_list("verb", flat=True)) == [
        "edit", "redact", "hide"]


def test_actions_link_validated_ideas_and_signal_the_digest(sarajevo_reviewer, django_capture_on_commit_callbacks, new_proposal):
    make_proposal = new_proposal
    p1, p2, p3 = make_proposal(), make_proposal(), make_proposal()
    for p in (p1, p2):
        rs.proposal_validate(proposal=p, by=sarajevo_reviewer)
    with pytest.raises(ValidationError) as exc:
        rs.action_create(municipality="Sarajevo Centar", title="Česme", proposals=[p1, p3], by=sarajevo_reviewer)
    assert exc.value.messages == [f"Proposal {p3.receipt} is not validated."]
    seen = []

    def receiver(sender, municipality, bench_ids, **kw):
        seen.append((municipality, bench_ids))
    digest_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            action = rs.action_create(municipality="Sarajevo Centar", title="Česme", proposals=[p1, p2],
                                      by=sarajevo_reviewer, public_answer="Planirano za proljeće")
        with django_capture_on_commit_callbacks(execute=True):
            rs.action_update(action=action, by=sarajevo_reviewer, status="in_progress", note="Radovi počeli")
    finally:
        digest_changed.disconnect(receiver)
    action.refresh_from_db()
    assert action.status == Action.Status.IN_PROGRESS and action.public_answer == "Planirano za proljeće"
    assert [u.status for u in action.updates.all()] == ["planned", "in_progress"]
    assert seen == [("Sarajevo Centar", ["sa-1"]), ("Sarajevo Centar", ["sa-1"])]
    assert AuditEntry.objects.filter(action=action).count() == 2
