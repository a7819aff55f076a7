"""The edge agent's hotspot in network namespaces: two phones on the bench's hotspot side (a
bridge standing in for hostapd's wlan0), the bench running `bench run` with its nftables rules,
and an "internet" host with a web server and a resolver. What a phone sees before it has passed
the portal, after it submitted an idea, when its session ends, and when it walks away; another
phone stays captive throughout. The uplink to the hub is down all along: the portal must not care."""
import json
import subprocess
import time

import pytest
from tests.support import wait_for

from simulators.netns import (DNS_A, HTTP_GET, PORTAL, POST_FORM, TCP_CONNECT, WAN_BENCH, WAN_HOST, Agent,
                               internet, unavailable)

pytestmark = [pytest.mark.netns, pytest.mark.skipif(unavailable() is not None, reason=str(unavailable()))]
SESSION_S = 20


@pytest.fixture(scope="module")
def net():
    with internet() as topology:
        yield topology


@pytest.fixture(scope="module")
def agent(net, tmp_path_factory):
    a = Agent(net, tmp_path_factory.mktemp("agent"), session_s=SESSION_S)
    yield a
    a.stop()
    assert "Traceback" not in a.text(), a.text()


def http(net, phone, host="example.org", path="/"):
    return net.python(net.phones[phone], HTTP_GET % (WAN_HOST, path, host))


def dns(net, phone, server=PORTAL, name="example.org"):
    """(address, ttl) of name's A record as server answers the phone; the bench is the phone's resolver."""
    out = net.python(net.phones[phone], DNS_A % (name, server)).split()
    return (out[0], int(out[1])) if len(out) == 2 else (out[0], None)


def captive(net, phone):
    """A phone is captive: the bench and any other resolver answer with the portal, its HTTP to the
    internet host lands on the portal, HTTPS fails at once."""
    return (dns(net, phone)[0] == PORTAL and dns(net, phone, WAN_HOST)[0] == PORTAL
            and http(net, phone).startswith("302 http://%s/" % PORTAL)
            and net.python(net.phones[phone], TCP_CONNECT % (WAN_HOST, 443)).startswith("ERR"))


def online(net, phone):
    """The internet host's page, and real answers from the bench's resolver (dnsmasq) and another."""
    return ("the internet host" in http(net, phone) and dns(net, phone)[0] == WAN_HOST
            and dns(net, phone, WAN_HOST)[0] == WAN_HOST)


def captive_api(net, phone):
    out = net.python(net.phones[phone], HTTP_GET % (PORTAL, "/api/captive", PORTAL))
    return json.loads(out.split(" ", 2)[2])


def test_before_the_portal_every_name_and_page_leads_to_the_portal(net, agent):
    assert captive(net, 0) and captive(net, 1)
    assert dns(net, 0) == (PORTAL, 0)  # kept by no phone: once let through, it resolves afresh
    # The Android probe gets the page that refreshes to the portal, the form itself is served.
    assert http(net, 0, "connectivitycheck.gstatic.com", "/generate_204").startswith("200")
    form = net.python(net.phones[0], HTTP_GET % (PORTAL, "/?lang=en", PORTAL))
    assert form.startswith("200") and "<form" in form
    assert captive_api(net, 0)["captive"] is True
    text = agent.text()
    assert "hostapd is not installed" in text and "the portal still serves" in text
    assert "clients on lan0 are captive" in text and "dnsmasq exited" not in text  # dnsmasq took our config
    # The wired side (the uplink's address, where a technician comes in) gets the portal itself.
    wired = net.python(net.inet, HTTP_GET % (WAN_BENCH, "/?lang=hr", WAN_BENCH))
    assert wired.startswith("200") and '<html lang="hr">' in wired
    conf = (agent.config.parent / "run" / "dnsmasq.conf").read_text()
    assert 'dhcp-option=114,"http://%s/api/captive"' % PORTAL in conf and "leasefile-ro" in conf


def test_an_idea_opens_the_internet_for_that_phone_only(net, agent):
    out = net.python(net.phones[0], POST_FORM % (PORTAL, "/proposals", {
        "title": "Klupa kod škole", "body": "Treba nam hlad.", "category": "environment", "lang": "bs"}, PORTAL))
    assert out.startswith("200") and 'class="code"' in out
    granted = time.monotonic()
    assert online(net, 0)
    api = captive_api(net, 0)
    assert api["captive"] is False and 0 < api["seconds-remaining"] <= SESSION_S
    assert captive(net, 1)  # the other phone has not passed the portal
    assert agent.status()["sessions"] == 1 and agent.status()["outbox"] == 1
    # Who had a session is held in memory only: the phone's MAC is in no file and no log line.
    mac = json.loads(subprocess.run(["ip", "-n", net.phones[0], "-j", "link", "show", "wlan"], capture_output=True,
                                    text=True, check=True).stdout)[0]["address"]
    kept = [p for p in agent.config.parent.rglob("*") if p.is_file() and mac.encode() in p.read_bytes().lower()]
    assert kept == [] and mac not in agent.text().lower()
    # When the session's time is up, the phone is captive again.
    wait_for(lambda: captive(net, 0), timeout=SESSION_S + 60, interval=1)
    assert time.monotonic() - granted >= SESSION_S - 1
    assert captive(net, 1)


def test_continue_to_the_internet_and_walking_away_ends_the_session(net, agent):
    page = net.python(net.phones[1], HTTP_GET % (PORTAL, "/internet?lang=en", PORTAL))
    assert page.startswith("200")
    out = net.python(net.phones[1], POST_FORM % (PORTAL, "/internet", {"lang": "en"}, PORTAL))
    assert out.startswith("200") and "You are online" in out
    assert online(net, 1) and captive(net, 0)
    # The phone leaves the hotspot: its session ends (the neighbour check fails), not only at expiry.
    subprocess.run(["ip", "-n", net.phones[1], "link", "set", "wlan", "down"], check=True)
    wait_for(lambda: agent.status()["sessions"] == 0, timeout=SESSION_S - 2, interval=1)
    subprocess.run(["ip", "-n", net.phones[1], "link", "set", "wlan", "up"], check=True)
    subprocess.run(["ip", "-n", net.phones[1], "route", "replace", "default", "via", PORTAL], check=True)
    assert captive(net, 1)


BROWSE = """
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"])  # a fresh profile each launch
    page = b.new_page(viewport={"width": 360, "height": 640}, locale="bs")
    page.goto("http://example.org/")
    print(page.url)
    page.goto(%r)
    page.click("button")
    print(page.inner_text("main").replace("\\n", " "))
    page.goto("http://example.org/")
    print(page.inner_text("body").replace("\\n", " "))
    b.close()
"""


@pytest.mark.browser
def test_in_chromium_a_phone_lands_on_the_portal_and_continues_to_the_internet(net, agent):
    out = net.python(net.phones[0], BROWSE % ("http://%s/internet?lang=bs" % PORTAL),
                     timeout=120).splitlines()
    assert out[0] == "http://%s/" % PORTAL, out  # the captive redirect, as a phone's sheet follows it
    assert "Povezani ste" in out[1], out
    # Chromium keeps answers of the system resolver for a minute whatever their TTL: the name it
    # resolved while captive may still lead to the portal, which then says it is online.
    assert "the internet host" in out[2] or "Povezani ste" in out[2], out


def test_no_nftables_means_no_internet_and_the_portal_still_serves(net, agent, tmp_path):
    agent.stop()
    # nft (and ip) live in /usr/sbin: without it on PATH the agent cannot set up its rules
    bare = Agent(net, tmp_path, env_path="/usr/bin:/bin")
    try:
        assert "nftables is not installed" in bare.text() and "dnsmasq is not installed" in bare.text()
        assert http(net, 0).startswith("ERR") and http(net, 1).startswith("ERR")  # nothing forwarded
        out = net.python(net.phones[0], POST_FORM % (PORTAL, "/internet", {"lang": "en"}, PORTAL))
        assert out.startswith("503") and "not available" in out
        assert bare.status()["internet_sharing"] is False
        form = net.python(net.phones[0], HTTP_GET % (PORTAL, "/", PORTAL))
        assert form.startswith("200") and "<form" in form
        assert net.python(net.bench, "print(open('/proc/sys/net/ipv4/ip_forward').read().strip())") == "0"
    finally:
        bare.stop()
