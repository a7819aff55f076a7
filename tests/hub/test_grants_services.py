"""The grant scheme's rules, through its services on the real database: deadline by the server's clock,
budget limits, only validated ideas, frozen after submission, attachments by content, conflicts of
interest, score secrecy, divergence, ranking within the budget with a reserve list, notifications, audit."""
import io
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from hub_server.grants import evaluation, services
from hub_server.grants.models import Application, CallVersion, GrantAudit
from hub_server.grants.money import format_bam
from tests.hub.grants_support import (FEASIBILITY, RELEVANCE, TEXTS, TITLES, draft, evaluate, evaluator, idea,
                                      open_call, organisation_of, submitted_eligible)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def grant_files(settings, tmp_path):
    settings.HUB_GRANT_FILES = tmp_path / "grant-files"
    return settings.HUB_GRANT_FILES


@pytest.fixture
def call(admin_user, benches):
    return open_call(admin_user)


def test_submission_after_the_closing_time_is_refused_by_the_servers_clock(call, sarajevo_reviewer, new_proposal):
    application = draft(call, sarajevo_reviewer, ideas=[idea(new_proposal, sarajevo_reviewer)])
    with pytest.raises(ValidationError, match="no longer accepted"):
        services.application_submit(application=application, by=sarajevo_reviewer,
                                    now=call.closes + timedelta(seconds=1))
    type(call).objects.filter(pk=call.pk).update(closes=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationError, match="no longer accepted"):
        services.application_submit(application=application, by=sarajevo_reviewer)
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT and not application.receipt


def test_a_submitted_application_gets_a_receipt_is_frozen_and_its_history_kept(
        call, sarajevo_reviewer, new_proposal, django_capture_on_commit_callbacks):
    application = draft(call, sarajevo_reviewer, ideas=[idea(new_proposal, sarajevo_reviewer)])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        application = services.application_submit(application=application, by=sarajevo_reviewer)
    assert application.receipt.startswith(f"G{call.pk}-") and application.status == "submitted"
    receipt = [m for m in mail.outbox
               if application.receipt in m.subject and "rev-reg-1@example.org" in [t.lower() for t in m.to]]
    # the time in the hub's language (Bosnian: day.month.year.), not a machine's ISO form
    local = timezone.localtime(application.submitted)
    assert receipt and f"{local.day}.{local.month}.{local.year}." in receipt[0].body
    assert local.strftime("%Y-%m-%d") not in receipt[0].body
    for write in (lambda: services.budget_line_add(application=application, item="Više", requested=Decimal(1),
                                                   own=Decimal(0), by=sarajevo_reviewer),
                  lambda: services.activity_add(application=application, title="X", starts=timezone.now().date(),
                                                ends=timezone.now().date(), by=sarajevo_reviewer),
                  lambda: services.application_save(call=call, organisation=application.organisation,
                                                    by=sarajevo_reviewer, title="Novo", summary="", objectives="",
                                                    municipality=application.municipality, application=application)):
        with pytest.raises(ValidationError, match="frozen"):
            write()
    snapshot = application.snapshots.get(step="submitted")
    assert snapshot.data["title"] == "Zeleni park" and snapshot.data["budget"] == [["Klupe", "3000.00", "0.00"]]
    assert GrantAudit.objects.filter(verb="application_submit", after__receipt=application.receipt).exists()


def test_only_validated_ideas_can_be_linked(call, sarajevo_reviewer, new_proposal):
    unreviewed = new_proposal("sa-1")
    with pytest.raises(ValidationError, match="Only validated"):
        draft(call, sarajevo_reviewer, ideas=[unreviewed])
    assert draft(call, sarajevo_reviewer, ideas=[idea(new_proposal, sarajevo_reviewer)]).ideas.count() == 1


def test_the_budget_is_checked_against_the_calls_limits_and_co_financing(admin_user, benches, sarajevo_reviewer,
                                                                          new_proposal):
    call = open_call(admin_user, cofinancing=20)
    ideas = [idea(new_proposal, sarajevo_reviewer)]
    too_much = draft(call, sarajevo_reviewer, ideas=ideas, title="A", requested="6000", own="2000")
    with pytest.raises(ValidationError, match="between the call's minimum and maximum"):
        services.application_submit(application=too_much, by=sarajevo_reviewer)
    too_little_own = draft(call, sarajevo_reviewer, ideas=ideas, title="B", requested="4000", own="500")
    with pytest.raises(ValidationError, match="at least 20 %"):
        services.application_submit(application=too_little_own, by=sarajevo_reviewer)
    fine = draft(call, sarajevo_reviewer, ideas=ideas, title="C", requested="4000", own="1000")
    assert services.application_submit(application=fine, by=sarajevo_reviewer).status == "submitted"


def test_attachments_are_refused_by_content_type_and_size_and_stored_outside_the_static_files(
        call, sarajevo_reviewer, grant_files, settings):
    application = draft(call, sarajevo_reviewer)
    for name, data in (("plan.pdf", b"MZ\x90\x00 an executable"), ("plan.pdf", PNG), ("plan.exe", PDF),
                       ("plan.docx", b"PK\x03\x04 broken zip")):
        with pytest.raises(ValidationError, match="content matches"):
            services.attachment_add(application=application, name=name, data=data, by=sarajevo_reviewer)
    settings.HUB_GRANT_FILE_LIMIT = 100
    with pytest.raises(ValidationError, match="larger than"):
        services.attachment_add(application=application, name="big.pdf", data=PDF + b"x" * 100, by=sarajevo_reviewer)
    settings.HUB_GRANT_FILE_LIMIT = 10 * 1024 * 1024
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    stored = [services.attachment_add(application=application, name=n, data=d, by=sarajevo_reviewer)
              for n, d in (("Plan.PDF", PDF), ("budzet.docx", docx.getvalue()))]
    assert [a.kind for a in stored] == ["pdf", "docx"]
    path = services.attachment_path(stored[0])
    assert path.read_bytes() == PDF and path.parent == grant_files
    assert settings.STATIC_ROOT not in path.parents and settings.BASE_DIR / "static" not in path.parents
    assert not path.name.startswith("Plan")  # the stored name is random, never the uploader's


def test_an_attachment_the_database_refuses_leaves_no_file_behind(call, sarajevo_reviewer, grant_files):
    from django.db import DatabaseError

    from tests.support import refuse_inserts

    application = draft(call, sarajevo_reviewer)
    refuse_inserts("grants_attachment")  # a real refusal by the database, after the file is written
    with pytest.raises(DatabaseError, match="refused by the test"):
        services.attachment_add(application=application, name="plan.pdf", data=PDF, by=sarajevo_reviewer)
    assert grant_files.is_dir() and not any(grant_files.iterdir())


def test_an_evaluator_of_the_applicant_or_a_partner_cannot_be_assigned(call, sarajevo_reviewer, mostar_reviewer,
                                                                       admin_user, new_proposal, django_user_model):
    partner = organisation_of(mostar_reviewer)
    application = submitted_eligible(call, sarajevo_reviewer, admin_user, ideas=[idea(new_proposal, sarajevo_reviewer)],
                                     partners=[partner])
    own = evaluator(django_user_model, "eva-own", organisation_of(sarajevo_reviewer))
    of_partner = evaluator(django_user_model, "eva-partner", partner)
    for user in (own, of_partner):
        with pytest.raises(ValidationError, match="applicant or a partner"):
            evaluation.assign(application=application, evaluator=user, by=admin_user)
    with pytest.raises(ValidationError, match="not a grant evaluator"):
        evaluation.assign(application=application, evaluator=admin_user, by=admin_user)
    free = [evaluator(django_user_model, f"eva-{n}") for n in (1, 2, 3)]
    assert evaluation.assign_bulk(call=call, by=admin_user) == 2
    assert set(application.assignments.values_list("evaluator__username", flat=True)) == {"eva-1", "eva-2"}
    assert evaluation.assign_bulk(call=call, by=admin_user) == 0  # already two each
    assert free[2].grant_assignments.count() == 0


def test_no_scores_before_a_declaration_and_a_declared_conflict_withdraws(call, sarajevo_reviewer, admin_user,
                                                                          new_proposal, django_user_model):
    application = submitted_eligible(call, sarajevo_reviewer, admin_user, ideas=[idea(new_proposal, sarajevo_reviewer)])
    eva = evaluator(django_user_model, "eva-1")
    assignment = evaluation.assign(application=application, evaluator=eva, by=admin_user)
    criterion = call.criteria.first()
    with pytest.raises(ValidationError, match="Declare"):
        evaluation.scores_save(assignment=assignment, by=eva, scores={criterion.pk: (4, "Dobro obrazloženo")})
    evaluation.declare(assignment=assignment, by=eva, no_conflict=False, statement="Moj brat vodi organizaciju")
    with pytest.raises(ValidationError, match="Declare"):
        evaluation.scores_save(assignment=assignment, by=eva, scores={criterion.pk: (4, "Dobro obrazloženo")})
    assert GrantAudit.objects.filter(verb="declare_conflict").exists()


def test_evaluators_see_each_others_scores_only_after_submitting_their_own(call, sarajevo_reviewer, admin_user,
                                                                           new_proposal, django_user_model):
    application = submitted_eligible(call, sarajevo_reviewer, admin_user, ideas=[idea(new_proposal, sarajevo_reviewer)])
    first, second = evaluator(django_user_model, "eva-1"), evaluator(django_user_model, "eva-2")
    evaluate(application, first, {0: 4, 1: 4})
    draft_of_second = evaluate(application, second, {0: 3}, submit=False)
    seen = evaluation.visible_scores(application=application, user=second)
    assert {s.assignment_id for s in seen} == {draft_of_second.pk}  # only their own draft
    with pytest.raises(ValidationError, match="Score every criterion"):
        evaluate(application, second, {0: 3}, submit=True)
    evaluate(application, second, {1: 3}, submit=True)
    assert len(evaluation.visible_scores(application=application, user=second)) == 4
    assert evaluation.visible_scores(application=application, user=sarajevo_reviewer) == []
    with pytest.raises(ValidationError, match="submitted"):
        evaluate(application, first, {0: 1})


def test_a_large_divergence_asks_for_a_consensus_note_before_the_decision(call, sarajevo_reviewer, admin_user,
                                                                          new_proposal, django_user_model):
    application = submitted_eligible(call, sarajevo_reviewer, admin_user, ideas=[idea(new_proposal, sarajevo_reviewer)])
    evaluate(application, evaluator(django_user_model, "eva-1"), {0: 5, 1: 4})
    evaluate(application, evaluator(django_user_model, "eva-2"), {0: 2, 1: 4})
    assert [c.names["en"] for c in evaluation.divergent_criteria(application)] == ["Relevance"]
    type(call).objects.filter(pk=call.pk).update(closes=timezone.now() - timedelta(minutes=1))
    call.refresh_from_db()
    with pytest.raises(ValidationError, match="consensus note"):
        evaluation.decide(call=call, by=admin_user)
    evaluation.consensus_note(application=application, note="Dogovor: relevantnost 3,5", by=admin_user)
    assert [d.outcome for d in evaluation.decide(call=call, by=admin_user)] == ["awarded"]


def test_the_ranking_applies_pass_marks_and_funds_until_the_budget_is_spent_then_a_reserve_list(
        admin_user, benches, sarajevo_reviewer, new_proposal, django_user_model, django_capture_on_commit_callbacks):
    call = open_call(admin_user, budget="10000", max_amount="5000", pass_mark="6")
    ideas = [idea(new_proposal, sarajevo_reviewer)]
    wanted = {"Prvi": ("5000", 5, 4), "Drugi": ("4000", 4, 4), "Treći": ("3000", 4, 3), "Četvrti": ("1000", 4, 2),
              "Slab": ("1000", 2, 5), "Ispod praga": ("1000", 3, 2)}
    evaluators = [evaluator(django_user_model, "eva-1"), evaluator(django_user_model, "eva-2")]
    for title, (amount, relevance, feasibility) in wanted.items():
        application = submitted_eligible(call, sarajevo_reviewer, admin_user, ideas=ideas, title=title,
                                         requested=amount)
        for user in evaluators:
            evaluate(application, user, {0: relevance, 1: feasibility})
    rows = {r.application.title: r for r in evaluation.ranking(call)}
    assert rows["Prvi"].total == Decimal("9.00") and rows["Prvi"].rank == 1
    # Prvi 5000 + Drugi 4000 fit in 10000; Treći (3000) does not: it and all passing after it wait in reserve.
    assert [(t, rows[t].outcome, rows[t].reserve_rank) for t in ("Prvi", "Drugi", "Treći", "Četvrti")] == [
        ("Prvi", "awarded", None), ("Drugi", "awarded", None), ("Treći", "reserve", 1), ("Četvrti", "reserve", 2)]
    assert rows["Slab"].outcome == "rejected" and [c.names["en"] for c in rows["Slab"].failed] == ["Relevance"]
    assert rows["Ispod praga"].outcome == "rejected" and not rows["Ispod praga"].failed  # 5 < overall 6

    type(call).objects.filter(pk=call.pk).update(closes=timezone.now() - timedelta(minutes=1))
    call.refresh_from_db()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decisions = {d.application.title: d for d in evaluation.decide(call=call, by=admin_user)}
    assert decisions["Prvi"].amount == Decimal("5000") and decisions["Treći"].amount == 0
    assert "reserve list place 1" in decisions["Treći"].reasons
    assert "Below the pass mark on: Relevance" in decisions["Slab"].reasons
    notice = next(m for m in mail.outbox if "Slab" in m.subject)
    # the hub's language, its decimal comma too; the stored text (for the auditor) is English
    assert "Relevantnost: 2,00 / 5" in notice.body and "Relevantnost." in notice.body
    assert "Relevance: 2.00 / 5" in decisions["Slab"].reasons
    assert Application.objects.get(title="Prvi").status == "awarded"
    assert GrantAudit.objects.filter(verb="decide").count() == 6
    with pytest.raises(ValidationError, match="already decided"):
        evaluation.decide(call=call, by=admin_user)


def test_a_call_is_edited_before_opening_and_amended_in_visible_versions_after(admin_user, benches):
    call = open_call(admin_user, opens_in=timedelta(days=2), closes_in=timedelta(days=12), publish=False)
    services.criterion_add(call=call, names=RELEVANCE, weight=Decimal(2), pass_mark=Decimal(3), by=admin_user)
    services.call_publish(call=call, by=admin_user)
    fields = {f: getattr(call, f) for f in services.CALL_FIELDS}
    services.call_change(call=call, by=admin_user, titles=TITLES, texts=TEXTS, **{**fields, "budget": Decimal(12000)})
    assert call.versions.count() == 1  # an edit before opening is audited, not a new version
    type(call).objects.filter(pk=call.pk).update(opens=timezone.now() - timedelta(hours=1))
    call.refresh_from_db()
    with pytest.raises(ValidationError, match="fixed once the call opens"):
        services.criterion_add(call=call, names=FEASIBILITY, weight=Decimal(1), pass_mark=Decimal(2), by=admin_user)
    with pytest.raises(ValidationError, match="say what the amendment changes"):
        services.call_change(call=call, by=admin_user, titles=TITLES, texts=TEXTS, **fields)
    services.call_change(call=call, by=admin_user, titles=TITLES, texts=TEXTS, changes="Rok produžen",
                         **{**fields, "opens": call.opens, "closes": call.closes + timedelta(days=7)})
    latest = CallVersion.objects.filter(call=call).first()
    assert latest.number == 2 and latest.changes == "Rok produžen"
    assert list(GrantAudit.objects.filter(call=call).values_list("verb", flat=True)) == [
        "call_amend", "call_edit", "call_publish", "criterion_add", "call_create"]


def test_amounts_are_shown_in_km_and_eur_per_language():
    assert format_bam(Decimal("12345"), "bs") == "12.345,00 KM (6.311,90 EUR)"
    assert format_bam(Decimal("12345"), "sr") == "12.345,00 КМ (6.311,90 EUR)"
    assert format_bam(Decimal("12345"), "en") == "BAM 12,345.00 (EUR 6,311.90)"
    assert format_bam(Decimal("1.95583"), "hr") == "1,96 KM (1,00 EUR)"


def test_an_ineligible_application_is_told_why_and_eligibility_cannot_ignore_a_broken_rule(
        call, sarajevo_reviewer, admin_user, django_capture_on_commit_callbacks, django_user_model):
    application = services.application_submit(application=draft(call, sarajevo_reviewer), by=sarajevo_reviewer)
    assert evaluation.automatic_eligibility(application) == ["No validated citizens' idea is linked."]
    with pytest.raises(ValidationError, match="breaks the call's rules"):
        evaluation.eligibility_record(application=application, eligible=True, reasons="Izgleda dobro", by=admin_user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        evaluation.eligibility_record(application=application, eligible=False, reasons="Nema potvrđene ideje",
                                      by=admin_user)
    assert application.eligibility_checks.get().automatic == ["No validated citizens' idea is linked."]
    assert "Nema potvrđene ideje" in mail.outbox[0].body
    with pytest.raises(ValidationError, match="Only eligible"):
        evaluation.assign(application=application, evaluator=evaluator(django_user_model, "eva-1"), by=admin_user)


def test_a_funded_project_reports_milestones_on_the_hubs_actions_and_the_benches_digest_shows_it(
        call, sarajevo_reviewer, admin_user, new_proposal, django_user_model):
    from hub_server.fleet_health.digest import digest_for_bench
    from hub_server.proposals.models import Action
    the_idea = idea(new_proposal, sarajevo_reviewer, title="Klupe u parku")
    application = submitted_eligible(call, sarajevo_reviewer, admin_user, ideas=[the_idea])
    with pytest.raises(ValidationError, match="Only funded"):
        evaluation.milestone_report(application=application, by=sarajevo_reviewer, title="Prva", text="Počelo",
                                    spent=Decimal(0))
    for name in ("eva-1", "eva-2"):
        evaluate(application, evaluator(django_user_model, name), {0: 4, 1: 4})
    type(call).objects.filter(pk=call.pk).update(closes=timezone.now() - timedelta(minutes=1))
    call.refresh_from_db()
    evaluation.decide(call=call, by=admin_user)
    application.refresh_from_db()
    action = Action.objects.create(title="Klupe postavljene", municipality=application.municipality)
    report = evaluation.milestone_report(application=application, by=sarajevo_reviewer, title="Prva etapa",
                                         text="Postavljeno 5 klupa", spent=Decimal(1200), action=action)
    assert report.action == action and action.grant_milestones.get() == report
    item = next(i for i in digest_for_bench(bench_id="sa-1")["items"] if i["receipt"] == the_idea.receipt)
    assert item["answer"] == "Finansirani projekat: Zeleni park (CSO REG-1)"  # in the hub's language (bs)


def test_an_evaluator_who_has_not_submitted_can_be_withdrawn_and_the_audit_keeps_their_draft(
        call, sarajevo_reviewer, admin_user, new_proposal, django_user_model):
    application = submitted_eligible(call, sarajevo_reviewer, admin_user, ideas=[idea(new_proposal, sarajevo_reviewer)])
    slow, done = evaluator(django_user_model, "eva-slow"), evaluator(django_user_model, "eva-done")
    drafted = evaluate(application, slow, {0: 1}, submit=False)
    submitted = evaluate(application, done, {0: 4, 1: 4})
    with pytest.raises(ValidationError, match="submitted evaluation stays"):
        evaluation.unassign(assignment=submitted, by=admin_user, reason="Ne odgovara")
    evaluation.unassign(assignment=drafted, by=admin_user, reason="Ne odgovara tri sedmice")
    entry = GrantAudit.objects.get(verb="unassign")
    assert entry.before["evaluator"] == "eva-slow" and list(entry.before["scores"].values()) == [1]
    assert list(application.assignments.values_list("evaluator__username", flat=True)) == ["eva-done"]


def test_a_withdrawn_award_funds_the_reserve_list_in_order_while_it_fits(
        admin_user, benches, sarajevo_reviewer, new_proposal, django_user_model):
    call = open_call(admin_user, budget="10000", max_amount="5000")
    ideas = [idea(new_proposal, sarajevo_reviewer)]
    evaluators = [evaluator(django_user_model, f"eva-{n}") for n in (1, 2)]
    for title, amount, score in (("Prvi", "5000", 5), ("Drugi", "5000", 4), ("Treći", "4000", 3),
                                 ("Četvrti", "1000", 3)):
        application = submitted_eligible(call, sarajevo_reviewer, admin_user, ideas=ideas, title=title,
                                         requested=amount)
        for user in evaluators:
            evaluate(application, user, {0: score, 1: score if title != "Četvrti" else 4})
    type(call).objects.filter(pk=call.pk).update(closes=timezone.now() - timedelta(minutes=1))
    call.refresh_from_db()
    evaluation.decide(call=call, by=admin_user)
    assert list(Application.objects.order_by("decision__rank").values_list("title", "status")) == [
        ("Prvi", "awarded"), ("Drugi", "awarded"), ("Četvrti", "reserve"), ("Treći", "reserve")]
    promoted = evaluation.award_withdraw(application=Application.objects.get(title="Drugi"), by=admin_user,
                                         reason="Organizacija odustala")
    # 5000 back: Četvrti (1000) then Treći (4000) fit, in the reserve list's order.
    assert [(a.title, a.decision.amount) for a in promoted] == [("Četvrti", Decimal("1000")),
                                                                ("Treći", Decimal("4000"))]
    assert Application.objects.get(title="Drugi").status == "withdrawn"
    assert list(GrantAudit.objects.filter(verb__in=("award_withdraw", "reserve_funded")).values_list(
        "verb", flat=True)) == ["reserve_funded", "reserve_funded", "award_withdraw"]
    with pytest.raises(ValidationError, match="Only an awarded"):
        evaluation.award_withdraw(application=Application.objects.get(title="Drugi"), by=admin_user,
                                    reason="Opet odustali")
