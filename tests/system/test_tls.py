"""The TLS listener: the hub's CA and server certificate, benches that verify them (issue 5)."""
import json
import socket
import ssl
import time

import paho.mqtt.client as mqtt
import pytest

from hub_server.broker import ensure_certificates
from simulators.bench import ESP32_HEAP
from simulators.stack import post_form
from tests.support import running_hub, wait_for

pytestmark = pytest.mark.micropython
IDEA = {"title": "Sjenica na trgu", "body": "Drveće uz klupu", "category": "environment",
        "name": "Amra", "contact": "amra@example.org", "consent": "on"}


# TLS does not fit beside the portal in the modelled ESP32 heap: its GC-heap share (SSLContext,
# SSLSocket, ssl module: 6.6 KB host bytes) leaves the portal's request peak without room, and
# submissions fail with MemoryError (docs/protocol.md, "Transport security"). These benches get the
# measured shortfall on top: 16 KB host bytes, 8 KB on the chip.
TLS_HEAP = str(int(ESP32_HEAP) + 16 * 1024)


def start_tls_bench(stack, bench_id, municipality, **kw):
    bench = stack.add_bench(bench_id, municipality, start=False, **kw)
    bench.heap = TLS_HEAP
    bench.start()
    bench.wait_ready()
    return bench


@pytest.fixture
def tls_stack(tmp_path):
    with running_hub(tmp_path / "stack", tls=True) as s:
        yield s


def test_certificates_are_made_once_kept_private_and_renewed_near_expiry(tmp_path):
    import datetime

    from cryptography import x509

    out = tmp_path / "broker"
    assert ensure_certificates(out, ["127.0.0.1", "broker.example"]) == {"ca": True, "server": True}
    assert (out / "ca.key").stat().st_mode & 0o777 == 0o600
    assert (out / "server.key").stat().st_mode & 0o777 == 0o600
    first = (out / "server.crt").read_bytes()
    assert ensure_certificates(out, ["127.0.0.1", "broker.example"]) == {"ca": False, "server": False}
    cert = x509.load_pem_x509_certificate(first)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {str(n) for n in san.get_values_for_type(x509.DNSName)} == {"broker.example"}
    # a new name, or a certificate within 30 days of its end: a new one from the same CA
    assert ensure_certificates(out, ["127.0.0.1", "other.example"]) == {"ca": False, "server": True}
    later = cert.not_valid_after_utc - datetime.timedelta(days=10)
    assert ensure_certificates(out, ["127.0.0.1", "other.example"], now=later) == {"ca": False, "server": True}


def test_a_bench_delivers_over_tls_end_to_end(tls_stack):
    bench = start_tls_bench(tls_stack, "tesanj-1", "Tešanj")
    assert bench.config["mqtt"]["port"] == tls_stack.tls_port
    status, page = post_form(bench.portal_url + "/proposals", IDEA)
    assert status == 200
    wait_for(lambda: len(tls_stack.proposals()) == 1)
    wait_for(lambda: bench.status()["outbox"] == 0)
    assert tls_stack.proposals()[0]["title"] == IDEA["title"]
    log = "\n".join(bench.lines)
    assert "uplink: TLS handshake in" in log and "(TLS)" in log


def test_a_broker_signed_by_another_ca_is_refused_and_nothing_is_lost(tls_stack, tmp_path):
    ensure_certificates(tmp_path / "foreign", ["127.0.0.1", "localhost"])
    foreign = (tmp_path / "foreign" / "ca.crt").read_text()
    bench = start_tls_bench(tls_stack, "konjic-1", "Konjic", tls_ca=foreign)
    status, _ = post_form(bench.portal_url + "/proposals", IDEA)
    assert status == 200
    wait_for(lambda: any("not correctly signed by the trusted CA" in line for line in bench.lines), timeout=20)
    assert not any("uplink: connected" in line for line in bench.lines)
    assert bench.status()["outbox"] == 1  # kept on flash, waiting for a broker it can trust
    assert tls_stack.proposals() == []
    # the right CA (a re-provisioned config), and the proposal goes
    bench.stop()
    cfg = bench.config
    cfg["mqtt"]["ca"] = tls_stack.ca_pem
    (bench.flash / "config.json").write_text(json.dumps(cfg))
    bench = tls_stack.restart_bench("konjic-1")
    wait_for(lambda: len(tls_stack.proposals()) == 1)


def _paho(stack, ca_path, port):
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"tls-test-{time.monotonic_ns()}")
    c.username_pw_set(*stack.hub_login("monitor"))
    c.tls_set(ca_certs=str(ca_path), tls_version=ssl.PROTOCOL_TLS_CLIENT)
    result = {}
    c.on_connect = lambda cl, ud, flags, rc, props: result.setdefault("rc", rc)
    c.connect("localhost", port)
    c.loop_start()
    wait_for(lambda: "rc" in result, timeout=10, interval=0.05)
    c.loop_stop()
    c.disconnect()
    return result["rc"]


def test_paho_with_the_hubs_ca_connects_and_plain_text_to_the_tls_port_fails(tls_stack):
    rc = _paho(tls_stack, tls_stack.dir / "broker" / "ca.crt", tls_stack.tls_port)
    assert not rc.is_failure
    # MQTT CONNECT in clear text to the TLS listener: no CONNACK, the broker drops the connection
    with socket.create_connection(("127.0.0.1", tls_stack.tls_port), timeout=5) as s:
        s.sendall(b"\x10\x0c\x00\x04MQTT\x04\x02\x00\x1e\x00\x00")
        try:
            reply = s.recv(100)
        except (ConnectionResetError, TimeoutError):
            reply = b""
    assert not reply.startswith(b"\x20")
    plain = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"plain-{time.monotonic_ns()}")
    plain.username_pw_set(*tls_stack.hub_login("monitor"))
    connected = []
    plain.on_connect = lambda cl, ud, flags, rc, props: connected.append(rc)
    plain.connect("127.0.0.1", tls_stack.tls_port)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and plain.loop(0.1) == mqtt.MQTT_ERR_SUCCESS:
        pass
    assert connected == [] and not plain.is_connected()
