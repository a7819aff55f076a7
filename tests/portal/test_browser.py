"""A real headless Chromium: each probe URL to the portal, the form in every language to the hub,
a phone-width screenshot, and axe-core's accessibility check."""
import shutil
from pathlib import Path

import pytest
from tests.support import wait_for

from test_captive import PROBES

pytestmark = [pytest.mark.browser, pytest.mark.micropython, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "build" / "test-artifacts" / "portal"
AXE = ROOT / "build" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# On Chromium's HSTS preload list: the browser itself turns http:// into https:// (the bench has no
# certificate for it). The OS probe for these hosts is plain HTTP and is checked in test_captive.py.
HSTS_PRELOADED = {"fedoraproject.org", "ping.archlinux.org"}
LANGS = {"bs": "Pošalji prijedlog", "hr": "Pošalji prijedlog", "sr-Latn": "Pošalji prijedlog",
         "sr-Cyrl": "Пошаљи приједлог", "en": "Send proposal"}


@pytest.fixture
def chromium(tmp_path):
    """launch(*extra_args) -> a browser context at phone width with a fresh --user-data-dir."""
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (make setup)")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make setup installs it)")
    with playwright.sync_playwright() as p:
        contexts = []

        def launch(*extra):
            ctx = p.chromium.launch_persistent_context(str(tmp_path / ("profile%d" % len(contexts))),
                                                       executable_path=CHROMIUM, args=FLAGS + list(extra),
                                                       headless=True, viewport={"width": 320, "height": 640})
            contexts.append(ctx)
            return ctx

        yield launch
        for ctx in contexts:
            ctx.close()


def test_probes_lead_to_the_portal_and_the_form_works_in_every_language(stack, chromium):
    from simulators.stack import free_port

    # One browser asks for every probe and page here, far more than one phone: a larger bucket.
    bench = stack.add_bench("browser-1", "Mostar", portal={"host": "127.0.0.1", "port": free_port(), "burst": 400})
    port = bench.config["portal"]["port"]
    # As the captive DNS does on the Wi-Fi: every name (and port 80) leads to the bench's portal port,
    # so Chromium asks for the probe URL itself and sends the probe's Host header.
    browser = chromium("--host-resolver-rules=MAP * 127.0.0.1:%d" % port)
    for host, path, _ in PROBES:
        if host in HSTS_PRELOADED:
            continue
        page = browser.new_page()  # each captive sheet is a fresh web view
        page.goto("http://%s%s" % (host, path))
        page.wait_for_selector("form[action^='/proposals']", timeout=15000)
        assert page.url == "http://127.0.0.1:%d/" % port, (host, path, page.url)
        page.close()
    page = browser.new_page()
    receipts = []
    for lang, submit in LANGS.items():
        page.goto("http://127.0.0.1:%d/?lang=%s" % (port, lang))
        assert page.locator("html").get_attribute("lang") == lang
        page.fill("#title", "Ideja (%s) <script>alert(1)</script>" % lang)
        page.fill("#body", "Česma u parku — чесма у парку & <b>")
        page.select_option("#category", "environment")
        page.get_by_role("button", name=submit).click()
        page.wait_for_selector(".code")
        receipts.append(page.locator(".code").inner_text().strip())
    rows = wait_for(lambda: (lambda r: r if len(r) == len(LANGS) else None)(stack.proposals()))
    assert {r["receipt"] for r in rows} == set(receipts)
    assert {r["title"] for r in rows} == {"Ideja (%s) <script>alert(1)</script>" % lang for lang in LANGS}


def test_the_form_at_phone_width_is_accessible(tmp_path_factory, chromium):
    from tests.portal.conftest import start_bench

    if not AXE.exists():
        pytest.skip("axe-core is not installed (make setup runs scripts/ensure-axe-core.sh)")
    bench = start_bench(tmp_path_factory.mktemp("axe"))
    try:
        page = chromium().new_page()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for path in ("/?lang=bs", "/?lang=sr-Cyrl", "/status?lang=en", "/ideas?lang=hr"):
            page.goto(bench.portal_url + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 320, path  # no sideways scroll
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            serious = [(v["id"], v["impact"]) for v in result["violations"] if v["impact"] in ("serious", "critical")]
            assert serious == [], (path, serious)
        page.goto(bench.portal_url + "/?lang=bs")
        page.screenshot(path=str(ARTIFACTS / "form-320px-bs.png"), full_page=True)
    finally:
        bench.stop()
