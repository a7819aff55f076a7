"""`hub serve` as a new deployment starts it: in a fresh directory with an empty static folder,
in development and in production settings. Every stylesheet, script and image a page links must load."""
import http.cookiejar
import os
import subprocess
import sys
import urllib.parse
import urllib.request
from html.parser import HTMLParser

import pytest

from simulators.stack import free_port, wait_for_port

pytestmark = pytest.mark.slow


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls, self.csrf = set(), None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("href") and {"stylesheet", "icon"} & set((a.get("rel") or "").split()):
            self.urls.add(a["href"])
        elif tag in ("script", "img") and a.get("src") and not a["src"].startswith("data:"):
            self.urls.add(a["src"])
        elif tag == "input" and a.get("name") == "csrfmiddlewaretoken":
            self.csrf = a.get("value")


def _serve(tmp_path, **env):
    port = free_port()
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/hub.sqlite3",
                   "HUB_STATIC_ROOT": str(tmp_path / "static"), **env}
    subprocess.run([sys.executable, "-m", "hub_server.cli", "migrate", "-v", "0"], env=environment, cwd=tmp_path,
                   check=True, timeout=120)
    subprocess.run([sys.executable, "-m", "hub_server.cli", "admin-add", "admin", "--password", "a-Long-pass-9876"],
                   env=environment, cwd=tmp_path, check=True, timeout=60, capture_output=True)
    subprocess.run([sys.executable, "-m", "hub_server.cli", "bench-add", "tuzla-1", "--municipality", "Tuzla"],
                   env=environment, cwd=tmp_path, check=True, timeout=60, capture_output=True)
    assert not (tmp_path / "static").exists()  # what a new machine has before the first start
    log = open(tmp_path / "serve.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "hub_server.cli", "serve", "--port", str(port)], env=environment,
                            cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    wait_for_port(port, timeout=90, proc=proc, what="hub serve")
    return proc, f"http://127.0.0.1:{port}"


def _check_pages(base, opener, paths):
    assets, checked = set(), {}
    for path in paths:
        with opener.open(base + path, timeout=20) as response:
            assert response.status == 200, path
            parser = _Assets()
            parser.feed(response.read().decode())
            assets |= parser.urls
    assert any(u.endswith(".css") for u in assets) and any(u.endswith(".js") for u in assets)
    for url in sorted(assets):
        with opener.open(urllib.parse.urljoin(base + "/", url), timeout=20) as response:
            body = response.read()
            checked[url] = (response.status, response.headers.get("Content-Type", ""), len(body))
    return checked


def _log_in(base, opener):
    parser = _Assets()
    parser.feed(opener.open(base + "/accounts/login/", timeout=20).read().decode())
    data = urllib.parse.urlencode({"username": "admin", "password": "a-Long-pass-9876",
                                   "csrfmiddlewaretoken": parser.csrf}).encode()
    opener.open(urllib.request.Request(base + "/accounts/login/", data=data, headers={"Referer": base + "/"}),
                timeout=20)


@pytest.mark.parametrize("mode", ["development", "production"])
def test_a_fresh_hub_serve_serves_every_stylesheet_script_and_image(tmp_path, mode):
    env = {} if mode == "development" else {
        "HUB_ENV": "production", "HUB_SECRET_KEY": "x" * 60, "HUB_SSL_REDIRECT": "0", "HUB_SECURE_COOKIES": "0"}
    proc, base = _serve(tmp_path, **env)
    try:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        paths = ["/public/", "/public/benches/", "/public/apply/", "/accounts/login/"]
        if mode == "development":  # production's session cookie is Secure: no login over plain HTTP
            _log_in(base, opener)
            paths += ["/review/", "/fleet/", "/fleet/tuzla-1/"]
        checked = _check_pages(base, opener, paths)
    finally:
        proc.terminate()
        proc.wait(20)
    assert all(status == 200 and size > 0 for status, _, size in checked.values()), checked
    kinds = {url.rsplit(".", 1)[-1]: ctype for url, (_, ctype, _) in checked.items()}
    assert kinds["css"].startswith("text/css") and "javascript" in kinds["js"] and kinds["svg"].startswith("image/svg")
    if mode == "production":  # hashed names, cacheable for good
        assert all(".css" not in u or len(u.rsplit("/", 1)[-1].split(".")) == 3 for u in checked), checked
