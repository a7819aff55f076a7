"""No message stops the hub: correctly signed messages with values out of every range, on SQLite and
PostgreSQL, against the real broker and the real `hub ingest` process; and no client can take the
ingest's or another bench's session."""
import json
import os
import time
import uuid

import paho.mqtt.client as mqtt
import pytest

from hub_server import signing
from simulators.stack import Stack
from tests.support import wait_for
from benchcore import contract

IDEA = {"title": "Klupa kod škole", "body": "Treba još jedna", "category": "other"}


def _postgres_url():
    psycopg = pytest.importorskip("psycopg")
    base = os.environ.get("DATABASE_URL", "")
    base = (base if base.startswith("postgres") else "postgres://postgres@127.0.0.1:5432/postgres").rsplit("/", 1)[0]
    try:
        psycopg.connect(base + "/postgres", connect_timeout=3, autocommit=True).close()
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL server at {base}: {str(exc).strip().splitlines()[0]}")
    return base, psycopg


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def hub(request, tmp_path, monkeypatch):
    dropper = None
    if request.param == "postgres":
        base, psycopg = _postgres_url()
        name = f"hub_ingest_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        monkeypatch.setenv("STACK_DATABASE_URL", f"{base}/{name}")

        def dropper():
            with psycopg.connect(base + "/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    with Stack(tmp_path / "stack") as stack:
        stack.migrate()
        stack.start_broker()
        stack.start_ingest()
        yield stack
    if dropper:
        dropper()


def _client(stack, user, password, client_id="any"):
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    c.username_pw_set(user, password)
    c.connect("127.0.0.1", stack.broker_port)
    c.loop_start()
    wait_for(c.is_connected, timeout=10, interval=0.05)
    return c


def _record(**over):
    fields = {"v": 1, "id": uuid.uuid4().hex[:16], "bench": "doboj-1", "receipt": "AAAA-BBBB", "title": "t",
              "body": "b", "category": "other", "consent": False, "created": None, "uptime": 5, "boot": 1, "n": 1}
    fields.update(over)
    return json.dumps(fields).encode()


def _signed(bench, leaf, body):
    topic = contract.TOPIC_ROOT + f"{bench.config['bench_id']}/{leaf}"
    return topic, signing.sign(topic=topic, body=body, key_id=bench.config["key_id"],
                               key=bytes.fromhex(bench.config["key"]))


META = b'\n{"boot":1,"up":9,"now":null}'
HOSTILE = [
    ("proposal", _record(boot=2 ** 31) + META),
    ("proposal", _record(n=2 ** 63) + META),
    ("proposal", _record(created=int(time.time()) + 400 * 86400) + META),
    ("proposal", _record().replace(b'"uptime": 5', b'"uptime": 1e400') + META),
    ("proposal", _record().replace(b'"uptime": 5', b'"uptime": ' + b"7" * 500) + META),
    ("proposal", _record().replace(b'"uptime": 5', b'"uptime": NaN') + META),
    ("proposal", _record(title={"a": [[[[]]]]}, body=["x"]) + META),
    ("proposal", _record() + b'\n{"boot":1,"up":' + b"[" * 5000 + b"]" * 5000 + b',"now":null}'),
    ("proposal", _record() + b"\n" + b"\xff\xfe"),
    ("status", b'{"state":"online","boot":' + str(2 ** 70).encode() + b',"n":1}'),
    ("status", b'{"state":["online"],"boot":1,"n":1}'),
    ("telemetry", b'{"boot":1,"n":2,"up":-5,"now":null}'),
    ("telemetry", b'{"boot":1,"n":3,"up":5,"now":null,"batt_v":1e308,"clients":"many"}'),
    ("telemetry", b'{"boot":2147483648,"n":1,"up":5,"now":null}'),
]


@pytest.mark.micropython
def test_signed_messages_out_of_range_are_refused_counted_and_ingest_goes_on(hub):
    bench = hub.add_bench("doboj-1", "Doboj", start=False)
    thief = _client(hub, bench.config["mqtt"]["user"], bench.config["mqtt"]["password"])
    for leaf, body in HOSTILE:
        thief.publish(*_signed(bench, leaf, body), qos=1).wait_for_publish(5)
    good = _record(n=7)
    thief.publish(*_signed(bench, "proposal", good + META), qos=1).wait_for_publish(5)
    wait_for(lambda: len(hub.proposals()) == 1, timeout=60)
    thief.loop_stop()
    thief.disconnect()
    assert hub.ingest.poll() is None, "hub ingest exited"
    log = (hub.dir / "ingest.log").read_text()
    rejected = [line for line in log.splitlines() if "rejected" in line]
    assert len(rejected) == len(HOSTILE)
    assert max(len(line) for line in rejected) < 400  # one bounded line each, whatever was sent
    assert "Traceback" not in log and "dead-lettered" not in log
    # the real bench, started now, still gets its idea through and acknowledged
    bench.start()
    bench.wait_ready()
    from simulators.stack import post_form

    assert post_form(bench.portal_url + "/proposals", IDEA)[0] == 200
    wait_for(lambda: len(hub.proposals()) == 2, timeout=60)
    wait_for(lambda: bench.status()["outbox"] == 0, timeout=60)


@pytest.mark.micropython
def test_a_stolen_bench_password_cannot_take_the_ingest_or_another_benchs_session(tmp_path):
    from tests.support import running_hub

    with running_hub(tmp_path / "stack") as stack:
        stack.start_downlink()
        victim = stack.add_bench("visoko-1", "Visoko")
        wait_for(lambda: victim.status()["uplink"], timeout=30)
        thief_bench = stack.add_bench("kakanj-1", "Kakanj", start=False)
        user, password = thief_bench.config["mqtt"]["user"], thief_bench.config["mqtt"]["password"]
        statuses = []
        monitor = _client(stack, *stack.hub_login("monitor"), client_id="whatever")
        monitor.on_message = lambda c, u, m: statuses.append(m.payload)
        monitor.subscribe(contract.TOPIC_ROOT + "visoko-1/status", 1)
        time.sleep(1)
        statuses.clear()  # the retained "online"
        # the thief asks for the ingest's, the downlink's and the victim's client ids in turn
        for client_id in ("hub-ingest", "hub-downlink", "bench-visoko-1", "visoko-1"):
            c = _client(stack, user, password, client_id=client_id)
            time.sleep(0.5)
            c.loop_stop()
            c.disconnect()
        time.sleep(2)
        # nobody was kicked: no Last Will ("offline") fired for the victim, the ingest still acks
        assert not any(b'"offline"' in p for p in statuses), statuses
        assert victim.status()["uplink"]
        from simulators.stack import post_form

        assert post_form(victim.portal_url + "/proposals", IDEA)[0] == 200
        wait_for(lambda: victim.status()["outbox"] == 0, timeout=60)
        assert not any("link lost" in line for line in victim.lines)
        broker_log = (stack.dir / "broker.log").read_text()
        assert "hub-ingest already connected" not in broker_log
        monitor.loop_stop()


@pytest.mark.micropython
def test_new_credentials_revoke_the_old_password_and_key_together(tmp_path):
    """Recovery from a copied bench: fresh random credentials (nothing derived from the old key),
    and the copy's password and key both stop working."""
    from tests.support import running_hub

    with running_hub(tmp_path / "stack") as stack:
        old = stack.add_bench("breza-1", "Breza", start=False).config
        new = json.loads(stack.hub("bench-add", "breza-1", "--municipality", "Breza"))
        stack.reload_broker()
        assert new["key_id"] == "k2" and new["key"] != old["key"] and new["mqtt_password"] != old["mqtt"]["password"]
        refused = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="x")
        refused.username_pw_set("breza-1", old["mqtt"]["password"])
        codes = []
        refused.on_connect = lambda c, u, f, rc, p: codes.append(rc)
        refused.connect("127.0.0.1", stack.broker_port)
        refused.loop_start()
        wait_for(lambda: codes, timeout=10, interval=0.05)
        refused.loop_stop()
        assert codes[0].is_failure  # the old password
        # with the new password but the old key: the hub refuses what the copy signs
        c = _client(stack, "breza-1", new["mqtt_password"])
        topic = contract.TOPIC_ROOT + "breza-1/proposal"
        body = _record(bench="breza-1") + META
        c.publish(topic, signing.sign(topic=topic, body=body, key_id=old["key_id"], key=bytes.fromhex(old["key"])),
                  qos=1).wait_for_publish(5)
        c.publish(topic, signing.sign(topic=topic, body=_record(bench="breza-1") + META, key_id=new["key_id"],
                                      key=bytes.fromhex(new["key"])), qos=1).wait_for_publish(5)
        wait_for(lambda: len(stack.proposals()) == 1, timeout=30)
        c.loop_stop()
        assert "unknown key 'k1'" in (stack.dir / "ingest.log").read_text()
