"""Public pages, the API and open data name only ideas that may be public (issue 9).

Each path a hidden, unreviewed or unlawful idea could leak through: the action page, the
duplicate's page, the receipt page, the API (ideas and actions) and the CSV/JSON exports.
"""
import json

import pytest

from hub_server.proposals import review_services as rs


@pytest.fixture
def client():
    """A citizen's browser in Bosnia and Herzegovina: Bosnian, the portal's first language."""
    from django.test import Client
    return Client(HTTP_ACCEPT_LANGUAGE="bs")


pytestmark = pytest.mark.django_db


def _everything_public(client, action_id, *idea_ids) -> str:
    """Every public page and export that could name an idea, as one text."""
    urls = ["/public/", f"/public/actions/{action_id}/", "/api/v1/ideas", "/api/v1/actions",
            "/public/open-data/ideas.csv", "/public/open-data/ideas.json",
            "/public/open-data/actions.csv", "/public/open-data/actions.json"]
    urls += [f"/public/ideas/{i}/" for i in idea_ids]
    parts = []
    for url in urls:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        parts.append(body.decode())
    return "\n".join(parts)


@pytest.fixture
def ideas(sarajevo_reviewer, new_proposal):
    r = sarajevo_reviewer
    shown = new_proposal(title="Klupe uz rijeku")
    later_hidden = new_proposal(title="Tajna ulica Ane Anić")
    for p in (shown, later_hidden):
        rs.proposal_validate(proposal=p, by=r)
    action = rs.action_create(municipality="Sarajevo Centar", title="Uređenje obale", proposals=[shown, later_hidden],
                              by=r)
    rs.proposal_hide(proposal=later_hidden, by=r, note="lični podaci")
    return {"r": r, "shown": shown, "hidden": later_hidden, "action": action}


def test_an_action_does_not_name_an_idea_hidden_after_it_was_linked(client, ideas):
    text = _everything_public(client, ideas["action"].pk, ideas["shown"].pk)
    assert "Klupe uz rijeku" in text and ideas["shown"].pk in text  # the control: public ideas are there
    assert "Tajna ulica" not in text and ideas["hidden"].pk not in text and ideas["hidden"].receipt not in text
    assert json.loads(client.get("/api/v1/actions").content)[0]["idea_ids"] == [ideas["shown"].pk]


@pytest.mark.parametrize("original_state", ["new", "hidden", "unlawful"])
def test_a_duplicate_does_not_name_an_original_that_is_not_public(client, ideas, new_proposal, original_state):
    r = ideas["r"]
    original = new_proposal(title="Izvorna ideja Marka")
    duplicate = new_proposal(title="Ponovljena ideja")
    rs.proposal_mark_duplicate(proposal=duplicate, original=original, by=r)
    if original_state == "hidden":
        rs.proposal_hide(proposal=original, by=r)
    elif original_state == "unlawful":
        rs.proposal_decline(proposal=original, by=r, reason="illegal")
    # (The original's own URL is not fetched into the text: a 404 page may repeat the path it was asked.)
    assert client.get(f"/public/ideas/{original.pk}/").status_code == 404
    text = _everything_public(client, ideas["action"].pk, duplicate.pk)
    text += client.get(f"/public/receipt/{duplicate.receipt}/").content.decode()
    assert "Ponovljena ideja" in text  # the duplicate itself is public
    assert "Izvorna ideja" not in text and original.pk not in text and original.receipt not in text


def test_a_duplicate_names_a_public_original(client, ideas, new_proposal):
    duplicate = new_proposal(title="Ponovljena ideja")
    rs.proposal_mark_duplicate(proposal=duplicate, original=ideas["shown"], by=ideas["r"])
    page = client.get(f"/public/ideas/{duplicate.pk}/").content.decode()
    assert f"/public/ideas/{ideas['shown'].pk}/" in page and "Klupe uz rijeku" in page


def test_an_idea_declined_as_unlawful_is_named_nowhere(client, ideas, new_proposal):
    unlawful = new_proposal(title="Protjerati komšiju Petra")
    rs.proposal_decline(proposal=unlawful, by=ideas["r"], reason="illegal", note="Poziv na diskriminaciju")
    assert client.get(f"/public/ideas/{unlawful.pk}/").status_code == 404
    assert client.get(f"/api/v1/ideas/{unlawful.pk}").status_code == 404
    text = _everything_public(client, ideas["action"].pk)
    assert "Protjerati" not in text and unlawful.pk not in text
    # Its author, with the receipt code, learns the decision but the page does not repeat the title.
    page = client.get(f"/public/receipt/{unlawful.receipt}/").content.decode()
    assert "Odbijeno" in page and "protivno zakonu" in page.lower() and "Protjerati" not in page


def test_other_declined_ideas_keep_their_public_page(client, ideas, new_proposal):
    declined = new_proposal(title="Aerodrom na Trebeviću")
    rs.proposal_decline(proposal=declined, by=ideas["r"], reason="not_municipal")
    assert "Aerodrom na Trebeviću" in client.get(f"/public/ideas/{declined.pk}/").content.decode()
