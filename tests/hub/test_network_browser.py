"""The organisation's and the official's paths through the network pages, in a real headless Chromium."""
import pytest
from playwright.sync_api import expect

from hub_server.fleet_health.digest import digest_for_bench
from hub_server.network.models import Accession, Forwarding
from tests.hub.network_support import official, publish, validated_idea
from tests.hub.test_hub_browser import page, serious_violations  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def login(page, url, username, password):
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")


def test_an_organisation_accedes_and_forwards_and_the_official_answers_in_public(
        page, live_server, sarajevo_reviewer, mostar_reviewer, admin_user, new_proposal, transactional_db):
    url = live_server.url
    publish("Sarajevo Centar", admin_user, response_days=20)
    idea = validated_idea(new_proposal, sarajevo_reviewer, title="Klupe u parku", body="Više klupa u parku")
    official("Sarajevo Centar", "sluzbenik@sa.ba", admin_user)

    # The organisation: accede to the protocol, forward the validated idea with a note.
    login(page, url, "rev-reg-1@example.org", "pw-review-123")
    page.goto(f"{url}/network/")
    assert "verzija 1 čeka vaše pristupanje" in page.inner_text("main")
    assert serious_violations(page) == []
    page.click("text=Sarajevo Centar")
    page.fill("#id_capacity", "Predsjednica")
    page.click("#accede")
    expect(page.locator("#my-accession")).to_contain_text("Pristupili ste")
    page.goto(f"{url}/network/")
    page.fill(f"#note-{idea.pk}", "Građani traže klupe")
    page.click(f"#forward-{idea.pk}")
    expect(page.locator("#forwarding-status")).to_have_text("Proslijeđeno, čeka općinu")
    page.goto(f"{url}/network/profile/")
    assert serious_violations(page) == []
    page.fill("#id_description", "Mladi za zeleni grad")
    page.fill("#id_website", "https://zeleni.example.org")
    page.check("text=Mladi")
    page.click("#save-profile")
    page.wait_for_url("**/public/network/organisations/*/")
    text = page.inner_text("main")  # the public profile, as everyone sees it
    assert "Mladi za zeleni grad" in text and "https://zeleni.example.org" in text and "Klupe u parku" in text
    page.context.clear_cookies()  # log out

    # The official: the inbox, received, then accepted with a plan.
    login(page, url, "sluzbenik@sa.ba", "pw-official-123")
    page.goto(f"{url}/network/")
    assert serious_violations(page) == []
    page.click("#inbox >> text=Klupe u parku")
    page.wait_for_url("**/network/forwarded/*/")
    assert serious_violations(page) == []
    page.select_option("#id_status", "received")
    page.click("#answer")
    expect(page.locator("#forwarding-status")).to_have_text("Općina je zaprimila")
    page.select_option("#id_status", "accepted")
    page.fill("#id_answer", "Postavit ćemo 10 klupa.")
    page.click("#answer")
    expect(page.locator(".errorlist")).to_contain_text("potreban plan")  # no plan: refused
    page.fill("#id_department", "Služba za komunalne poslove")
    page.fill("#id_budget", "Stavka 821 300")
    page.fill("#id_expected", "2027-05-01")
    page.select_option("#id_status", "accepted")
    page.click("#answer")
    expect(page.locator("#forwarding-status")).to_have_text("Prihvaćeno")
    page.goto(f"{url}/network/protocols/{Forwarding.objects.get().municipality_id}/")
    page.fill("#id_capacity", "Načelnik")
    page.click("#accede")
    expect(page.locator("#my-accession")).to_contain_text("Načelnik")
    assert Accession.objects.filter(party="municipality").count() == 1

    # Everyone: the public pages, in Bosnian and Serbian Cyrillic, on a phone and a desktop.
    page.context.clear_cookies()
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{url}/public/network/")
        assert serious_violations(page) == []
        page.screenshot(path=f"test-artifacts/network-overview-{width}.png", full_page=True)
        page.click("#protocols >> text=Sarajevo Centar")
        text = page.inner_text("main")
        assert "Postavit ćemo 10 klupa." in text and "Sarajevo Centar (Općina; Načelnik)" in text
        assert serious_violations(page) == []
        page.click("#answers >> text=Klupe u parku")
        assert "Služba za komunalne poslove" in page.inner_text("main")
        assert serious_violations(page) == []
        page.screenshot(path=f"test-artifacts/network-answer-{width}.png", full_page=True)
    page.select_option("#language", "sr")
    page.click("button:has-text('Promijeni')")
    expect(page.locator("main")).to_contain_text("Прихваћено")
    item = next(i for i in digest_for_bench(bench_id="sa-1")["items"] if i["receipt"] == idea.receipt)
    assert item["answer"] == "Postavit ćemo 10 klupa."
