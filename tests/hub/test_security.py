import os
import subprocess
import sys

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_every_page_has_a_content_security_policy(client, benches):
    csp = client.get("/public/")["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp


def test_posts_need_a_csrf_token(benches, sarajevo_reviewer, new_proposal):
    p = new_proposal()
    client = Client(enforce_csrf_checks=True)
    client.force_login(sarajevo_reviewer)
    assert client.post(f"/review/p/{p.pk}/validate/").status_code == 403
    assert client.post("/public/apply/", {"name": "x"}).status_code == 403


def test_logins_are_throttled(client, sarajevo_reviewer):
    for _ in range(5):
        client.post("/accounts/login/", {"username": sarajevo_reviewer.username, "password": "wrong"})
    response = client.post("/accounts/login/", {"username": sarajevo_reviewer.username, "password": "pw-review-123"})
    assert response.status_code == 429 and b"Too many failed logins" in response.content


def test_a_right_login_works_through_the_form(client, sarajevo_reviewer):
    response = client.post("/accounts/login/", {"username": sarajevo_reviewer.username, "password": "pw-review-123"})
    assert response.status_code == 302 and response["Location"] == "/review/"


def test_check_deploy_is_clean_in_production_mode(tmp_path):
    env = {**os.environ, "HUB_ENV": "production", "HUB_SECRET_KEY": "k" * 20 + "Zq9!x" * 10,
           "HUB_ALLOWED_HOSTS": "hub.example.org", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run([sys.executable, "-m", "hub_server.cli", "check", "--deploy", "--fail-level", "WARNING"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**os.environ, "HUB_ENV": "production", "HUB_SECRET_KEY": ""}
    result = subprocess.run([sys.executable, "-m", "hub_server.cli", "check"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0 and "HUB_ENV=production needs HUB_SECRET_KEY" in result.stderr
