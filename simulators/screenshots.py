"""`make screenshots`: every main page of the hub at 360 px and 1280 px, from the processes
`make demo` starts, with ideas sent through the benches' own portals and decided in the browser.

Writes docs/screenshots/<page>-<width>.png (Bosnian; a few pages also in Serbian Cyrillic) and
prints the list. Takes about two minutes.
"""
import sys
import time
from pathlib import Path

from simulators.demo import ROOT, demo_system
from simulators.hub_browser import chromium, choose_language, log_in, submit_idea

OUT = ROOT / "docs" / "screenshots"
WIDTHS = (360, 1280)
IDEAS = [
    ("sarajevo-centar-1", "Česma u parku Hastahana", "U parku nema vode za piće. Predlažemo česmu kod igrališta.", "environment"),
    ("sarajevo-centar-1", "Biciklistička staza do Skenderije", "Staza uz Miljacku bi bila sigurnija za djecu.", "transport"),
    ("mostar-1", "Hlad na autobuskoj stanici", "Ljeti je na stanici preko 40 stepeni. Trebaju nadstrešnice i drveće.", "infrastructure"),
    ("mostar-1", "Više kanti za reciklažu", "Kante za plastiku i papir u svakoj ulici Starog grada.", "environment"),
    ("tuzla-1", "Besplatni kursevi za starije", "Računari i telefoni: kurs u mjesnoj zajednici jednom sedmično.", "social"),
    ("tuzla-1", "Helikopter za sve", "Svako treba svoj helikopter.", "other"),
]


def _decide(page, hub: str, proposals: dict) -> None:
    """As the CSO reviewer: validate three ideas, decline one, and plan an action."""
    for title in ("Česma u parku Hastahana", "Hlad na autobuskoj stanici", "Besplatni kursevi za starije"):
        page.goto(f"{hub}review/p/{proposals[title]['id']}/")
        page.click("#validate")
    page.goto(f"{hub}review/p/{proposals['Helikopter za sve']['id']}/")
    page.select_option("#id_reason", "off_topic")
    page.fill("#id_note", "Ovo nije prijedlog za općinu.")
    page.click("#decline")
    page.goto(f"{hub}review/actions/")
    page.fill("#id_title", "Česma u parku Hastahana")
    page.select_option("#id_municipality", "Sarajevo Centar")
    page.fill("#id_proposals", proposals["Česma u parku Hastahana"]["receipt"])
    page.fill("#id_public_answer", "Općina postavlja česmu do kraja proljeća.")
    page.click("#create-action")
    page.select_option("#id_status", "in_progress")
    page.fill("#id_note", "Radovi su počeli.")
    page.click("#update-action")


def _shoot(page, name: str, url: str, written: list) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800 if width < 600 else 900})
        page.goto(url)
        page.wait_for_load_state("networkidle")
        path = OUT / f"{name}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        written.append(path)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with demo_system(ROOT / "build" / "screenshots") as (stack, endpoints):
        hub = endpoints["hub"]
        receipts = {title: submit_idea(stack.benches[bench], title, body, category)
                    for bench, title, body, category in IDEAS}
        deadline = time.monotonic() + 60
        while len(stack.proposals()) < len(IDEAS) and time.monotonic() < deadline:
            time.sleep(0.5)
        proposals = {p["title"]: p for p in stack.proposals()}
        for title, receipt in receipts.items():
            proposals[title]["receipt"] = receipt
        fountain = proposals["Česma u parku Hastahana"]
        with chromium() as browser:
            public = browser.new_page()
            pages = [("portal-home", f"{hub}public/"), ("portal-idea", f"{hub}public/ideas/{fountain['id']}/"),
                     ("portal-receipt", f"{hub}public/receipt/{receipts['Helikopter za sve']}/"),
                     ("portal-benches", f"{hub}public/benches/"), ("portal-open-data", f"{hub}public/open-data/"),
                     ("portal-apply", f"{hub}public/apply/"), ("portal-grants", f"{hub}public/grants/"), ("portal-my-data", f"{hub}public/my-data/"),
                     ("login", f"{hub}accounts/login/")]
            staff = browser.new_page()
            log_in(staff, hub, endpoints["reviewer"])
            _decide(staff, hub, proposals)
            action_url = staff.url
            for name, url in pages:
                _shoot(public, name, url, written)
            _shoot(public, "portal-action", action_url.replace("/review/actions/", "/public/actions/"), written)
            for name, url in [("review-queue", f"{hub}review/?status="), ("review-detail", f"{hub}review/p/{fountain['id']}/"),
                              ("review-actions", f"{hub}review/actions/"), ("review-action", action_url)]:
                _shoot(staff, name, url, written)
            staff.click("nav button[type=submit]")  # log out
            log_in(staff, hub, endpoints["administrator"])
            for name, url in [("fleet", f"{hub}fleet/"), ("fleet-bench", f"{hub}fleet/sarajevo-centar-1/"),
                              ("organisations", f"{hub}review/organisations/"), ("audit", f"{hub}review/audit/"),
                              ("grants", f"{hub}grants/"), ("grants-call-new", f"{hub}grants/calls/new/")]:
                _shoot(staff, name, url, written)
            public.goto(f"{hub}public/")  # a fresh form: the administrator's login rotated the CSRF token
            choose_language(public, "sr")
            for name, url in [("portal-home-sr-cyrl", f"{hub}public/"), ("portal-benches-sr-cyrl", f"{hub}public/benches/")]:
                _shoot(public, name, url, written)
            staff.goto(f"{hub}fleet/")
            choose_language(staff, "sr")
            _shoot(staff, "fleet-sr-cyrl", f"{hub}fleet/", written)
    for path in written:
        print(path.relative_to(ROOT), f"{path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
