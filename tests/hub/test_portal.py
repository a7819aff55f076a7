import csv
import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from hub_server.fleet_health.digest import digest_for_bench
from hub_server.proposals import review_services as rs

pytestmark = pytest.mark.django_db
NASTY = "<script>alert(1)</script>\u202egnp.exe\u200b"


@pytest.fixture
def client():
    """A citizen's browser in Bosnia and Herzegovina: Bosnian, the portal's first language."""
    from django.test import Client
    return Client(HTTP_ACCEPT_LANGUAGE="bs")


@pytest.fixture
def story(sarajevo_reviewer, new_proposal):
    r = sarajevo_reviewer
    good = new_proposal(title="Nova česma", body="Česma u parku, zovite Anu na 061 111 222", contact="ana@example.org")
    rs.proposal_validate(proposal=good, by=r)
    rs.proposal_redact(proposal=good, by=r, public_title="Nova česma", public_body="Česma u parku")
    declined = new_proposal(title="Avion")
    rs.proposal_decline(proposal=declined, by=r, reason="not_municipal", note="Državna nadležnost")
    dup = new_proposal(title="Česma opet")
    rs.proposal_mark_duplicate(proposal=dup, original=good, by=r)
    nasty = new_proposal(title=NASTY[:120], body=NASTY + "=cmd|' /C calc'!A0" + "y" * 1900)
    rs.proposal_validate(proposal=nasty, by=r)
    hidden = new_proposal(title="Uvreda")
    rs.proposal_hide(proposal=hidden, by=r)
    action = rs.action_create(municipality="Sarajevo Centar", title="Česma u parku", proposals=[good], by=r,
                              public_answer="Općina planira česmu.")
    rs.action_update(action=action, by=r, status="in_progress", note="Radovi počeli")
    return {"good": good, "declined": declined, "dup": dup, "nasty": nasty, "hidden": hidden, "action": action}


def test_the_public_portal_shows_validated_ideas_and_actions_without_personal_data(client, story):
    page = client.get("/public/").content.decode()
    assert "Nova česma" in page and "Česma u parku" in page and "U toku" in page
    assert "Avion" not in page and "Uvreda" not in page and "Česma opet" not in page
    assert "061 111 222" not in page and "ana@example.org" not in page and "Ana" not in page.replace("Analy", "")


def test_the_receipt_page_tells_what_became_of_each_idea(client, story):
    page = client.get(f"/public/receipt/{story['good'].receipt}/").content.decode()
    assert "Potvrđeno" in page and "Općina planira česmu." in page and "Radovi počeli" in page
    page = client.get(f"/public/receipt/{story['declined'].receipt}/").content.decode()
    assert "Odbijeno jer: nije u nadležnosti općine: Državna nadležnost" in page
    page = client.get(f"/public/receipt/{story['dup'].receipt}/").content.decode()
    assert "Ova ideja je duplikat ideje" in page and f"/public/ideas/{story['good'].pk}/" in page
    page = client.get(f"/public/receipt/{story['hidden'].receipt}/").content.decode()
    assert "Nije objavljeno" in page and "Uvreda" not in page
    assert "Nema ideje s tim kodom." in client.get("/public/receipt/ZZZZ-ZZZZ/").content.decode()
    assert client.get("/public/receipt/?code=" + story["good"].receipt.lower())["Location"] == \
        f"/public/receipt/{story['good'].receipt}/"


def test_the_duplicate_page_points_at_the_original(client, story):
    page = client.get(f"/public/ideas/{story['dup'].pk}/").content.decode()
    assert 'id="duplicate-of"' in page and f"/public/ideas/{story['good'].pk}/" in page
    assert client.get(f"/public/ideas/{story['hidden'].pk}/").status_code == 404


@pytest.mark.parametrize("language, expected", [
    ("bs", "Ideje građana sa solarnih klupa"), ("hr", "što je od njih nastalo"), ("sr-latn", "Ideje građana"),
    ("sr", "Идеје грађана са соларних клупа"), ("en", "ideas from the solar benches and what became of them")])
def test_the_portal_speaks_five_languages(client, story, language, expected):
    client.post("/i18n/setlang/", {"language": language, "next": "/public/"})
    assert expected in client.get("/public/").content.decode()


def test_citizen_text_is_inert_and_bounded_everywhere(client, story):
    nasty = story["nasty"]
    pages = [client.get(u).content.decode() for u in ("/public/", f"/public/ideas/{nasty.pk}/",
                                                       f"/public/receipt/{nasty.receipt}/")]
    for page in pages:
        assert "<script>alert" not in page and "\u202e" not in page and "\u200b" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;gnp.exe" in page
    rows = list(csv.reader(io.StringIO(b"".join(client.get("/public/open-data/ideas.csv").streaming_content)
                                       .decode())))
    body = rows[0].index("body")
    nasty_row = next(r for r in rows if r[0] == nasty.pk)
    assert "\u202e" not in nasty_row[body] and len(nasty_row[body]) <= 2000
    digest = json.dumps(digest_for_bench(bench_id="sa-1"), ensure_ascii=False)
    assert "\u202e" not in digest and "<script>" in digest  # JSON is data; the bench portal escapes it


def test_csv_cells_cannot_start_a_formula(client, story, new_proposal, sarajevo_reviewer):
    p = new_proposal(title="=HYPERLINK(\"http://x\")", body="+1")
    rs.proposal_validate(proposal=p, by=sarajevo_reviewer)
    text = b"".join(client.get("/public/open-data/ideas.csv").streaming_content).decode()
    assert "'=HYPERLINK" in text and "\n=" not in text and ",=" not in text


def test_open_data_states_its_licence(client, story):
    data = json.loads(client.get("/public/open-data/ideas.json").content)
    assert data["licence"]["name"] == "CC BY 4.0" and data["fields"][0] == "id"
    ids = {r["id"] for r in data["rows"]}
    assert ids == {story["good"].pk, story["nasty"].pk}
    assert all("contact" not in r and "name" not in r for r in data["rows"])
    actions = json.loads(client.get("/public/open-data/actions.json").content)
    assert actions["rows"][0]["status"] == "in_progress" and actions["rows"][0]["idea_ids"] == [story["good"].pk]
    response = client.get("/public/open-data/actions.csv")
    assert response["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'


def test_the_digest_is_small_public_and_ordered(story, new_proposal, sarajevo_reviewer):
    for _ in range(12):
        rs.proposal_validate(proposal=new_proposal(title="T" * 120), by=sarajevo_reviewer)
    digest = digest_for_bench(bench_id="sa-1")
    assert list(digest) == ["v", "bench", "municipality", "updated", "items"]
    assert len(digest["items"]) == 10
    assert all(list(i) == ["receipt", "title", "status", "answer", "updated"] for i in digest["items"])
    assert all(len(i["title"]) <= 80 and len(i["answer"]) <= 160 for i in digest["items"])
    assert "061" not in json.dumps(digest) and "ana@" not in json.dumps(digest)
    good = digest_for_bench(bench_id="sa-1")
    assert good == digest  # same input, same bytes


def test_the_digest_carries_action_status(story):
    item = next(i for i in digest_for_bench(bench_id="sa-1")["items"] if i["receipt"] == story["good"].receipt)
    assert (item["title"], item["status"], item["answer"]) == ("Nova česma", "in_progress", "Općina planira česmu.")
    assert digest_for_bench(bench_id="mo-1")["items"] == []


def test_the_public_bench_list_is_plain(client, benches):
    from hub_server.fleet_health.services import telemetry_record
    telemetry_record(bench_id="sa-1", data={"soc": 81.4}, received=timezone.now() - timedelta(minutes=1))
    page = client.get("/public/benches/").content.decode()
    assert "81 %" in page and "radi" in page and "ne javlja se" in page
