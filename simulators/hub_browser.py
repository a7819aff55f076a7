"""A real headless Chromium (Debian's) driving the hub as its users do: for `make screenshots`,
scripts/bench_live.sh and the hub's browser tests. Playwright's sync API, a fresh profile each time."""
import re
import shutil
import tempfile
from contextlib import contextmanager

from simulators.stack import post_form

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
RECEIPT = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}\b")


@contextmanager
def chromium(locale: str = "bs-BA"):
    """A browser context; new_page() from it. Its profile directory is removed afterwards."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="hub-chromium-") as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=FLAGS,
                                                       locale=locale, viewport={"width": 1280, "height": 900})
        try:
            yield context
        finally:
            context.close()


def log_in(page, hub_url: str, login: dict) -> None:
    page.goto(hub_url.rstrip("/") + "/accounts/login/")
    page.fill("#id_username", login["username"])
    page.fill("#id_password", login["password"])
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def choose_language(page, code: str) -> None:
    """The switcher in the page header, as a person uses it (select, then the button)."""
    page.select_option("#language", code)
    page.click(".lang-switch button")
    page.wait_for_load_state()


def submit_idea(bench, title: str, body: str, category: str = "environment", lang: str = "bs") -> str:
    """Through the bench's own captive portal form; returns the receipt code the citizen is shown."""
    status, text = post_form(bench.portal_url + "/proposals", {"title": title, "body": body, "category": category},
                             headers={"Accept-Language": lang})
    if status != 200:
        raise RuntimeError(f"bench answered {status}: {text[:300]}")
    return RECEIPT.search(text).group(0)
