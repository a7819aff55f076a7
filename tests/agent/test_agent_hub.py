"""The edge agent with the unchanged hub: a real Mosquitto (the hub's own configuration, TLS
listener with the hub's CA) and the hub's ingest, the agent's uplink on paho-mqtt over TLS. What a
citizen submits arrives exactly once, also across a broker outage and a power cut (SIGKILL)."""
import pytest

from simulators.stack import post_form
from tests.support import running_hub, wait_for

IDEA = {"title": "Sjenica na trgu", "body": "Drveće uz klupu, „hlad“ ljeti", "category": "environment",
        "name": "Amra", "contact": "amra@example.org", "consent": "on"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running_hub(tmp_path_factory.mktemp("agent-hub") / "stack", tls=True) as s:
        s.agent = s.add_bench("agent-tls-1", "Mostar", runtime="cpython")
        yield s


def stored(stack):
    code = ("import json; from hub_server.proposals.models import Proposal; print(json.dumps(list("
            "Proposal.objects.values('receipt', 'title', 'body', 'name', 'contact'))))")
    import json

    return json.loads(stack.hub("manage", "shell", "-c", code).strip().splitlines()[-1])


def test_an_idea_reaches_the_unchanged_hub_over_tls(stack):
    agent = stack.agent
    wait_for(lambda: agent.status()["uplink"], timeout=30)
    assert any("(TLS) (paho-mqtt)" in line for line in agent.lines), agent.lines[-10:]
    status, page = post_form(agent.portal_url + "/proposals", IDEA)
    assert status == 200 and 'class="code"' in page
    rows = wait_for(lambda: [r for r in stored(stack) if r["title"] == IDEA["title"]], timeout=30)
    assert {k: rows[0][k] for k in ("title", "body", "name", "contact")} == {k: IDEA[k] for k in
                                                                              ("title", "body", "name", "contact")}
    assert rows[0]["receipt"] in page
    wait_for(lambda: agent.status()["outbox"] == 0 and agent.status()["acked"] == 1, timeout=30)
    # Its telemetry (signed, numbered) is taken by the hub's fleet health as the firmware's is.
    count = ("from hub_server.fleet_health.models import TelemetryReading; "
             "print(TelemetryReading.objects.filter(bench_id='agent-tls-1').count())")
    wait_for(lambda: int(stack.hub("manage", "shell", "-c", count).strip().splitlines()[-1]) > 0, timeout=30)


def test_ideas_kept_through_a_broker_outage_and_a_power_cut_arrive_once(stack):
    stack.stop_broker()
    wait_for(lambda: not stack.agent.status()["uplink"], timeout=60)
    titles = ["Rasvjeta u parku %d" % i for i in range(3)]
    for title in titles:
        status, _ = post_form(stack.agent.portal_url + "/proposals", {"title": title, "body": "x", "category": "other"})
        assert status == 200
    assert stack.agent.status()["outbox"] == 3
    stack.agent.kill()  # SIGKILL: no chance to flush anything
    stack.start_broker()
    agent = stack.restart_bench("agent-tls-1")
    assert agent.status()["outbox"] == 3  # what the outbox had on disk survived
    wait_for(lambda: agent.status()["outbox"] == 0, timeout=60)
    rows = stored(stack)
    assert sorted(r["title"] for r in rows if r["title"].startswith("Rasvjeta")) == titles
    assert len(rows) == len({r["receipt"] for r in rows}) == 4


def test_an_agent_stopped_on_purpose_tells_the_hub_it_is_offline(stack):
    online = ("from hub_server.fleet.models import Bench; "
              "print(Bench.objects.get(pk='agent-tls-1').online)")
    wait_for(lambda: stack.hub("manage", "shell", "-c", online).strip().endswith("True"), timeout=30)
    agent = stack.benches["agent-tls-1"]  # the one started after the power cut
    # SIGINT, as systemd's stop: a clean DISCONNECT suppresses the Last Will, so the agent says it
    assert agent.stop() == 0 and any("agent: stopped" in line for line in agent.lines)
    wait_for(lambda: stack.hub("manage", "shell", "-c", online).strip().endswith("False"), timeout=30)
