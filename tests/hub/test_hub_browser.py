"""The review workflow end to end in a real headless Chromium (Debian's), with axe-core on the portal."""
import os
import re
import shutil

import pytest
from django.core import mail

from hub_server.fleet_health.digest import digest_for_bench
from hub_server.proposals.models import Proposal

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def page(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser.new_page(locale="bs-BA")
        browser.close()


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe
    results = Axe().run(page)
    return [f"{v['id']}: {v['help']}" for v in results.response["violations"]
            if v.get("impact") in ("serious", "critical")]


def test_a_cso_joins_and_its_reviewer_turns_ideas_into_an_action(page, live_server, benches, admin_user,
                                                                   new_proposal, transactional_db):
    url = live_server.url
    ideas = [new_proposal(title="Nova česma u parku", body="Česma u parku Hastahana"),
             new_proposal(title="Helikopter", body="Helikopter za sve"),
             new_proposal(title="Česma u parku Hastahana", body="Nova česma u parku")]

    # A CSO applies through the public form; the administrator approves it.
    page.goto(f"{url}/public/apply/")
    assert serious_violations(page) == []
    page.fill("#id_name", "Udruženje Zeleni grad")
    page.fill("#id_registration_number", "RU-77")
    page.check("text=Sarajevo Centar")
    page.fill("#id_contact_name", "Lejla")
    page.fill("#id_contact_email", "lejla@example.org")
    page.check("#id_principles_accepted")
    page.click("#apply")
    assert "Prijava je primljena" in page.content()
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "pw-admin-123")
    page.click("main button[type=submit]")
    page.goto(f"{url}/review/organisations/")
    page.click("button:has-text('Odobri')")
    assert "je odobrena" in page.content()
    page.click("text=Odjava")

    # The new reviewer sets a password from the emailed link and logs in.
    link = re.search(r"http://[^/]+(/accounts/reset/\S+)", mail.outbox[-1].body).group(1)
    page.goto(url + link)
    page.fill("#id_new_password1", "a-Long-pass-9876")
    page.fill("#id_new_password2", "a-Long-pass-9876")
    page.click("main button[type=submit]")
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", "lejla@example.org")
    page.fill("#id_password", "a-Long-pass-9876")
    page.click("main button[type=submit]")
    assert "Red za pregled" in page.content()

    # Validate one, decline one with a reason, mark the third as a duplicate of the first.
    good, silly, dup = ideas
    page.goto(f"{url}/review/p/{good.pk}/")
    page.click("#validate")
    assert page.inner_text("#status") == "Potvrđeno"
    page.goto(f"{url}/review/p/{silly.pk}/")
    page.select_option("#id_reason", "not_municipal")
    page.fill("#id_note", "Nije za općinu")
    page.click("#decline")
    page.goto(f"{url}/review/p/{dup.pk}/")
    page.check(f"input[name=original][value='{good.pk}']")  # the hub suggested it
    page.click("#duplicate")
    assert page.inner_text("#status") == "Duplikat"

    # An action for the validated idea, then an update.
    page.goto(f"{url}/review/actions/")
    page.fill("#id_title", "Česma u parku Hastahana")
    page.fill("#id_proposals", good.receipt)
    page.fill("#id_public_answer", "Općina postavlja česmu.")
    page.click("#create-action")
    page.select_option("#id_status", "in_progress")
    page.fill("#id_note", "Radovi počeli")
    page.click("#update-action")
    assert page.inner_text("#action-status") == "U toku"
    page.click("text=Odjava")

    # The public portal and the receipt page show all of it, without an account.
    page.goto(f"{url}/public/")
    text = page.inner_text("main")
    assert "Nova česma u parku" in text and "Česma u parku Hastahana" in text and "Helikopter" not in text
    assert serious_violations(page) == []
    page.fill("#code", good.receipt)
    page.click("button:has-text('Provjeri')")
    text = page.inner_text("main")
    assert "Potvrđeno" in text and "Općina postavlja česmu." in text and "Radovi počeli" in text
    assert serious_violations(page) == []
    page.goto(f"{url}/public/receipt/{silly.receipt}/")
    assert "Odbijeno jer: nije u nadležnosti općine: Nije za općinu" in page.inner_text("main")
    page.goto(f"{url}/public/receipt/{dup.receipt}/")
    page.click(f"a[href='/public/ideas/{good.pk}/']")
    assert page.url.endswith(f"/public/ideas/{good.pk}/")
    page.select_option("#language", "sr")
    page.click("button:has-text('Promijeni')")
    assert "Потврђено" in page.inner_text("main")

    # The bench digest carries it.
    item = digest_for_bench(bench_id="sa-1")["items"][0]
    assert (item["receipt"], item["status"], item["answer"]) == (good.receipt, "in_progress", "Općina postavlja česmu.")
    assert Proposal.objects.get(pk=dup.pk).duplicate_of_id == good.pk


def test_the_fleet_dashboard_draws_charts_and_works_without_javascript(page, live_server, benches, admin_user,
                                                                        transactional_db):
    from datetime import timedelta

    from django.utils import timezone

    from hub_server.fleet_health.services import telemetry_record
    now = timezone.now()
    for h in range(48):
        telemetry_record(bench_id="sa-1", data={"soc": 50 + h % 20, "wh_in_today": h * 2.0},
                         received=now - timedelta(hours=h))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "pw-admin-123")
    page.click("main button[type=submit]")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(f"{live_server.url}/fleet/sa-1/")
    page.wait_for_selector("#chart-soc canvas")
    assert errors == []  # no CSP violations, no script errors
    assert serious_violations(page) == []


def test_staff_page_through_the_fleet_and_filter_it(page, live_server, benches, admin_user, transactional_db):
    from django.utils import timezone

    from hub_server.fleet.services import bench_register
    from hub_server.fleet_health.services import telemetry_record
    now = timezone.now()
    for i in range(55):
        bench_register(bench_id=f"tz-{i:02}", municipality="Tuzla")
        telemetry_record(bench_id=f"tz-{i:02}", data={"soc": 10 if i % 5 == 0 else 80}, received=now)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "pw-admin-123")
    page.click("main button[type=submit]")
    page.goto(f"{live_server.url}/fleet/")
    rows = "#bench-table tbody tr"
    assert page.locator(rows).count() == 50  # 57 benches: a page of 50
    assert page.locator("#bench-list a", has_text="tz-").count() == 0  # Tuzla's 55 are counted beside the map
    assert serious_violations(page) == []
    page.click("a[rel=next]")
    assert page.locator(rows).count() == 7 and page.locator(rows).first.inner_text().startswith("tz-48")
    page.click("#benches + details summary")
    page.select_option("#id_state", "alert")
    page.click("main .filters__form button[type=submit]")
    shown = page.locator("#bench-table tbody tr td:first-child a").all_inner_texts()
    assert shown == [f"tz-{i:02}" for i in range(0, 55, 5)]  # the low batteries, and only they
    assert "state=alert" in page.url and page.locator("#id_state").input_value() == "alert"
    page.click("#bench-table a:has-text('tz-05')")
    assert page.url.endswith("/fleet/tz-05/")
