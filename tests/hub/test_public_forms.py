"""Public forms are throttled per client, and a malformed receipt code is a 400, never a 500 (issue 9)."""
import pytest


@pytest.fixture
def client():
    """A citizen's browser in Bosnia and Herzegovina: Bosnian, the portal's first language."""
    from django.test import Client
    return Client(HTTP_ACCEPT_LANGUAGE="bs")


pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/public/receipt/?code=%00", "/public/receipt/?code=a/b", "/public/receipt/?code=1-2",
                                  "/public/receipt/%00/", "/public/receipt/" + "9" * 500 + "/",
                                  "/public/receipt/?code=%C0%AF", "/public/receipt/?code=<script>",
                                  "/public/receipt/ABCD-EFG%E2%82%AC/"])
def test_a_malformed_receipt_code_is_a_400(client, benches, path):
    response = client.get(path)
    assert response.status_code == 400
    if "%00" not in path:  # NUL is refused before the page (test_a_nul_character_in_a_url_is_a_400...)
        assert 'role="alert"' in response.content.decode()  # the form again, with the not-found message


def test_an_empty_lookup_shows_the_form_again(client, benches):
    response = client.get("/public/receipt/?code=+")
    assert response.status_code == 200 and 'role="alert"' not in response.content.decode()


def test_a_code_typed_loosely_finds_the_idea(client, benches, new_proposal):
    p = new_proposal(receipt="K7QM-2XF9")
    assert client.get("/public/receipt/?code=k7qm 2xf9")["Location"] == "/public/receipt/K7QM-2XF9/"
    assert client.get("/public/receipt/k7qm2xf9/")["Location"] == "/public/receipt/K7QM-2XF9/"
    assert p.receipt in client.get("/public/receipt/K7QM-2XF9/").content.decode()


def test_receipt_lookups_are_throttled_per_client(client, benches, settings):
    settings.HUB_THROTTLES = {**settings.HUB_THROTTLES, "receipt": (3, 600)}
    assert client.get("/public/receipt/?code=zzzz-zzzz").status_code == 302  # the form's redirect is free
    for _ in range(3):
        assert client.get("/public/receipt/ZZZZ-ZZZZ/").status_code == 200
    response = client.get("/public/receipt/ZZZZ-ZZZZ/")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    # Another client is not affected.
    assert client.get("/public/receipt/ZZZZ-ZZZZ/", REMOTE_ADDR="198.51.100.7").status_code == 200


def test_organisation_applications_are_throttled(client, benches, settings):
    settings.HUB_THROTTLES = {**settings.HUB_THROTTLES, "apply": (2, 3600)}
    form = {"name": "Udruženje", "registration_number": "", "municipalities": ["Sarajevo Centar"],
            "contact_name": "Ana", "contact_email": "ana@example.org", "principles_accepted": "on"}
    assert client.get("/public/apply/").status_code == 200  # reading the form is not counted
    for n in range(2):
        assert client.post("/public/apply/", {**form, "registration_number": f"R-{n}"}).status_code == 200
    response = client.post("/public/apply/", {**form, "registration_number": "R-9"})
    assert response.status_code == 429
    from hub_server.membership.models import Organisation
    assert Organisation.objects.count() == 2


@pytest.mark.parametrize("path", ["/public/?q=%00", "/public/?m=a%00", "/public/ideas/%00/", "/api/v1/ideas?q=%00",
                                  "/api/v1/ideas?municipality=%00", "/api/v1/ideas/%00", "/review/p/%00/",
                                  "/review/?q=%00", "/public/receipt/%00/"])
def test_a_nul_character_in_a_url_is_a_400_on_every_database(client, sarajevo_reviewer, path):
    """PostgreSQL refuses NUL in text (the hub suite runs again on PostgreSQL: test_postgres.py)."""
    client.force_login(sarajevo_reviewer)
    assert client.get(path).status_code == 400


def test_an_api_offset_beyond_any_database_integer_is_an_empty_page(client, benches):
    response = client.get("/api/v1/ideas?offset=99999999999999999999999&limit=-3")
    assert response.status_code == 200
    assert response.json() == {"count": 0, "offset": 10_000_000, "limit": 1, "items": []}
