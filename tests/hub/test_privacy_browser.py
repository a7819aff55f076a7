"""A citizen's data request and a reviewer's audited look at a contact, in a real headless Chromium
(Debian's) at phone and desktop widths, with axe-core (issue 9)."""
from pathlib import Path

import pytest

from hub_server.proposals.models import AuditEntry, Proposal
from tests.hub.test_hub_browser import page, serious_violations  # noqa: F401  (the shared Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts" / "hub"


def test_a_citizen_asks_for_a_copy_then_withdraws_consent(page, live_server, benches, new_proposal,  # noqa: F811
                                                          transactional_db):
    p = new_proposal(title="Klupa kod škole", contact="ana@example.org")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{live_server.url}/public/")
        page.click("a[href='/public/my-data/']")
        assert serious_violations(page) == []
        page.fill("#id_receipt", p.receipt.lower())
        page.fill("#id_contact", "ana@example.org")
        page.check("#id_kind_0")
        page.click("#ask")
        copy = page.inner_text("#copy")
        assert "Klupa kod škole" in copy and "ana@example.org" in copy
        assert serious_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing wider than the phone
        page.screenshot(path=str(ARTIFACTS / f"my-data-copy-{width}px.png"), full_page=True)
    page.goto(f"{live_server.url}/public/my-data/")
    page.fill("#id_receipt", p.receipt)
    page.fill("#id_contact", "someone-else@example.org")
    page.check("#id_kind_1")
    page.click("#ask")
    assert "Nijedna ideja nema taj kod potvrde s tim kontaktom." in page.inner_text("[role=alert]")
    page.fill("#id_contact", "ana@example.org")
    page.check("#id_kind_1")
    page.click("#ask")
    assert page.is_visible("#done")
    assert Proposal.objects.get(pk=p.pk).contact == ""


def test_an_administrator_looks_at_a_contact_and_the_look_is_logged(page, live_server,  # noqa: F811
                                                                     benches, admin_user, new_proposal,
                                                                     transactional_db):
    p = new_proposal(contact="061 222 333")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "pw-admin-123")
    page.click("main button[type=submit]")
    page.goto(f"{live_server.url}/review/p/{p.pk}/")
    assert "061 222 333" not in page.content()
    page.click("#show-contact")
    assert page.inner_text("#contact-contact") == "061 222 333"
    assert AuditEntry.objects.filter(proposal_id=p.pk, verb="contact_view", actor=admin_user).count() == 1
