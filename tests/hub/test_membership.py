import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from hub_server.membership.models import Organisation
from hub_server.proposals.models import AuditEntry

pytestmark = pytest.mark.django_db
FORM = {"name": "Udruženje Zeleni grad", "registration_number": "RU-123/2024", "municipalities": ["Mostar"],
        "contact_name": "Lejla", "contact_email": "lejla@example.org", "principles_accepted": "on"}


def test_a_cso_applies_and_an_administrator_approves(client, benches, admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/public/apply/", FORM)
    assert response.status_code == 200 and b"Application received" in response.content
    org = Organisation.objects.get()
    assert (org.status, list(org.municipalities.values_list("name", flat=True))) == ("pending", ["Mostar"])
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/review/organisations/{org.pk}/approve/")
    org.refresh_from_db()
    assert org.status == "approved" and org.decided_by == admin_user
    welcome = mail.outbox[-1]
    assert welcome.to == ["lejla@example.org"] and welcome.subject == "LINK: vaš recenzentski račun"  # the hub's language
    link = re.search(r"http://[^/]+(/accounts/reset/\S+)", welcome.body).group(1)
    client.logout()
    form_page = client.get(link, follow=True)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": "a-Long-pass-9876", "new_password2": "a-Long-pass-9876"})
    assert client.login(username="lejla@example.org", password="a-Long-pass-9876")
    assert AuditEntry.objects.get(verb="org_approve").subject == "Udruženje Zeleni grad"


def test_the_application_needs_the_principles_and_a_unique_registration(client, benches):
    response = client.post("/public/apply/", {**FORM, "principles_accepted": ""})
    assert "This field is required." in response.content.decode()  # Django's own words, in the asked language
    client.post("/public/apply/", FORM)
    response = client.post("/public/apply/", FORM)
    assert "An organisation with this registration number has already applied." in response.content.decode()


def test_only_administrators_decide(client, benches, sarajevo_reviewer):
    client.post("/public/apply/", FORM)
    org = Organisation.objects.get(registration_number="RU-123/2024")
    client.force_login(sarajevo_reviewer)
    assert client.post(f"/review/organisations/{org.pk}/approve/").status_code == 403
    assert client.get("/review/organisations/").status_code == 403


def test_a_declined_cso_gets_no_accounts(client, benches, admin_user):
    client.post("/public/apply/", FORM)
    org = Organisation.objects.get()
    client.force_login(admin_user)
    client.post(f"/review/organisations/{org.pk}/decline/", {"reason": "Not registered in BiH"})
    org.refresh_from_db()
    assert (org.status, org.decline_reason) == ("declined", "Not registered in BiH")
    assert not get_user_model().objects.filter(username="lejla@example.org").exists()
