"""Nobody but a real bench puts an idea into the hub, nobody but the hub a command into a bench."""
import json
import subprocess
import sys
import time
import urllib.request

import paho.mqtt.client as mqtt
import pytest

from simulators.stack import post_form
from tests.support import wait_for
from benchcore import contract

pytestmark = pytest.mark.micropython
IDEA = {"title": "Rasvjeta u parku", "body": "Više svjetla kod klupe", "category": "infrastructure"}


def client(stack, user, password, on_message=None):
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"test-{user}-{time.monotonic_ns()}")
    c.username_pw_set(user, password)
    result = {}
    c.on_connect = lambda cl, ud, flags, rc, props: result.setdefault("rc", rc)
    if on_message:
        c.on_message = on_message
    c.connect("127.0.0.1", stack.broker_port)
    c.loop_start()
    wait_for(lambda: "rc" in result, timeout=10, interval=0.05)
    return c, result["rc"]


def hub_query(stack, code):
    """Run Django ORM code against the stack's database in a separate process; returns its JSON."""
    program = ("import django, json; django.setup()\n"
               "from hub_server.fleet.models import Bench, RejectedMessage, Delivery\n"
               "from hub_server.proposals.models import Proposal\n" + code)
    out = subprocess.run([sys.executable, "-c", program], env={**stack.hub_env(),
                         "DJANGO_SETTINGS_MODULE": "hub_server.settings"}, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def rejections(stack):
    return hub_query(stack, "print(json.dumps({f'{r.topic}: {r.reason}': r.count "
                            "for r in RejectedMessage.objects.all()}))")


def creds(bench):
    cfg = bench.config
    return cfg["mqtt"]["user"], cfg["mqtt"]["password"]


def test_a_wrong_password_is_refused(stack):
    bench = stack.add_bench("tuzla-1", "Tuzla", start=False)
    c, rc = client(stack, creds(bench)[0], "not-the-password")
    c.loop_stop()
    assert rc.is_failure


def test_a_bench_cannot_publish_or_read_on_another_benchs_topics(stack):
    a = stack.add_bench("zenica-1", "Zenica", start=False)
    stack.add_bench("mostar-1", "Mostar", start=False)
    seen = []
    spy, rc = client(stack, *creds(a), on_message=lambda c, u, m: seen.append(m.topic))
    assert not rc.is_failure
    spy.subscribe([(contract.TOPIC_ROOT + "mostar-1/config", 1), (contract.TOPIC_ROOT + "mostar-1/cmd", 1), (contract.TOPIC_ROOT + "+/proposal", 1)])
    hub, _ = client(stack, *stack.hub_login("cmd"))
    downlink, _ = client(stack, *stack.hub_login("downlink"))
    downlink.publish(contract.TOPIC_ROOT + "mostar-1/config", b"for mostar only", qos=1).wait_for_publish(5)
    hub.publish(contract.TOPIC_ROOT + "mostar-1/cmd", b"for mostar only", qos=1).wait_for_publish(5)
    # zenica-1's own credentials, a forged proposal on mostar-1's topic: the broker drops it
    spy.publish(contract.TOPIC_ROOT + "mostar-1/proposal", b"forged", qos=1).wait_for_publish(5)
    time.sleep(1.5)
    for c in (spy, hub, downlink):
        c.loop_stop()
    assert seen == []
    assert stack.proposals() == []
    assert "proposal: unknown bench" not in rejections(stack)  # it never reached the hub at all


def test_hostile_messages_are_rejected_counted_and_store_nothing(stack):
    bench = stack.add_bench("bihac-1", "Bihać")
    status, page = post_form(bench.portal_url + "/proposals", IDEA)
    assert status == 200
    wait_for(lambda: len(stack.proposals()) == 1)
    captured = []
    hub_spy, _ = client(stack, *stack.hub_login("monitor"), on_message=lambda c, u, m: captured.append(m.payload))
    hub_spy.subscribe(contract.TOPIC_ROOT + "bihac-1/telemetry", 0)
    # the bench's own credentials, as a thief who copied them would have
    thief, rc = client(stack, *creds(bench))
    assert not rc.is_failure
    topic = contract.TOPIC_ROOT + "bihac-1/proposal"
    record = json.dumps({"v": 1, "id": "ffffffffffffffff", "bench": "bihac-1", "receipt": "ZZZZ-ZZZZ",
                         "title": "forged", "body": "forged", "category": "other", "boot": 1, "n": 99}).encode()
    hostile = [
        record + b'\n{"boot":1,"up":1,"now":null}',  # unsigned
        record + b'\n{"boot":1,"up":1,"now":null}\nk1 ' + b"0" * 64,  # badly signed
        b"\x00\xff garbage \xfe" * 10,
        b"x" * 17000,  # larger than the hub accepts
        b'{"v": "one"}\nk1 ' + b"a" * 64,
    ]
    for payload in hostile:
        thief.publish(topic, payload, qos=1).wait_for_publish(5)
    flood = [thief.publish(topic, b"flood %d" % n, qos=1) for n in range(300)]
    flood[-1].wait_for_publish(30)
    # the thief's session took the bench's (one session per username): leave, and the bench is back
    thief.loop_stop()
    thief.disconnect()
    # a replay of a real, signed message the bench sent earlier
    bench_proc_log = "\n".join(bench.lines)
    assert "uplink: connected" in bench_proc_log
    status, page = post_form(bench.portal_url + "/proposals", dict(IDEA, title="Druga ideja"))
    assert status == 200
    wait_for(lambda: len(stack.proposals()) == 2, timeout=60)
    counts = rejections(stack)
    assert counts.get("proposal: unsigned") == 301  # the flood and the garbage: no signature line at all
    assert counts.get("proposal: malformed signature line") == 1  # the record sent without one
    assert counts.get("proposal: bad signature") == 2  # zeros, and JSON of wrong types with a made-up one
    assert counts.get("proposal: payload too large") == 1
    assert {p["title"] for p in stack.proposals()} == {IDEA["title"], "Druga ideja"}
    hub_spy.loop_stop()


def test_replayed_proposals_telemetry_and_commands_change_nothing(stack):
    bench = stack.add_bench("trebinje-1", "Trebinje", telemetry_s=2)
    proposals, telemetry, captured_cmd = [], [], []
    by_leaf = {"proposal": proposals, "telemetry": telemetry, "cmd": captured_cmd}
    # one monitor session: the broker gives each username one session (a second would take it over)
    spy, _ = client(stack, *stack.hub_login("monitor"),
                    on_message=lambda c, u, m: by_leaf[m.topic.rsplit("/", 1)[1]].append(m))
    spy.subscribe([(contract.TOPIC_ROOT + "trebinje-1/proposal", 1), (contract.TOPIC_ROOT + "trebinje-1/telemetry", 0),
                   (contract.TOPIC_ROOT + "trebinje-1/cmd", 1)])
    assert post_form(bench.portal_url + "/proposals", IDEA)[0] == 200
    wait_for(lambda: proposals and len(telemetry) >= 2)
    wait_for(lambda: bench.status()["outbox"] == 0)
    thief, _ = client(stack, *creds(bench))
    for message in (proposals[0], telemetry[0]):
        thief.publish(message.topic, message.payload, qos=1).wait_for_publish(5)
    thief.loop_stop()
    thief.disconnect()
    stack.hub("bench-cmd", "trebinje-1", "time")
    wait_for(lambda: captured_cmd)
    hub, _ = client(stack, *stack.hub_login("cmd"))
    hub.publish(contract.TOPIC_ROOT + "trebinje-1/cmd", captured_cmd[0].payload, qos=1).wait_for_publish(5)
    wait_for(lambda: any("not new (replay?)" in line for line in bench.lines))
    assert len(stack.proposals()) == 1
    copies = hub_query(stack, "print(json.dumps([d.copies for d in Delivery.objects.all()]))")
    assert copies == [2]  # the replay was recognised as the same proposal
    assert any(reason.startswith("telemetry: replayed telemetry") for reason in rejections(stack))
    for c in (spy, hub):
        c.loop_stop()


def test_a_key_rotation_loses_no_proposal_in_flight(stack):
    stack.stop_ingest()
    bench = stack.add_bench("livno-1", "Livno")
    for n in range(3):
        status, page = post_form(bench.portal_url + "/proposals", dict(IDEA, title=f"Ideja {n}"))
        assert status == 200
    stack.hub("bench-cmd", "livno-1", "rotate_key")
    wait_for(lambda: bench.status()["key_id"] == "k2")
    stack.start_ingest()
    wait_for(lambda: len(stack.proposals()) == 3, timeout=60)
    wait_for(lambda: bench.status()["outbox"] == 0)
    assert hub_query(stack, "print(json.dumps(Bench.objects.get(pk='livno-1').key_id))") == "k2"
    bench = stack.restart_bench("livno-1")  # the new key survives a reboot
    assert bench.status()["key_id"] == "k2"
    status, _ = post_form(bench.portal_url + "/proposals", dict(IDEA, title="Poslije rotacije"))
    wait_for(lambda: len(stack.proposals()) == 4, timeout=60)


def test_digest_and_config_reach_the_bench_signed_and_versioned(stack):
    stack.start_downlink()
    bench = stack.add_bench("gorazde-1", "Goražde")
    stack.hub("bench-config", "gorazde-1", '{"telemetry_s": 30}')
    wait_for(lambda: (bench.flash / "hub_config.json").exists())
    assert json.loads((bench.flash / "hub_config.json").read_text())["settings"] == {"telemetry_s": 30}
    assert post_form(bench.portal_url + "/proposals", dict(IDEA, title="Klupe uz Drinu"))[0] == 200
    wait_for(lambda: len(stack.proposals()) == 1)
    # a reviewer validates it and the municipality plans an action: the digest follows by itself
    hub_query(stack, "from django.contrib.auth import get_user_model\n"
                     "from hub_server.proposals import review_services as r\n"
                     "admin = get_user_model().objects.create_superuser('admin', password='x-12345678')\n"
                     "p = r.proposal_validate(proposal=Proposal.objects.get(), by=admin)\n"
                     "a = r.action_create(municipality='Goražde', title='Klupe', proposals=[p], by=admin)\n"
                     "r.action_update(action=a, by=admin, status='planned', note='', public_answer='Proljeće 2027.')\n"
                     "print('null')")
    wait_for(lambda: (bench.flash / "digest.json").exists()
             and json.loads((bench.flash / "digest.json").read_text())["items"])
    digest = json.loads((bench.flash / "digest.json").read_text())
    assert digest["municipality"] == "Goražde" and digest["items"][0]["status"] == "planned"
    with urllib.request.urlopen(bench.portal_url + "/ideas?lang=bs", timeout=5) as resp:
        page = resp.read().decode()
    assert "Klupe uz Drinu" in page and "Planirano" in page and "Proljeće 2027." in page
