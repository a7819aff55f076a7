"""The hub as its three kinds of users meet it, in a real headless Chromium, against the very
processes `make demo` starts (simulators.demo.demo_system): an anonymous visitor, a CSO reviewer
and a network administrator, in Bosnian and in Serbian Cyrillic, at phone and laptop widths."""
import time
import uuid

import pytest

from simulators.hub_browser import CHROMIUM, choose_language, chromium, log_in, submit_idea

pytestmark = [pytest.mark.micropython, pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from pathlib import Path
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make setup installs it)")
    from simulators.demo import demo_system
    with demo_system(tmp_path_factory.mktemp("demo") / "system") as (stack, endpoints):
        yield stack, endpoints


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe
    results = Axe().run(page)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in results.response["violations"]
            if v.get("impact") in ("serious", "critical")]


def watch_failures(page) -> list[str]:
    failures = []
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("console", lambda m: failures.append(m.text) if m.type == "error" else None)
    return failures


def check_both_widths(page, failures):
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        assert serious_violations(page) == [], (page.url, width)
        # nothing wider than the screen: no sideways scrolling on a phone
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (page.url, width)
    assert failures == []


def wait_for_benches_working(page, count, seconds=30):
    """The demo's benches report within seconds of starting; reload until the map shows them working.
    (Polled from here: the hub's CSP forbids the string evaluation page.wait_for_function would use.)"""
    deadline = time.monotonic() + seconds
    while page.locator("svg .marker--ok").count() != count:
        assert time.monotonic() < deadline, f"{page.locator('svg .marker--ok').count()} benches working, not {count}"
        time.sleep(1)
        page.reload()


@pytest.mark.parametrize("language, html_lang, heading, received", [
    ("bs", "bs", "Ideje građana sa solarnih klupa", "Primljeno, čeka pregled"),
    ("sr", "sr-Cyrl", "Идеје грађана са соларних клупа", "Примљено, чека преглед")])
def test_an_anonymous_visitor_finds_ideas_benches_and_their_receipt(demo, language, html_lang, heading, received):
    stack, endpoints = demo
    receipt = submit_idea(stack.benches["mostar-1"], f"Klupa u hladu {uuid.uuid4().hex[:6]}", "Više hlada ljeti.")
    with chromium() as browser:
        page = browser.new_page()
        failures = watch_failures(page)
        page.goto(endpoints["public"])
        if language != "bs":
            choose_language(page, language)
        assert page.get_attribute("html", "lang") == html_lang and page.inner_text("h1") == heading
        check_both_widths(page, failures)

        page.keyboard.press("Tab")  # the first stop is the skip link, and it leads to the content
        assert page.evaluate("document.activeElement.className") == "skip-link"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"

        page.goto(endpoints["public"] + "benches/")
        assert page.locator("#bench-list > li").count() == 12  # the network's twelve municipalities
        assert page.locator("svg .marker").count() == 12
        wait_for_benches_working(page, 3)
        check_both_widths(page, failures)

        if language == "bs":
            return  # the receipt's wording in Bosnian: tests/hub/test_portal.py; here once, in Cyrillic
        page.goto(endpoints["public"])
        page.fill("#code", receipt)
        page.click("form[action$='/receipt/'] button")
        page.wait_for_selector(".receipt-status")
        deadline = time.monotonic() + 30
        while received not in page.inner_text(".receipt-status") and time.monotonic() < deadline:
            time.sleep(0.5)  # the bench may still be forwarding it
            page.reload()
        assert page.inner_text(".receipt-status") == received
        check_both_widths(page, failures)


@pytest.mark.parametrize("language, queue_heading, validated", [
    ("bs", "Red za pregled", "Potvrđeno"), ("sr", "Ред за преглед", "Потврђено")])
def test_a_reviewer_sees_ideas_arrive_without_reloading_and_decides(demo, language, queue_heading, validated):
    stack, endpoints = demo
    hub = endpoints["hub"]
    title = f"Česma {language} {uuid.uuid4().hex[:6]}"
    with chromium() as browser:
        page = browser.new_page()
        failures = watch_failures(page)
        log_in(page, hub, endpoints["reviewer"])
        choose_language(page, language)
        assert page.inner_text("h1") == queue_heading
        page.evaluate("window.notReloaded = true")
        submit_idea(stack.benches["sarajevo-centar-1"], title, "Voda za piće u parku.")
        row = page.wait_for_selector(f"#queue tr:has-text('{title}')", timeout=45000)  # live, no reload
        assert page.evaluate("window.notReloaded === true")
        assert "is-new" in row.get_attribute("class")
        check_both_widths(page, failures)

        public = browser.new_page()  # the public portal, open while the reviewer decides
        public.goto(hub + "public/")
        public.evaluate("window.notReloaded = true")
        page.set_viewport_size({"width": 1280, "height": 800})
        page.click(f"#queue a:has-text('{title}')")
        check_both_widths(page, failures)
        page.click("#validate")
        assert page.inner_text("#status") == validated
        public.wait_for_selector(f"#ideas a:has-text('{title}')", timeout=30000)
        assert public.evaluate("window.notReloaded === true")

    with chromium(locale="en-GB") as elsewhere:  # another browser: the profile keeps the language
        page = elsewhere.new_page()
        log_in(page, hub, endpoints["reviewer"])
        assert page.inner_text("h1") == queue_heading


def test_a_network_administrator_watches_the_fleet_in_serbian_cyrillic(demo):
    stack, endpoints = demo
    hub = endpoints["hub"]
    with chromium() as browser:
        page = browser.new_page()
        failures = watch_failures(page)
        log_in(page, hub, endpoints["administrator"])
        choose_language(page, "sr")
        page.goto(hub + "fleet/")
        assert page.inner_text("h1") == "Клупе у мрежи" and page.get_attribute("html", "lang") == "sr-Cyrl"
        wait_for_benches_working(page, 3)
        assert page.locator("#bench-list a").count() == 3
        check_both_widths(page, failures)
        page.set_viewport_size({"width": 1280, "height": 800})
        page.click("#bench-list a:has-text('tuzla-1')")
        page.wait_for_selector("#chart-soc canvas")
        check_both_widths(page, failures)
        for path in ("review/organisations/", "review/audit/", "review/"):
            page.goto(hub + path)
            check_both_widths(page, failures)


def test_a_proposal_page_prints_as_a_clean_document(demo):
    stack, endpoints = demo
    with chromium() as browser:
        page = browser.new_page()
        page.goto(endpoints["public"])
        page.click("#ideas .card__title")  # an idea the reviewer validated above
        page.emulate_media(media="print")
        assert page.evaluate("getComputedStyle(document.querySelector('.masthead')).display") == "none"
        assert page.evaluate("getComputedStyle(document.querySelector('footer')).display") == "none"
        assert page.is_visible("main h1") and page.is_visible(".summary")
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF") and len(pdf) > 1000
