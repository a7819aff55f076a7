"""The grant scheme's pages: who may see and do what (anonymous, another organisation's member, an evaluator
before and after declaring, the applicant, an administrator), the exports and the public record."""
import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from hub_server.grants import evaluation, services
from hub_server.grants.models import Application
from tests.hub.grants_support import evaluate, evaluator, idea, open_call, organisation_of, submitted_eligible

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def scheme(admin_user, benches, sarajevo_reviewer, mostar_reviewer, new_proposal, django_user_model, settings,
           tmp_path):
    settings.HUB_GRANT_FILES = tmp_path / "files"
    call = open_call(admin_user)
    the_idea = idea(new_proposal, sarajevo_reviewer, title="Česma u parku")
    application = submitted_eligible(call, sarajevo_reviewer, admin_user, ideas=[the_idea],
                                     partners=[organisation_of(mostar_reviewer)])
    Application.objects.filter(pk=application.pk).update(status="draft")
    attachment = services.attachment_add(application=application, name="plan.pdf", data=PDF, by=sarajevo_reviewer)
    Application.objects.filter(pk=application.pk).update(status="eligible")
    cleared, waiting, other = (evaluator(django_user_model, n) for n in ("eva-1", "eva-2", "eva-3"))
    evaluation.declare(assignment=evaluation.assign(application=application, evaluator=cleared, by=admin_user),
                       by=cleared, no_conflict=True)
    pending = evaluation.assign(application=application, evaluator=waiting, by=admin_user)
    plain = django_user_model.objects.create_user("nobody", password="pw-nobody-1234")
    return {"call": call, "application": application, "attachment": attachment, "idea": the_idea,
            "pending": pending, "users": {"anonymous": None, "other_org": mostar_reviewer, "evaluator": cleared,
                                          "undeclared": waiting, "unassigned": other, "applicant": sarajevo_reviewer,
                                          "admin": admin_user, "no_role": plain}}


def _client(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


ROLES = ("anonymous", "no_role", "other_org", "unassigned", "undeclared", "evaluator", "applicant", "admin")
# Per page: the roles that get it (200); anonymous is sent to log in, every other role is refused (403).
GET_MATRIX = {
    "/grants/": {"other_org", "unassigned", "undeclared", "evaluator", "applicant", "admin"},
    "/grants/calls/new/": {"admin"},
    "/grants/calls/{call}/": {"other_org", "unassigned", "undeclared", "evaluator", "applicant", "admin"},
    "/grants/calls/{call}/edit/": {"admin"},
    "/grants/calls/{call}/evaluation/": {"admin"},
    "/grants/calls/{call}/ranking/": {"admin"},
    "/grants/applications/{application}/": {"evaluator", "applicant", "admin"},
    "/grants/attachments/{attachment}/": {"evaluator", "applicant", "admin"},
    "/grants/assignments/{pending}/": {"undeclared"},
    "/grants/export/scores.csv": {"admin"},
    "/grants/export/all.xlsx": {"admin"},
    "/grants/audit/": {"admin"},
}
POSTS = {  # (url, data): who may (a refused POST changes nothing: checked by the audit count)
    "/grants/calls/{call}/criteria/": {"admin"},
    "/grants/calls/{call}/apply/": {"applicant", "other_org"},
    "/grants/calls/{call}/publish/": {"admin"},
    "/grants/calls/{call}/assign-bulk/": {"admin"},
    "/grants/applications/{application}/eligibility/": {"admin"},
    "/grants/applications/{application}/assign/": {"admin"},
    "/grants/applications/{application}/consensus/": {"admin"},
    "/grants/applications/{application}/withdraw-award/": {"admin"},
    "/grants/applications/{application}/assignments/{pending}/withdraw/": {"admin"},
    "/grants/applications/{application}/budget/": {"applicant"},
    "/grants/applications/{application}/submit/": {"applicant"},
    "/grants/applications/{application}/attachments/": {"applicant"},
    "/grants/assignments/{pending}/declare/": {"undeclared"},
    "/grants/assignments/{pending}/score/": {"undeclared"},
}


def _url(template, scheme):
    return template.format(call=scheme["call"].pk, application=scheme["application"].pk,
                           attachment=scheme["attachment"].pk, pending=scheme["pending"].pk)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_only_the_roles_allowed_to_see_it(scheme, role):
    client = _client(scheme["users"][role])
    for template, allowed in GET_MATRIX.items():
        response = client.get(_url(template, scheme))
        wanted = 200 if role in allowed else 302 if role == "anonymous" else 403
        assert response.status_code == wanted, (role, template, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_every_action_is_refused_to_the_roles_not_allowed_to_take_it(scheme, role):
    from hub_server.grants.models import GrantAudit
    client = _client(scheme["users"][role])
    for template, allowed in POSTS.items():
        if role in allowed:
            continue
        before = GrantAudit.objects.count()
        response = client.post(_url(template, scheme), {"note": "x" * 20, "reasons": "x", "eligible": "yes"})
        assert response.status_code == (302 if role == "anonymous" else 403), (role, template)
        if role == "anonymous":
            assert "/accounts/login/" in response["Location"]
        assert GrantAudit.objects.count() == before, (role, template)


def test_the_attachment_is_served_as_a_download_only_through_the_checked_view(scheme):
    response = _client(scheme["users"]["evaluator"]).get(_url("/grants/attachments/{attachment}/", scheme))
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf" and "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"


def test_the_applicant_sees_scores_and_reasons_only_after_the_decision_and_the_public_sees_the_award(
        scheme, admin_user, django_user_model):
    application, call = scheme["application"], scheme["call"]
    evaluate(application, scheme["users"]["evaluator"], {0: 4, 1: 4})
    evaluate(application, scheme["users"]["undeclared"], {0: 5, 1: 4})
    applicant = _client(scheme["users"]["applicant"])
    assert "Justification" not in applicant.get(_url("/grants/applications/{application}/", scheme)).content.decode()
    type(call).objects.filter(pk=call.pk).update(closes=timezone.now() - timedelta(minutes=1))
    call.refresh_from_db()
    evaluation.decide(call=call, by=admin_user)
    page = applicant.get(_url("/grants/applications/{application}/", scheme)).content.decode()
    assert "Awarded" in page and "BAM 3,000.00 (EUR 1,533.88)" in page and "Evaluator 2" in page
    assert "eva-1" not in page  # evaluators stay anonymous to the applicant
    public = Client(HTTP_ACCEPT_LANGUAGE="bs").get(f"/public/grants/calls/{call.pk}/").content.decode()
    assert "3.000,00 KM (1.533,88 EUR)" in public and "CSO REG-2" in public and "Česma u parku" in public
    assert "eva-" not in public and "rev-" not in public  # no personal data
    idea_page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/public/ideas/{scheme['idea'].pk}/").content.decode()
    assert "A funded project answers this idea: Zeleni park (CSO REG-1)" in idea_page
    type(scheme["idea"]).objects.filter(pk=scheme["idea"].pk).update(status="hidden")  # hidden as abusive later
    assert "Česma u parku" not in Client().get(f"/public/grants/calls/{call.pk}/").content.decode()


def test_the_exports_for_the_funder_hold_calls_applications_scores_and_decisions(scheme):
    evaluate(scheme["application"], scheme["users"]["evaluator"], {0: 4, 1: 3})
    admin = _client(scheme["users"]["admin"])
    rows = list(csv.reader(io.StringIO(admin.get("/grants/export/scores.csv").content.decode())))
    assert rows[0][:3] == ["call", "application", "evaluator"]
    assert [r[2] for r in rows[1:]] == ["eva-1", "eva-1"] and rows[1][6] == "4"
    applications = list(csv.reader(io.StringIO(admin.get("/grants/export/applications.csv").content.decode())))
    assert applications[1][3] == "CSO REG-1" and applications[1][4] == "CSO REG-2"
    workbook = load_workbook(io.BytesIO(admin.get(f"/grants/export/all.xlsx?call={scheme['call'].pk}").content))
    assert workbook.sheetnames == ["calls", "applications", "scores", "decisions"]
    assert workbook["calls"]["B2"].value == "Call for projects"
    assert admin.get("/grants/export/passwords.csv").status_code == 404


def test_the_evaluation_page_shows_n_of_m_done_and_filters(scheme):
    evaluate(scheme["application"], scheme["users"]["evaluator"], {0: 4, 1: 3})
    admin = _client(scheme["users"]["admin"])
    page = admin.get(_url("/grants/calls/{call}/evaluation/", scheme)).content.decode()
    assert "1 of 2 done" in page and "eva-1: 1 of 1 done" in page and "eva-2: 0 of 1 done" in page
    listed = {show: admin.get(_url("/grants/calls/{call}/evaluation/?show=" + show, scheme)).content.decode()
              for show in ("evaluated", "not_evaluated")}
    assert "Zeleni park" in listed["not_evaluated"] and "Zeleni park" not in listed["evaluated"]


def test_the_api_lists_awarded_projects_to_everyone_and_progress_only_to_administrators(scheme, admin_user):
    from hub_server.membership.services import api_token_create
    application, call = scheme["application"], scheme["call"]
    evaluate(application, scheme["users"]["evaluator"], {0: 4, 1: 4})
    client = Client()
    url = f"/api/v1/staff/grants/calls/{call.pk}/progress"
    assert client.get(url).status_code == 401
    for role in ("applicant", "evaluator", "other_org"):
        token = api_token_create(user=scheme["users"][role], name="t")
        assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 403, role
    token = api_token_create(user=admin_user, name="t")
    progress = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert (progress["done"], progress["of"]) == (1, 2)
    assert progress["evaluators"] == [{"name": "eva-1", "done": 1, "of": 1}, {"name": "eva-2", "done": 0, "of": 1}]
    assert client.get("/api/v1/grants/awarded").json() == []  # nothing decided yet
    evaluate(application, scheme["users"]["undeclared"], {0: 4, 1: 4})
    type(call).objects.filter(pk=call.pk).update(closes=timezone.now() - timedelta(minutes=1))
    call.refresh_from_db()
    evaluation.decide(call=call, by=admin_user)
    [project] = client.get("/api/v1/grants/awarded").json()
    assert (project["amount_bam"], project["amount_eur"], project["partners"]) == ("3000.00", "1533.88", ["CSO REG-2"])
    assert project["idea_ids"] == [scheme["idea"].pk]


def test_an_administrator_creates_publishes_and_amends_a_call_through_the_pages(admin_user, benches):
    admin = _client(admin_user)
    texts = {f"{kind}_{lang}": f"{kind} {lang}" for kind in ("title", "text") for lang in ("bs", "hr", "sr_latn", "en")}
    form = {**texts, "budget": "20000", "min_amount": "1000", "max_amount": "8000", "cofinancing_percent": "10",
            "require_good_standing": "on", "require_validated_idea": "on", "pass_mark": "6", "divergence": "2",
            "opens": "2030-03-01T08:00", "closes": "2030-04-01T15:00", "evaluation_until": "2030-04-20",
            "decision_by": "2030-05-01"}
    response = admin.post("/grants/calls/new/", form)
    call_url = response["Location"]
    page = admin.get(call_url).content.decode()
    assert "1 Apr 2030, 15:00" in page and "BAM 20,000.00 (EUR 10,225.84)" in page  # local time as entered
    from hub_server.grants.models import Call
    call = Call.objects.get()
    assert call.closes.isoformat() == "2030-04-01T13:00:00+00:00"  # Sarajevo summer time, UTC+2
    criterion = {f"name_{lang}": f"Relevantnost {lang}" for lang in ("bs", "hr", "sr_latn", "en")}
    admin.post(f"/grants/calls/{call.pk}/criteria/", {**criterion, "weight": "2", "pass_mark": "3"})
    admin.post(f"/grants/calls/{call.pk}/publish/")
    call.refresh_from_db()
    assert call.published and call.criteria.get().names["sr"] == "Релевантност ср_латн"  # transliterated
    Call.objects.filter(pk=call.pk).update(opens=timezone.now() - timedelta(hours=1))
    refused = admin.post(f"/grants/calls/{call.pk}/edit/", {**form, "opens": "2020-01-01T08:00"}, follow=True)
    assert "say what the amendment changes" in refused.content.decode()
    admin.post(f"/grants/calls/{call.pk}/edit/", {**form, "opens": "2020-01-01T08:00", "closes": "2030-04-15T15:00",
                                                  "changes": "Rok produžen do 15. aprila"})
    public = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/public/grants/calls/{call.pk}/").content.decode()
    assert "Rok produžen do 15. aprila" in public and "15 Apr 2030, 15:00" in public and "Relevantnost en" in public
    bosnian = Client(HTTP_ACCEPT_LANGUAGE="bs").get(f"/public/grants/calls/{call.pk}/").content.decode()
    assert "15.4.2030. 15:00" in bosnian and "20.000,00 KM (10.225,84 EUR)" in bosnian


def test_a_submission_stands_and_the_receipt_shows_when_the_mail_server_is_down(
        scheme, settings, django_capture_on_commit_callbacks):
    from hub_server.mail.models import MailFailure
    from tests.hub.grants_support import draft
    from tests.hub.test_mail_failures import _closed_port, _smtp
    _smtp(settings, _closed_port())
    application = draft(scheme["call"], scheme["users"]["applicant"], ideas=[scheme["idea"]], title="Drugi projekat")
    applicant = _client(scheme["users"]["applicant"])
    with django_capture_on_commit_callbacks(execute=True):
        response = applicant.post(f"/grants/applications/{application.pk}/submit/", follow=True)
    application.refresh_from_db()
    assert application.status == "submitted" and application.receipt in response.content.decode()
    failure = MailFailure.objects.get(purpose="grants")
    assert application.receipt in failure.subject


def test_exported_text_cannot_run_as_a_spreadsheet_formula(scheme):
    Application.objects.filter(pk=scheme["application"].pk).update(title='=HYPERLINK("http://x","y")')
    admin = _client(scheme["users"]["admin"])
    rows = list(csv.reader(io.StringIO(admin.get("/grants/export/applications.csv").content.decode())))
    assert rows[1][6] == '\'=HYPERLINK("http://x","y")'
    sheet = load_workbook(io.BytesIO(admin.get("/grants/export/applications.xlsx").content))["applications"]
    assert sheet["G2"].value == '\'=HYPERLINK("http://x","y")' and sheet["G2"].data_type == "s"
