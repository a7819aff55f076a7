"""The golden protocol vectors (tests/vectors/protocol_v1.json) and the edge agent: the bench-side
checks the firmware passes on MicroPython, run on the modules the agent imports under CPython; and
the hub's signed messages from the vectors, published on a real Mosquitto, taken in by a running
agent (digest stored, key rotated to the vectors' derived key), a forged one refused, and a reboot
command signed with the new key ends the process with 75 (systemd starts it again)."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from simulators.agent import AgentProcess, agent_flash
from simulators.bench import bench_config
from simulators.stack import free_port, mosquitto_binary, wait_for_port
from tests.support import wait_for

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors" / "protocol_v1.json"
SPEC = json.loads(VECTORS.read_text())


def test_the_agents_bench_core_reproduces_every_vector(tmp_path):
    code = ("from edge_agent.agent import use_firmware; use_firmware(); VECTORS = %r; exec(open(%r).read())"
            % (str(VECTORS), str(ROOT / "tests" / "firmware" / "mp_vector_checks.py")))
    # in a temporary directory: the firmware's downlink writes digest.json where it runs
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0 and result.stdout.strip().endswith("0 failed"), result.stdout + result.stderr
    assert "FAIL" not in result.stdout


@pytest.fixture
def broker(tmp_path):
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n" % port)
    proc = subprocess.Popen([mosquitto_binary(), "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, proc=proc, what="mosquitto")
    yield port
    proc.terminate()
    proc.wait(10)


def test_a_running_agent_takes_the_hubs_vector_messages_off_the_wire(tmp_path, broker):
    cfg = bench_config(SPEC["bench"], "Sarajevo", "127.0.0.1", broker, free_port(), key=SPEC["key"], key_id="k1")
    agent = AgentProcess(agent_flash(tmp_path / "flash", cfg)).start()
    try:
        agent.wait_ready()
        wait_for(lambda: agent.status()["uplink"], timeout=30)
        hub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="vector-hub")
        hub.connect("127.0.0.1", broker)
        hub.loop_start()
        vectors = {v["name"]: v for v in SPEC["vectors"]}
        for name in ("digest", "cmd-time", "cmd-rotate", "config", "ack"):
            hub.publish(vectors[name]["topic"], vectors[name]["payload"].encode(), qos=1).wait_for_publish(10)
        digest = json.loads(vectors["digest"]["body"])
        wait_for(lambda: (tmp_path / "flash" / "digest.json").exists(), timeout=20)
        assert json.loads((tmp_path / "flash" / "digest.json").read_text())["version"] == digest["version"]
        key = wait_for(lambda: (tmp_path / "flash" / "key.json").exists() and
                       json.loads((tmp_path / "flash" / "key.json").read_text()), timeout=20)
        assert key["key"] == vectors["cmd-rotate"]["derived_key"] and key["key_id"] == "k2"
        config = json.loads(vectors["config"]["body"])
        wait_for(lambda: agent.status()["config_version"] == config["version"], timeout=20)
        assert agent.status()["telemetry_s"] == config["settings"]["telemetry_s"]  # the hub's setting applied
        assert agent.status()["rejected"] == 0 and agent.status()["key_id"] == "k2"
        # The same digest with one byte changed: refused, counted, nothing stored.
        forged = bytearray(vectors["digest"]["payload"].encode())
        forged[-3] ^= 1
        hub.publish(vectors["digest"]["topic"], bytes(forged), qos=1).wait_for_publish(10)
        wait_for(lambda: agent.status()["rejected"] == 1, timeout=20)
        time.sleep(0.5)
        assert json.loads((tmp_path / "flash" / "digest.json").read_text())["version"] == digest["version"]
        # A reboot command signed with the rotated key: the agent stops with 75, for systemd to restart it.
        from hub_server import signing

        topic = vectors["cmd-rotate"]["topic"]
        n = json.loads(vectors["cmd-rotate"]["body"])["n"] + 1
        body = json.dumps({"n": n, "cmd": "reboot"}, separators=(",", ":")).encode()
        hub.publish(topic, signing.sign(topic=topic, body=body, key_id="k2", key=bytes.fromhex(key["key"])),
                    qos=1).wait_for_publish(10)
        assert agent.proc.wait(30) == 75
        hub.loop_stop()
        hub.disconnect()
    finally:
        agent.stop()
    assert not any("Traceback" in line for line in agent.lines), agent.lines
    assert any("restarting as the hub asked" in line for line in agent.lines)
