"""Password validators are on: a new reviewer's password-set page and `hub admin-add` refuse weak ones."""
import pytest
from django.core.management import CommandError, call_command

from hub_server.membership.services import password_set_link

pytestmark = pytest.mark.django_db


def test_the_password_set_page_refuses_a_weak_password(client, sarajevo_reviewer):
    page = client.get(password_set_link(user=sarajevo_reviewer), follow=True)
    url = page.redirect_chain[-1][0]  # Django swaps the token for a session and redirects
    response = client.post(url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "This password is too common." in text and "This password is entirely numeric." in text
    response = client.post(url, {"new_password1": "Lipa-u-parku-2026", "new_password2": "Lipa-u-parku-2026"})
    assert response.status_code == 302
    sarajevo_reviewer.refresh_from_db()
    assert sarajevo_reviewer.check_password("Lipa-u-parku-2026")


def test_admin_add_refuses_a_weak_password(benches):
    with pytest.raises(CommandError, match="too common"):
        call_command("admin-add", "root", "--password", "password")
