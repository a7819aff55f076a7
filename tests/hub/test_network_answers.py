"""Forwarding validated ideas to the municipality and its formal answers: permissions per view and API
endpoint, the workflow's rules, deadlines and reminders, public figures, the bench digest, open data."""
import json
import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from hub_server.fleet_health.digest import digest_for_bench
from hub_server.membership.models import Organisation
from hub_server.membership.services import api_token_create
from hub_server.network import forwarding_services as fs
from hub_server.network import selectors
from hub_server.network.models import Forwarding, NetworkAudit
from tests.hub.network_support import english_messages  # noqa: F401 (autouse fixture)
from tests.hub.network_support import municipality, official, publish, validated_idea

pytestmark = pytest.mark.django_db



@pytest.fixture
def world(sarajevo_reviewer, mostar_reviewer, admin_user, new_proposal):
    publish("Sarajevo Centar", admin_user, response_days=20)
    idea = validated_idea(new_proposal, sarajevo_reviewer, title="Klupe u parku", body="Više klupa u parku",
                          name="Ana Anić", contact="ana@example.org")
    return {"idea": idea, "org": Organisation.objects.get(registration_number="REG-1"),
            "reviewer": sarajevo_reviewer, "mostar_reviewer": mostar_reviewer, "admin": admin_user,
            "sa_official": official("Sarajevo Centar", "sluzbenik@sa.ba", admin_user),
            "mo_official": official("Mostar", "sluzbenik@mo.ba", admin_user), "make": new_proposal}


def forward(world, idea=None):
    return fs.forward_idea(proposal=idea or world["idea"], organisation=world["org"], by=world["reviewer"],
                           note="Građani traže klupe")


def test_only_validated_ideas_of_the_organisations_municipalities_are_forwarded_once(world,
                                                                                    django_capture_on_commit_callbacks):
    with pytest.raises(ValidationError, match="Only validated"):
        fs.forward_idea(proposal=world["make"]("sa-1"), organisation=world["org"], by=world["reviewer"])
    mostar_idea = validated_idea(world["make"], world["mostar_reviewer"], bench_id="mo-1")
    with pytest.raises(ValidationError, match="does not work in this municipality"):
        forward(world, mostar_idea)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        f = forward(world)
    assert f.due - f.forwarded == timedelta(days=20)  # the protocol's deadline
    assert mail.outbox[0].to == ["sluzbenik@sa.ba"] and "Klupe u parku" in mail.outbox[0].body
    with pytest.raises(ValidationError, match="already forwarded"):
        forward(world)
    assert NetworkAudit.objects.filter(verb="forward").count() == 1


def test_an_official_reads_and_answers_only_their_own_municipality_and_never_sees_contacts(client, world):
    f = forward(world)
    client.force_login(world["mo_official"])
    assert client.get(f"/network/forwarded/{f.pk}/").status_code == 403
    assert client.post(f"/network/forwarded/{f.pk}/", {"status": "received", "answer_lang": "bs"}).status_code == 403
    assert "Klupe u parku" not in client.get("/network/").content.decode()
    client.force_login(world["mostar_reviewer"])
    assert client.get(f"/network/forwarded/{f.pk}/").status_code == 403
    client.force_login(world["reviewer"])  # the forwarding organisation reads it but cannot answer
    assert client.get(f"/network/forwarded/{f.pk}/").status_code == 200
    assert client.post(f"/network/forwarded/{f.pk}/", {"status": "received", "answer_lang": "bs"}).status_code == 403
    client.force_login(world["sa_official"])
    inbox = client.get("/network/").content.decode()
    assert "Klupe u parku" in inbox
    page = client.get(f"/network/forwarded/{f.pk}/").content.decode()
    assert "Više klupa u parku" in page
    assert "ana@example.org" not in page and "Ana Anić" not in page
    assert client.post(f"/network/forwarded/{f.pk}/", {"status": "received", "answer_lang": "bs"}).status_code == 302
    assert Forwarding.objects.get().status == "received"


def test_the_answer_workflow_needs_a_plan_or_reasons_and_an_answer_is_final(world):
    f = forward(world)
    official = world["sa_official"]
    fs.forwarding_answer(forwarding=f, by=official, status="received")
    with pytest.raises(ValidationError, match="cannot become"):
        fs.forwarding_answer(forwarding=f, by=official, status="forwarded")
    fs.forwarding_answer(forwarding=f, by=official, status="considering", note="Na kolegiju")
    with pytest.raises(ValidationError, match="needs a plan"):
        fs.forwarding_answer(forwarding=f, by=official, status="accepted", department="Služba za komunalne poslove")
    with pytest.raises(ValidationError, match="needs the reasons"):
        fs.forwarding_answer(forwarding=f, by=official, status="declined")
    f = fs.forwarding_answer(forwarding=f, by=official, status="accepted", answer="Postavit ćemo 10 klupa.",
                             answer_lang="bs", department="Služba za komunalne poslove", budget="Stavka 821 300",
                             expected=date(2027, 5, 1))
    assert f.answered is not None and f.is_answered
    with pytest.raises(ValidationError, match="cannot become"):
        fs.forwarding_answer(forwarding=f, by=official, status="declined", answer="Ipak ne")
    assert [s.status for s in f.steps.all()] == ["forwarded", "received", "considering", "accepted"]
    assert NetworkAudit.objects.filter(verb="forwarding_answer").count() == 3


def test_the_answer_is_public_and_on_the_bench_digest(client, world):
    f = forward(world)
    fs.forwarding_answer(forwarding=f, by=world["sa_official"], status="accepted", answer="Postavit ćemo 10 klupa.",
                         answer_lang="bs", department="Služba za komunalne poslove", budget="Stavka 821 300",
                         expected=date(2027, 5, 1))
    page = client.get(f"/public/network/answers/{f.pk}/").content.decode()
    for text in ("Postavit ćemo 10 klupa.", "Služba za komunalne poslove", "Stavka 821 300", "2027-05-01",
                 "Građani traže klupe"):
        assert text in page
    assert "ana@example.org" not in page
    listing = client.get(f"/public/network/m/{f.municipality_id}/").content.decode()
    assert "Postavit ćemo 10 klupa." in listing
    item = next(i for i in digest_for_bench(bench_id="sa-1")["items"] if i["receipt"] == world["idea"].receipt)
    assert (item["status"], item["answer"]) == ("validated", "Postavit ćemo 10 klupa.")


def _age(f, *, forwarded_days_ago, answered_after_days=None):
    now = timezone.now()
    forwarded = now - timedelta(days=forwarded_days_ago)
    Forwarding.objects.filter(pk=f.pk).update(
        forwarded=forwarded, due=forwarded + timedelta(days=20),
        answered=forwarded + timedelta(days=answered_after_days) if answered_after_days is not None else None,
        days_to_answer=answered_after_days,
        status="accepted" if answered_after_days is not None else "forwarded")


def test_accountability_figures_count_answers_in_time_the_median_and_overdue(client, world):
    ideas = [world["idea"]] + [validated_idea(world["make"], world["reviewer"]) for _ in range(3)]
    fwd = [forward(world, i) for i in ideas]
    _age(fwd[0], forwarded_days_ago=60, answered_after_days=5)    # in time
    _age(fwd[1], forwarded_days_ago=60, answered_after_days=30)   # late (deadline 20 days)
    _age(fwd[2], forwarded_days_ago=25)                           # overdue, no answer
    _age(fwd[3], forwarded_days_ago=2)                            # open, within the deadline
    stats = selectors.response_stats()[municipality("Sarajevo Centar").pk]
    assert stats == {"forwarded": 4, "answered": 2, "answered_in_time": 1, "overdue": 1, "open": 1,
                     "median_days": 17.5}
    client.cookies["django_language"] = "en"
    row = client.get("/public/network/").content.decode().split("Sarajevo Centar</a></th>")[1].split("</tr>")[0]
    cells = re.findall(r'<td data-label="([^"]+)">([^<]*)</td>', row)
    assert cells[2:] == [("Forwarded", "4"), ("Answered in time", "1 / 2"), ("Median days to answer", "17.5"),
                         ("Overdue", "1")]
    data = client.get("/api/v1/response-times").json()
    assert next(r for r in data if r["municipality"] == "Sarajevo Centar")["median_days"] == 17.5


def test_reminders_go_out_once_before_the_deadline_and_once_when_it_passed(world, django_capture_on_commit_callbacks):
    near, late = forward(world), forward(world, validated_idea(world["make"], world["reviewer"]))
    Forwarding.objects.filter(pk=near.pk).update(due=timezone.now() + timedelta(days=3))
    Forwarding.objects.filter(pk=late.pk).update(due=timezone.now() - timedelta(days=1))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert fs.forwardings_remind() == {"reminded": 1, "overdue": 1}
    assert sorted(m.subject for m in mail.outbox) == sorted([
        "LINK: odgovor na proslijeđenu ideju kasni", "LINK: proslijeđena ideja čeka vaš odgovor"])
    assert all(m.to == ["sluzbenik@sa.ba"] for m in mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("network-remind")  # what the scheduler runs: nothing twice
    assert len(mail.outbox) == 2
    assert NetworkAudit.objects.filter(verb__in=["remind", "overdue_notice"], actor=None).count() == 2


def test_the_api_answers_with_the_same_permissions_as_the_pages(client, world):
    org_token = api_token_create(user=world["reviewer"], name="t")
    sa, mo = (api_token_create(user=world[k], name="t") for k in ("sa_official", "mo_official"))
    r = client.post("/api/v1/staff/forwardings", json.dumps({"idea_id": world["idea"].pk, "note": "API"}),
                    content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {org_token}")
    assert r.status_code == 201, r.content
    fid = r.json()["id"]
    r = client.post("/api/v1/staff/forwardings", json.dumps({"idea_id": world["idea"].pk}),
                    content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {sa}")
    assert r.status_code == 403  # officials do not forward
    assert client.get("/api/v1/staff/forwardings", HTTP_AUTHORIZATION=f"Bearer {mo}").json() == []
    body = json.dumps({"status": "declined", "answer": "Nije u nadležnosti općine."})
    r = client.post(f"/api/v1/staff/forwardings/{fid}/answer", body, content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {mo}")
    assert r.status_code == 403
    r = client.post(f"/api/v1/staff/forwardings/{fid}/answer", body, content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {org_token}")
    assert r.status_code == 403
    r = client.post(f"/api/v1/staff/forwardings/{fid}/answer", json.dumps({"status": "accepted"}),
                    content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {sa}")
    assert r.status_code == 400 and "plan" in r.json()["detail"]
    r = client.post(f"/api/v1/staff/forwardings/{fid}/answer", body, content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {sa}")
    assert r.status_code == 200 and r.json()["status"] == "declined" and r.json()["in_time"] is True
    assert client.get("/api/v1/staff/forwardings", HTTP_AUTHORIZATION=f"Bearer {sa}").json()[0]["id"] == fid
    public = client.get("/api/v1/answers").json()
    assert [(a["status"], a["answer"]) for a in public] == [("declined", "Nije u nadležnosti općine.")]
    assert "ana@example.org" not in json.dumps(public)


def test_open_data_covers_protocols_signatories_answers_and_response_times(client, world):
    from hub_server.network.protocol_services import protocol_accede
    version = selectors.current_version(municipality=municipality("Sarajevo Centar"))
    protocol_accede(version=version, by=world["sa_official"], capacity="Načelnik")
    forward(world)
    data = client.get("/public/open-data/protocols.json").json()
    assert data["licence"]["name"] == "CC BY 4.0"
    assert data["rows"][0]["text_sr"].startswith("Општина")
    rows = client.get("/public/open-data/signatories.json").json()["rows"]
    assert [(r["name"], r["party"], r["capacity"]) for r in rows] == [("Sarajevo Centar", "municipality", "Načelnik")]
    assert "sluzbenik" not in json.dumps(rows)
    csv = b"".join(client.get("/public/open-data/answers.csv").streaming_content).decode()
    assert csv.splitlines()[0].startswith("id,municipality,organisation,idea_id") and "Klupe u parku" in csv
    csv = b"".join(client.get("/public/open-data/response-times.csv").streaming_content).decode()
    assert "Sarajevo Centar" in csv
    api = client.get("/api/v1/protocols").json()
    assert api[0]["version"] == 1 and api[0]["response_days"] == 20
    signatories = client.get(f"/api/v1/protocols/{version.protocol.municipality_id}/signatories").json()
    assert signatories[0]["capacity"] == "Načelnik"


def test_hostile_answers_are_refused_or_shown_inert(client, world):
    f = forward(world)
    client.force_login(world["sa_official"])
    page = client.post(f"/network/forwarded/{f.pk}/", {"status": "declined", "answer": "x" * 5000,
                                                        "answer_lang": "bs"})
    assert page.status_code == 200 and "5000" in page.content.decode()  # the form says the limit was passed
    assert Forwarding.objects.get().status == "forwarded"
    assert client.post(f"/network/forwarded/{f.pk}/", {"status": "nonsense", "answer_lang": "bs"}).status_code == 200
    client.post(f"/network/forwarded/{f.pk}/", {"status": "declined", "answer_lang": "bs",
                                                "answer": "<script>alert(1)</script>\u202eNe\u200b"})
    public = client.get(f"/public/network/answers/{f.pk}/").content.decode()
    assert "<script>alert(1)" not in public and "&lt;script&gt;alert(1)&lt;/script&gt;Ne" in public
    assert "\u202e" not in public


def test_an_action_is_forwarded_from_the_organisations_page_and_the_citizen_sees_the_answer(client, world):
    from hub_server.proposals import review_services
    action = review_services.action_create(municipality="Sarajevo Centar", title="Klupe za park",
                                           proposals=[world["idea"]], by=world["reviewer"])
    client.force_login(world["reviewer"])
    assert "Klupe za park" in client.get("/network/").content.decode().split('id="forwardable-actions"')[1]
    assert client.post(f"/network/forward/action/{action.pk}/", {"note": "Akcija"}).status_code == 302
    idea_forwarding = forward(world)
    assert Forwarding.objects.get(action=action).due - Forwarding.objects.get(action=action).forwarded == \
        timedelta(days=20)
    fs.forwarding_answer(forwarding=idea_forwarding, by=world["sa_official"], status="declined",
                         answer="Park je u nadležnosti kantona.", answer_lang="bs")
    client.logout()
    client.cookies["django_language"] = "bs"
    for url in (f"/public/ideas/{world['idea'].pk}/", f"/public/receipt/{world['idea'].receipt}/"):
        page = client.get(url).content.decode()
        assert "Park je u nadležnosti kantona." in page and "Odbijeno" in page, url


@pytest.mark.parametrize("path,method", [
    ("/network/officials/", "post"), ("/network/audit/", "get"), ("/network/profile/", "get"),
    ("/network/trainings/", "get"), ("/network/forward/idea/{idea}/", "post"),
    ("/network/protocols/{mid}/publish/", "post")])
def test_staff_views_refuse_an_official_of_another_municipality(client, world, path, method):
    client.force_login(world["mo_official"])
    path = path.format(idea=world["idea"].pk, mid=municipality("Sarajevo Centar").pk)
    assert getattr(client, method)(path).status_code == 403
    client.logout()
    assert getattr(client, method)(path).status_code == 302  # anonymous: to the login page


def test_the_public_overview_costs_the_same_queries_for_two_municipalities_or_twelve(client, world,
                                                                                       django_assert_max_num_queries):
    from hub_server.membership.services import municipality_ensure
    publish("Mostar", world["admin"])
    forward(world)
    client.get("/public/network/")  # warm: sessions, content types
    with django_assert_max_num_queries(8):
        client.get("/public/network/")
    for n in range(10):
        publish(municipality_ensure(name=f"Općina {n}").name, world["admin"])
    with django_assert_max_num_queries(8):
        assert client.get("/public/network/").content.decode().count('<th scope="row">') == 12


def test_a_formal_answer_brings_an_old_idea_back_onto_the_benches_page(world):
    old = world["idea"]
    for _ in range(10):
        validated_idea(world["make"], world["reviewer"])
    receipts = [i["receipt"] for i in digest_for_bench(bench_id="sa-1")["items"]]
    assert len(receipts) == 10 and old.receipt not in receipts
    fs.forwarding_answer(forwarding=forward(world, old), by=world["sa_official"], status="declined",
                         answer="Nije moguće ove godine.")
    first = digest_for_bench(bench_id="sa-1")["items"][0]
    assert (first["receipt"], first["answer"]) == (old.receipt, "Nije moguće ove godine.")
