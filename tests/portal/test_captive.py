"""The phone's first seconds on the bench Wi-Fi: real DNS queries, then each OS's probe."""
import json
import socket
import time
import urllib.parse
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from tests.portal.conftest import Phone

pytestmark = pytest.mark.micropython
ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts" / "portal"


def ask(bench, name, rdtype, timeout=2.0):
    d = bench.config["dns"]
    return dns.query.udp(dns.message.make_query(name, rdtype), d["host"], port=d["port"], timeout=timeout)


@pytest.mark.parametrize("name", ["connectivitycheck.gstatic.com", "captive.apple.com", "www.msftconnecttest.com",
                                  "detectportal.firefox.com", "nmcheck.gnome.org", "ba", "x.y.z.example.org"])
def test_every_name_resolves_to_the_bench(bench, name):
    reply = ask(bench, name, "A")
    assert reply.rcode() == dns.rcode.NOERROR and reply.flags & dns.flags.AA
    assert [r.address for rr in reply.answer for r in rr] == ["127.0.0.1"]  # the AP's address (shim)
    assert reply.answer[0].ttl == 60


@pytest.mark.parametrize("rdtype", ["AAAA", "MX", "TXT", "HTTPS", "SRV"])
def test_other_types_get_an_empty_answer_at_once_not_a_timeout(bench, rdtype):
    started = time.monotonic()
    reply = ask(bench, "captive.apple.com", rdtype, timeout=1.0)
    assert reply.rcode() == dns.rcode.NOERROR and reply.answer == []
    assert time.monotonic() - started < 0.5


MALFORMED = [b"", b"\x00", b"\x12\x34\x01\x00\x00\x01", b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x3fabc",
             b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01",  # pointer loop
             b"\x12\x34\x81\x80" + b"\x00" * 8,  # a response, not a query
             bytes(range(256)) * 3, b"\xff" * 600]


def test_malformed_packets_are_ignored_and_the_server_keeps_answering(bench):
    d = bench.config["dns"]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.3)
        for packet in MALFORMED:
            s.sendto(packet, (d["host"], d["port"]))
            with pytest.raises(socket.timeout, ):
                s.recvfrom(1024)
        # A header without a question, and an opcode we do not do: an error code, not silence.
        s.sendto(b"\x12\x34\x01\x00" + b"\x00" * 8, (d["host"], d["port"]))
        assert s.recvfrom(1024)[0][:4] == b"\x12\x34\x85\x81"  # QR AA RD, FORMERR
        s.sendto(b"\x12\x34\x11\x00\x00\x01" + b"\x00" * 6 + b"\x00\x00\x01\x00\x01", (d["host"], d["port"]))
        assert s.recvfrom(1024)[0][3] & 0x0F == 4  # NOTIMP
    assert ask(bench, "still.alive", "A").answer


def test_a_dns_flood_does_not_stop_the_bench(bench):
    d = bench.config["dns"]
    query = dns.message.make_query("flood.example", "A").to_wire()
    sent = answered = 0
    started = time.monotonic()
    last_answer = started
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
        s.setblocking(False)
        while time.monotonic() - started < 3.0 and sent < 20000:
            try:
                s.sendto(query, (d["host"], d["port"]))
                sent += 1
            except BlockingIOError:
                pass
            try:
                while True:
                    s.recvfrom(1024)
                    answered += 1
                    last_answer = time.monotonic()
            except BlockingIOError:
                pass
        sending = time.monotonic() - started
        s.settimeout(1.0)
        try:
            while True:
                s.recvfrom(1024)
                answered += 1
                last_answer = time.monotonic()
        except socket.timeout:
            pass
    # The bench answers for as long as it has queries queued, well after the sender stopped: the
    # rate is answers over the time from the first query to the last answer, not over the sending.
    answering = max(last_answer - started, 1e-3)
    figures = {"sent": sent, "answered": answered, "sending_s": round(sending, 3),
               "answering_s": round(answering, 3), "sent_per_s": round(sent / sending),
               "answers_per_s": round(answered / answering)}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "dns_flood.json").write_text(json.dumps(figures))
    print("dns flood:", figures)
    assert answered > 1000, figures
    # After the flood: a phone still gets its answer and its page at once.
    assert ask(bench, "captive.apple.com", "A", timeout=1.0).answer
    status, _, body = Phone(bench).request("GET", "/")
    assert status == 200 and b'name="title"' in body


# Host, path, what the OS needs to see to open its sheet (docs/captive-portal.md has the table).
PROBES = [
    ("connectivitycheck.gstatic.com", "/generate_204", "refresh"),  # Android
    ("connectivitycheck.android.com", "/generate_204", "refresh"),
    ("clients3.google.com", "/generate_204", "refresh"),  # Android, ChromeOS
    ("www.google.com", "/gen_204", "refresh"),
    ("www.gstatic.com", "/generate_204", "refresh"),  # ChromeOS
    ("captive.apple.com", "/hotspot-detect.html", "redirect"),  # iOS, macOS
    ("www.apple.com", "/library/test/success.html", "redirect"),
    ("www.msftconnecttest.com", "/connecttest.txt", "redirect"),  # Windows 10/11
    ("www.msftconnecttest.com", "/redirect", "redirect"),
    ("www.msftncsi.com", "/ncsi.txt", "redirect"),  # Windows 7/8
    ("detectportal.firefox.com", "/canonical.html", "redirect"),  # Firefox
    ("detectportal.firefox.com", "/success.txt", "redirect"),
    ("nmcheck.gnome.org", "/check_network_status.txt", "redirect"),  # NetworkManager (GNOME, Fedora)
    ("connectivity-check.ubuntu.com", "/", "redirect"),  # NetworkManager (Ubuntu)
    ("fedoraproject.org", "/static/hotspot.txt", "redirect"),
    ("ping.archlinux.org", "/nm-check.txt", "redirect"),
    ("example.org", "/some/page?q=1", "redirect"),  # any other site the phone wanted
]


@pytest.mark.parametrize("host,path,kind", PROBES)
def test_each_probe_opens_the_sheet_and_lands_on_the_portal(bench, host, path, kind):
    phone = Phone(bench, source="127.0.0.20")
    portal = "http://%s/" % phone.portal_host
    status, headers, body = phone.request("GET", path, host=host)
    assert headers["cache-control"] == "no-store"
    if kind == "refresh":  # not 204, so "captive"; a page that moves on by itself (Samsung)
        assert status == 200 and ('content="0;url=%s"' % portal).encode() in body
    else:
        assert status == 302 and headers["location"] == portal
    target = urllib.parse.urlsplit(portal)
    status, headers, body = phone.request("GET", target.path, host=target.netloc, headers={"Accept-Language": "hr"})
    assert status == 200 and b'<html lang="hr">' in body and b'name="title"' in body


def test_an_unknown_path_on_the_portal_leads_to_the_form(bench):
    status, headers, _ = Phone(bench).request("GET", "/wp-admin/index.php")
    assert status == 302 and headers["location"].endswith(":%d/" % bench.config["portal"]["port"])


def test_after_a_submission_only_that_iphone_sees_success_so_its_sheet_can_close(bench):
    iphone, other = Phone(bench, source="127.0.0.31"), Phone(bench, source="127.0.0.32")
    assert iphone.request("GET", "/hotspot-detect.html", host="captive.apple.com")[0] == 302
    body = urllib.parse.urlencode({"title": "Klupa", "body": "Više klupa u parku", "category": "other"})
    status, _, page = iphone.request("POST", "/proposals", body=body,
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and "Hvala!".encode() in page
    status, _, body = iphone.request("GET", "/hotspot-detect.html", host="captive.apple.com")
    assert status == 200 and b"<TITLE>Success</TITLE>" in body
    assert other.request("GET", "/hotspot-detect.html", host="captive.apple.com")[0] == 302
    # Android must not be told it is online: the bench gives no internet.
    assert iphone.request("GET", "/generate_204", host="connectivitycheck.gstatic.com")[0] == 200


def test_the_form_is_served_gzipped_with_an_etag_and_revalidates(bench):
    phone = Phone(bench)
    status, headers, body = phone.request("GET", "/", headers={"Accept-Encoding": "gzip", "Accept-Language": "sr-RS"})
    assert status == 200 and headers["content-encoding"] == "gzip" and headers["content-language"] == "sr-Cyrl"
    assert int(headers["content-length"]) == len(body) <= 8192
    assert "Accept-Language" in headers["vary"] and headers["cache-control"] == "no-cache"
    status, _, _ = phone.request("GET", "/", headers={"Accept-Encoding": "gzip", "Accept-Language": "sr-RS",
                                                      "If-None-Match": headers["etag"]})
    assert status == 304
    status, headers, body = phone.request("GET", "/?lang=en")
    assert status == 200 and "content-encoding" not in headers and b'<html lang="en">' in body


@pytest.mark.parametrize("path", ["/status", "/ideas"])
def test_status_and_ideas_pages_speak_the_citizens_language(bench, path):
    status, _, body = Phone(bench).request("GET", path + "?lang=sr-Cyrl")
    text = body.decode()
    assert status == 200 and '<html lang="sr-Cyrl">' in text
    assert ("Стање клупе" if path == "/status" else "Још нема вијести") in text
