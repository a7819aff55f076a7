"""The hub's ingest under load, against a bare MQTT subscriber on the same broker in the same run.

ingest_ratio: light benches publish N signed proposals (QoS 1) as fast as the broker takes them;
a bare paho subscriber receives them, and the hub's ingest worker verifies, stores (commit) and acks
each. Rate = N / (last arrival - first publish) for both; ratio = ingest / bare; the median of three
such rounds on one stack.

telemetry_lag: B light benches each send telemetry once per simulated minute, `compress` simulated
minutes per real minute (QoS 0, as benches send it), through a few publisher connections; the lag
of each reading is the hub's `received` minus the moment it was published.
"""
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt

from simulators.benchmarks.lightbench import LightBench, contract, protocol
from simulators.fleet.report import percentile
from simulators.fleet.runner import wait_ingest
from simulators.stack import Stack


def _hub_stack(workdir: Path, prefix: str, benches: int, database_url=None) -> Stack:
    stack = Stack(workdir)
    if database_url:
        stack.database_url = database_url
    stack.migrate()
    subprocess.run([sys.executable, "-m", "simulators.benchmarks.lightbench", "register", prefix, str(benches)],
                   env=stack.hub_env(), check=True, capture_output=True, timeout=600)
    stack.start_broker()
    _add_load_user(stack)
    stack.start_ingest()
    wait_ingest(stack)
    return stack


LOAD_USER, LOAD_PASSWORD = "bench-load", "bench-load-only"


def _add_load_user(stack):
    """A benchmark-only broker user that may publish as any bench: the light benches share a few
    connections (10,000 MQTT connections from one Python process would measure Python, not the hub).
    Added to this run's broker files only; the hub's broker-config never writes it."""
    import signal

    from hub_server.broker import password_hash

    broker = stack.dir / "broker"
    with open(broker / "passwd", "a") as f:
        f.write(f"{LOAD_USER}:{password_hash(LOAD_PASSWORD)}\n")
    with open(broker / "acl", "a") as f:
        f.write(f"\nuser {LOAD_USER}\ntopic write {contract.TOPIC_ROOT}#\n")
    stack.broker.send_signal(signal.SIGHUP)
    time.sleep(0.5)


def _client(stack, name, on_message=None, topics=()):
    """topics: a reader (the hub's read-only monitor user); none: a light benches' publisher."""
    user, password = stack.hub_login("monitor") if topics else (LOAD_USER, LOAD_PASSWORD)
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=name if not topics else user)
    c.username_pw_set(user, password)
    c.max_inflight_messages_set(1000)
    c.max_queued_messages_set(0)
    if on_message:
        c.on_message = on_message
    subscribed = threading.Event()
    c.on_connect = lambda cl, *_: cl.subscribe([(t, 1) for t in topics]) if topics else subscribed.set()
    c.on_subscribe = lambda *_: subscribed.set()
    c.connect("127.0.0.1", stack.broker_port, keepalive=30)
    c.loop_start()
    if not subscribed.wait(15):
        raise TimeoutError(f"{name} did not connect/subscribe")
    return c


def ingest_ratio(workdir: Path, proposals=2000, benches=20, database_url=None, timeout=600, rounds=3) -> dict:
    """`rounds` rounds of `proposals` each on one stack, one after the other; the figure is the median
    round's ratio. One round's denominator swings 3,000-6,800 msg/s on two cores (the publisher is a
    paho client in this process), so a single round says little (docs/scaling.md)."""
    stack = _hub_stack(workdir, "ir-", benches, database_url)
    bare, acks = [], []
    try:
        def on_message(c, u, m):  # one reader (the broker lets the monitor user in once): bare and acks
            (acks if m.topic.endswith("/" + contract.ack) else bare).append(time.monotonic())

        b = _client(stack, "bare", on_message, [contract.topic("+", contract.proposal), contract.topic("+", contract.ack)])
        pub = _client(stack, "bench-load")
        fleet = [LightBench(f"ir-{i}") for i in range(benches)]
        measured = []
        for r in range(rounds):
            bare.clear()
            acks.clear()
            messages = [fleet[k % benches].proposal(f"Ideja {r}-{k}")[:2] for k in range(proposals)]
            t0 = time.monotonic()
            for topic, payload in messages:
                pub.publish(topic, payload, qos=1)
            deadline = time.monotonic() + timeout
            while (len(bare) < proposals or len(acks) < proposals) and time.monotonic() < deadline:
                time.sleep(0.05)
            bare_rate = len(bare) / (bare[-1] - t0) if bare else 0.0
            ingest_rate = len(acks) / (acks[-1] - t0) if acks else 0.0
            measured.append({"bare_received": len(bare), "acked": len(acks), "bare_per_s": round(bare_rate, 1),
                             "ingest_per_s": round(ingest_rate, 1),
                             "ratio": round(ingest_rate / bare_rate, 3) if bare_rate else None})
            time.sleep(0.5)  # the last acks' PUBACKs and the broker settle before the next round
        for c in (b, pub):
            c.loop_stop()
            c.disconnect()
        median = sorted(measured, key=lambda m: m["ratio"] or 0.0)[len(measured) // 2]
        stored = len(stack.proposals())
        return {"proposals": proposals, "benches": benches, "rounds": measured, "stored": stored,
                "expected_stored": proposals * rounds, **median,
                "database": "postgresql" if stack.database_url.startswith("postgres") else "sqlite"}
    finally:
        stack.stop()


def telemetry_lag(workdir: Path, benches=10000, minutes=3, compress=2.0, publishers=4, drain_s=120) -> dict:
    prefix = "tl-"
    stack = _hub_stack(workdir, prefix, benches)
    sent = {}
    try:
        clients = [_client(stack, "bench-load")]  # one connection: the broker takes the username as client id
        publishers = 1
        fleet = [LightBench(f"{prefix}{i}") for i in range(benches)]
        period = 60.0 / compress  # real seconds per simulated minute
        t0 = time.monotonic()
        for minute in range(minutes):
            for i, bench in enumerate(fleet):  # spread over the minute, as benches' clocks are
                due = t0 + minute * period + period * i / benches
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                topic, payload = bench.telemetry()
                sent[(bench.id, minute + 1)] = time.time()
                clients[i % publishers].publish(topic, payload, qos=0)
        published_s = time.monotonic() - t0
        rows = []
        deadline = time.monotonic() + drain_s
        while time.monotonic() < deadline:
            time.sleep(3.0)
            rows = _readings(stack, prefix)
            if len(rows) >= len(sent):
                break
        for c in clients:
            c.loop_stop()
            c.disconnect()
        lags = [received - sent[(bench_id, k)] for bench_id, k, received in rows if (bench_id, k) in sent]
        return {"benches": benches, "simulated_minutes": minutes, "compress": compress,
                "rate_per_s": round(len(sent) / published_s, 1), "sent": len(sent), "stored": len(lags),
                "lag_s_p50": _r(percentile(lags, 50)), "lag_s_p99": _r(percentile(lags, 99)),
                "lag_s_max": _r(max(lags, default=None))}
    finally:
        stack.stop()


def _readings(stack, prefix):
    out = subprocess.run([sys.executable, "-m", "simulators.benchmarks.lightbench", "readings", prefix],
                         env=stack.hub_env(), check=True, capture_output=True, text=True, timeout=300).stdout
    return [json.loads(line) for line in out.splitlines()]


def _r(x):
    return None if x is None else round(x, 3)
