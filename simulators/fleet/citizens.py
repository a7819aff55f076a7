"""Simulated citizens: a phone on the bench's Wi-Fi opens the portal in its language and leaves an
idea drawn from the corpus in simulators/scenarios/ideas/<lang>.toml (written for this project).

Each phone comes from its own loopback address (127.0.0.x), as phones on the bench's hotspot do,
so the portal's per-phone limits apply as they would in a town square.
"""
import http.client
import random
import re
import time
import tomllib
import urllib.parse
from pathlib import Path

IDEAS = Path(__file__).resolve().parent.parent / "scenarios" / "ideas"
LANGUAGES = ("bs", "hr", "sr-Latn", "sr-Cyrl", "en")
_RECEIPT = re.compile(r'class="code"><strong>([0-9A-Z]{4}-[0-9A-Z]{4})</strong>')
# Optional fields some citizens fill in, with consent; made up, like every name here.
_NAMES = ("Amra", "Ivan", "Jelena", "Emir", "Marija", "Nikola", "Lejla", "Dario", "Sanja", "Alex")


def corpus() -> dict:
    """{lang: [idea dict with title, body, category]}"""
    out = {}
    for lang in LANGUAGES:
        with open(IDEAS / f"{lang}.toml", "rb") as f:
            out[lang] = tomllib.load(f)["idea"]
    return out


class Citizen:
    """One visit: GET / (the captive portal's form) then POST /proposals; returns what happened."""

    def __init__(self, portal_url: str, source: str, timeout: float = 15.0):
        parts = urllib.parse.urlsplit(portal_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.source = source
        self.timeout = timeout

    def _request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout, source_address=(self.source, 0))
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def visit(self, lang: str, idea: dict, contact: bool = False) -> dict:
        started = time.time()
        result = {"lang": lang, "title": idea["title"], "receipt": None, "why": None, "post_at": None}
        try:
            status, _ = self._request("GET", "/", headers={"Accept-Language": lang, "Accept-Encoding": "gzip"})
            if status != 200:
                result["why"] = f"form http {status}"
                return result
            fields = {"title": idea["title"], "body": idea["body"], "category": idea["category"], "lang": lang}
            if contact:
                fields.update(name=random.choice(_NAMES), contact="ideja@example.org", consent="1")
            result["post_at"] = time.time()
            status, page = self._request("POST", "/proposals", body=urllib.parse.urlencode(fields).encode(),
                                         headers={"Content-Type": "application/x-www-form-urlencoded",
                                                  "Accept-Language": lang})
        except (OSError, http.client.HTTPException) as exc:
            result["why"] = type(exc).__name__
            return result
        finally:
            result["seconds"] = time.time() - started
        match = _RECEIPT.search(page.decode("utf-8", "replace"))
        if status == 200 and match:
            result["receipt"] = match.group(1)
        else:
            result["why"] = f"http {status}"
        return result


def probe(portal_url: str, source: str, timeout: float = 3.0):
    """The bench's /status.json (outbox, uplink, heap), or None if its portal does not answer."""
    import json

    try:
        status, body = Citizen(portal_url, source, timeout)._request("GET", "/status.json")
        return json.loads(body) if status == 200 else None
    except (OSError, ValueError, http.client.HTTPException):
        return None
