"""The applicant's and the evaluator's paths through the grant scheme, in a real headless Chromium (Bosnian)."""
import pytest
from django.core import mail
from playwright.sync_api import expect

from hub_server.grants import evaluation
from hub_server.grants.models import Application
from tests.hub.conftest import ensure_roles
from tests.hub.grants_support import evaluate, evaluator, idea, open_call, submitted_eligible
from tests.hub.test_hub_browser import page, serious_violations  # noqa: F401 (fixture)
from tests.hub.test_network_browser import login

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def test_an_organisation_drafts_attaches_and_submits_an_application_and_gets_a_receipt(
        page, live_server, sarajevo_reviewer, mostar_reviewer, admin_user, new_proposal, transactional_db, settings,
        tmp_path):
    settings.HUB_GRANT_FILES = tmp_path
    url = live_server.url
    call = open_call(admin_user)
    the_idea = idea(new_proposal, sarajevo_reviewer, title="Klupe u parku")
    new_proposal("sa-1", title="Još nepregledana ideja")  # not validated: not offered

    login(page, url, "rev-reg-1@example.org", "pw-review-123")
    page.goto(f"{url}/grants/")
    page.click("#open-calls a")
    page.wait_for_url("**/grants/calls/*/")
    assert serious_violations(page) == []
    assert "Još nepregledana" not in page.inner_text("main")
    page.fill("#id_title", "Zeleni park")
    page.select_option("#id_municipality", label="Sarajevo Centar")
    page.fill("#id_summary", "Obnova parka")
    page.fill("#id_objectives", "Više klupa i drveća")
    page.check(f"#id_ideas input[value='{the_idea.pk}']")
    page.check("#id_partners >> text=CSO REG-2")
    page.click("#save-draft")
    page.wait_for_url("**/grants/applications/*/")
    expect(page.locator("#application-status")).to_have_text("Nacrt")
    assert serious_violations(page) == []

    page.fill("#activity_title", "Sadnja drveća")
    page.fill("#activity_starts", "2027-04-01")
    page.fill("#activity_ends", "2027-05-01")
    page.click("#add-activity")
    page.fill("#budget_item", "Klupe")
    page.fill("#budget_requested", "6000")
    page.fill("#budget_own", "0")
    page.click("#add-budget")
    expect(page.locator("#budget-problems")).to_contain_text("između minimalnog i maksimalnog")  # max is 5000
    page.click("#budget button[type=submit]")  # remove the line
    page.fill("#budget_item", "Klupe")
    page.fill("#budget_requested", "4500")
    page.click("#add-budget")
    expect(page.locator("#requested")).to_have_text("4.500,00 KM (2.300,81 EUR)")
    page.set_input_files("#attachment_file", files=[{"name": "virus.pdf", "mimeType": "application/pdf",
                                                      "buffer": b"MZ\x90\x00not a pdf"}])
    page.click("#add-attachment")
    expect(page.locator(".notice--error")).to_contain_text("PDF")
    page.set_input_files("#attachment_file", files=[{"name": "plan.pdf", "mimeType": "application/pdf",
                                                      "buffer": PDF}])
    page.click("#add-attachment")
    expect(page.locator("#attachments")).to_contain_text("plan.pdf")

    page.click("#submit-application")
    expect(page.locator("#application-status")).to_have_text("Predano")
    application = Application.objects.get()
    expect(page.locator("#receipt")).to_contain_text(application.receipt)
    assert page.locator("#save-draft").count() == 0 and page.locator("#add-budget").count() == 0  # frozen
    assert any(application.receipt in m.subject for m in mail.outbox)
    with page.expect_download() as download:
        page.click("#attachments a")
    assert download.value.suggested_filename == "plan.pdf"
    page.context.clear_cookies()
    assert page.goto(f"{url}/grants/applications/{application.pk}/").url.startswith(f"{url}/accounts/login/")
    login(page, url, "rev-reg-2@example.org", "pw-review-123")  # another organisation: refused
    assert page.goto(f"{url}/grants/applications/{application.pk}/").status == 403


def test_an_evaluator_declares_no_conflict_scores_and_only_then_sees_the_other_scores(
        page, live_server, sarajevo_reviewer, admin_user, new_proposal, transactional_db, django_user_model):
    ensure_roles()
    url = live_server.url
    call = open_call(admin_user)
    application = submitted_eligible(call, sarajevo_reviewer, admin_user,
                                     ideas=[idea(new_proposal, sarajevo_reviewer)])
    me, other = evaluator(django_user_model, "eva-1"), evaluator(django_user_model, "eva-2")
    evaluation.assign(application=application, evaluator=me, by=admin_user)
    evaluate(application, other, {0: 2, 1: 3})  # the other evaluator submitted first

    login(page, url, "eva-1", "pw-evaluate-123")
    page.goto(f"{url}/grants/")
    page.click("#my-assignments a")
    page.wait_for_url("**/grants/assignments/*/")
    assert serious_violations(page) == []
    assert "Zeleni park" not in page.inner_text("h1")  # nothing of the project before the declaration
    assert page.goto(f"{url}/grants/applications/{application.pk}/").status == 403
    page.go_back()
    page.select_option("#id_no_conflict", "none")
    page.click("#declare")
    expect(page.locator("h1")).to_contain_text("Zeleni park")
    assert "Drugi evaluator" not in page.inner_text("main")  # the other's scores stay hidden
    criteria = list(call.criteria.all())
    page.fill(f"#score-{criteria[0].pk}", "5")
    page.fill(f"#why-{criteria[0].pk}", "Odgovara na ideju građana")
    page.click("#save-scores")
    expect(page.locator(f"#score-{criteria[0].pk}")).to_have_value("5")
    page.click("#submit-scores")
    expect(page.locator(".notice--error")).to_contain_text("Ocijenite svaki kriterij")
    page.fill(f"#score-{criteria[1].pk}", "4")
    page.fill(f"#why-{criteria[1].pk}", "Budžet je realan")
    page.click("#submit-scores")
    expect(page.locator("#evaluation-submitted")).to_be_visible()
    expect(page.locator("#scores")).to_contain_text("Drugi evaluator")
    assert serious_violations(page) == []
    page.click("#read-application")
    expect(page.locator("h1")).to_have_text("Zeleni park")

    page.context.clear_cookies()
    login(page, url, "admin", "pw-admin-123")
    page.goto(f"{url}/grants/calls/{call.pk}/evaluation/")
    expect(page.locator("#call-progress")).to_contain_text("2 od 2")
    assert serious_violations(page) == []
    page.goto(f"{url}/grants/applications/{application.pk}/")
    expect(page.locator("#divergent")).to_be_visible()  # 5 and 2 on the first criterion


def test_an_administrator_publishes_a_call_checks_eligibility_assigns_in_bulk_and_decides(
        page, live_server, sarajevo_reviewer, admin_user, new_proposal, transactional_db, django_user_model):
    from datetime import timedelta

    from django.utils import timezone
    ensure_roles()
    url = live_server.url
    login(page, url, "admin", "pw-admin-123")
    page.goto(f"{url}/grants/")
    page.click("text=Novi poziv")
    for lang in ("bs", "hr", "sr_latn", "en"):
        page.fill(f"#id_title_{lang}", f"Zelene ideje {lang}")
        page.fill(f"#id_text_{lang}", "Poziv organizacijama članicama.")
    for field, value in (("budget", "20000"), ("min_amount", "1000"), ("max_amount", "8000"), ("pass_mark", "3"),
                         ("opens", "2030-03-01T08:00"), ("closes", "2030-04-01T15:00"),
                         ("evaluation_until", "2030-04-20"), ("decision_by", "2030-05-01")):
        page.fill(f"#id_{field}", value)
    page.click("#save-call")
    page.wait_for_url("**/grants/calls/*/")
    for lang in ("bs", "hr", "sr_latn", "en"):
        page.fill(f"#id_name_{lang}", f"Relevantnost {lang}")
    page.click("#add-criterion")
    page.click("#publish-call")
    expect(page.locator("#call-state")).to_have_text("Najavljen, još nije otvoren")
    expect(page.locator("#closes")).to_contain_text("1.4.2030. 15:00")  # as entered, local time
    assert serious_violations(page) == []

    call = open_call(admin_user)  # a second call, open now, with one submitted application
    application = submitted_eligible(call, sarajevo_reviewer, admin_user, ideas=[idea(new_proposal, sarajevo_reviewer)])
    Application.objects.filter(pk=application.pk).update(status="submitted")
    evaluators = [evaluator(django_user_model, f"eva-{n}") for n in (1, 2, 3)]
    page.goto(f"{url}/grants/applications/{application.pk}/")
    expect(page.locator("main")).to_contain_text("Hub nije našao prekršeno pravilo prihvatljivosti.")
    page.select_option("#eligibility_eligible", "yes")
    page.fill("#eligibility_reasons", "Sve uredno")
    page.click("#record-eligibility")
    expect(page.locator("#application-status")).to_have_text("Prihvatljiva, u ocjenjivanju")
    page.goto(f"{url}/grants/calls/{call.pk}/evaluation/")
    page.click("#assign-bulk")
    expect(page.locator("#call-progress")).to_contain_text("0 od 2")
    assert serious_violations(page) == []
    for user in application.assignments.values_list("evaluator", flat=True):
        evaluate(application, next(u for u in evaluators if u.pk == user), {0: 4, 1: 4})
    type(call).objects.filter(pk=call.pk).update(closes=timezone.now() - timedelta(minutes=1))
    page.goto(f"{url}/grants/calls/{call.pk}/ranking/")
    assert serious_violations(page) == []
    page.click("#decide")
    expect(page.locator("#decided")).to_be_visible()
    page.click("#decided a")
    expect(page.locator("#awarded")).to_contain_text("3.000,00 KM (1.533,88 EUR)")
    assert serious_violations(page) == []
