"""The hub behind its TLS reverse proxy, as documented: the real `hub serve` (waitress) in production
mode with HUB_BEHIND_PROXY=1. The test speaks to it as the proxy does (from 127.0.0.1, adding
X-Forwarded-For and X-Forwarded-Proto), so each visitor is a different client (issue 9)."""
import http.client
import json
import os
import re
import subprocess
import sys
import urllib.parse

import pytest

from simulators.stack import free_port, wait_for_port

HOST = "hub.example.org"
FAILURES = 2  # the lockout threshold for these servers (5 in production): each login hashes for ~1 s
# Its hub runs on its own SQLite file, so the PostgreSQL pass of the hub suite need not start it again.
pytestmark = pytest.mark.skipif(os.environ.get("HUB_PG_INNER") == "1", reason="ran in the SQLite pass")


def _serve(env, port, log_path):
    log = open(log_path, "w")
    web = subprocess.Popen([sys.executable, "-m", "hub_server.cli", "serve", "--port", str(port)], env=env,
                           stdout=log, stderr=subprocess.STDOUT)
    log.close()
    wait_for_port(port, timeout=120, proc=web, what="hub web")
    return web


@pytest.fixture(scope="module")
def hub_behind_proxy(tmp_path_factory):
    work = tmp_path_factory.mktemp("proxy")
    env = {**os.environ, "HUB_ENV": "production", "HUB_SECRET_KEY": "s" * 30 + "Zq9!x" * 8,
           "HUB_ALLOWED_HOSTS": HOST, "DATABASE_URL": f"sqlite:///{work}/hub.sqlite3",
           "HUB_STATIC_ROOT": str(work / "static"), "HUB_BEHIND_PROXY": "1", "HUB_TRUSTED_PROXY": "127.0.0.1",
           "HUB_LOGIN_FAILURE_LIMIT": str(FAILURES)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    hub = [sys.executable, "-m", "hub_server.cli"]
    subprocess.run(hub + ["migrate", "--verbosity", "0"], env=env, check=True, timeout=300)
    login = json.loads(subprocess.run(hub + ["admin-add", "reviewer", "--password", "Right-horse-battery-9"],
                                      env=env, check=True, timeout=60, capture_output=True, text=True).stdout)
    port = free_port()
    web = _serve(env, port, work / "web.log")
    try:
        yield {"port": port, "env": env, "work": work, **login}
    finally:
        web.terminate()
        web.wait(timeout=30)


def _request(port, method, path, client_ip=None, proto="https", body=None, cookies=None):
    headers = {"Host": HOST}
    if proto:
        headers["X-Forwarded-Proto"] = proto
    if client_ip:
        headers["X-Forwarded-For"] = client_ip
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body is not None:
        body = urllib.parse.urlencode(body)
        headers.update({"Content-Type": "application/x-www-form-urlencoded", "Referer": f"https://{HOST}{path}"})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    content = response.read().decode("utf-8", "replace")
    conn.close()
    return response, content


def _login(port, client_ip, username, password):
    response, page = _request(port, "GET", "/accounts/login/", client_ip)
    csrf = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response, _ = _request(port, "POST", "/accounts/login/", client_ip, cookies={"csrftoken": csrf},
                           body={"csrfmiddlewaretoken": token, "username": username, "password": password})
    return response.status


def test_https_through_the_proxy_is_served_and_plain_http_redirected_once(hub_behind_proxy):
    port = hub_behind_proxy["port"]
    response, page = _request(port, "GET", "/public/", "203.0.113.9", proto="https")
    assert response.status == 200  # no redirect loop: the hub knows the visitor used HTTPS
    assert response.getheader("Strict-Transport-Security")
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page).group(1)
    response, css = _request(port, "GET", stylesheet, "203.0.113.9", proto="https")
    assert response.status == 200 and "body" in css  # served on a fresh install's first start
    response, _ = _request(port, "GET", "/public/", "203.0.113.9", proto="http")
    assert response.status == 301 and response.getheader("Location") == f"https://{HOST}/public/"


def test_login_throttling_counts_per_visitor_not_per_proxy(hub_behind_proxy):
    port, user, password = hub_behind_proxy["port"], hub_behind_proxy["username"], hub_behind_proxy["password"]
    for n in range(FAILURES):
        # The proxy appends the address it saw; what the client put before it is not believed.
        _login(port, f"10.{n}.0.1, 203.0.113.66", user, "wrong-password")  # the last is answered 429
    assert _login(port, "203.0.113.66", user, password) == 429  # the attacker is locked out ...
    assert _login(port, "198.51.100.7", user, password) == 302  # ... the reviewer elsewhere is not


def test_forwarded_headers_from_anyone_but_the_proxy_are_ignored(hub_behind_proxy):
    """The same hub told that its proxy is elsewhere: our connection is then a client's, not the proxy's.
    (Development mode, so that plain HTTP is served: the login form needs no HTTPS here.)"""
    env = {**hub_behind_proxy["env"], "HUB_TRUSTED_PROXY": "192.0.2.1", "HUB_ENV": "development"}
    port = free_port()
    web = _serve(env, port, hub_behind_proxy["work"] / "web-untrusted.log")
    try:
        user, password = hub_behind_proxy["username"], hub_behind_proxy["password"]
        for n in range(FAILURES):
            _login(port, f"10.9.{n}.1", user, "wrong-password")
        assert _login(port, "10.9.99.1", user, password) == 429  # a forged address does not escape the count
    finally:
        web.terminate()
        web.wait(timeout=30)
