"""Scaling out (docs/scaling.md): two ingest workers share the benches' messages through Mosquitto's
shared subscription (MQTT_INGEST_WORKERS=2, a setting: each worker its own broker user); one is
killed mid-stream and nothing is lost or stored twice. The hub's periodic jobs run in one process however many are started."""
import sys
import time

import pytest
from tests.support import wait_for

from simulators.fleet.citizens import Citizen, corpus
from simulators.stack import Stack


def _log(stack, name):
    path = stack.dir / f"{name}.log"
    return path.read_text(errors="replace") if path.exists() else ""


@pytest.mark.micropython
def test_two_shared_ingest_workers_lose_nothing_and_store_nothing_twice_when_one_is_killed(tmp_path, monkeypatch):
    monkeypatch.setenv("MQTT_INGEST_WORKERS", "2")
    ideas = corpus()["hr"]
    with Stack(tmp_path) as stack:
        stack.migrate()
        benches = [stack.add_bench(f"scale-{i}", "Mostar", start=False) for i in (1, 2)]
        stack.start_broker()
        workers = {f"ingest-{n}": stack._spawn(f"ingest-{n}", [sys.executable, "-m", "hub_server.cli", "ingest", "--worker", n])
                   for n in ("1", "2")}
        try:
            wait_for(lambda: all("listening for benches" in _log(stack, n) for n in workers), timeout=90)
            for b in benches:
                b.start()
            for b in benches:
                b.wait_ready(60)
            wait_for(lambda: all(b.status()["uplink"] for b in benches), timeout=60)
            receipts = []

            def submit(k):
                idea = dict(ideas[k % len(ideas)], title=f"{ideas[k % len(ideas)]['title'][:100]} #{k}")
                result = Citizen(benches[k % 2].portal_url, f"127.0.6.{k + 1}", timeout=30).visit("hr", idea)
                assert result["receipt"], result
                receipts.append(result["receipt"])

            k = 0
            # both workers take part before one dies: the broker shares the stream between them
            while not all("stored proposal" in _log(stack, n) for n in workers) and k < 60:
                submit(k)
                k += 1
                time.sleep(0.3)
            assert all("stored proposal" in _log(stack, n) for n in workers), "the broker did not share the messages"
            workers["ingest-1"].kill()
            workers["ingest-1"].wait()
            for _ in range(10):
                submit(k)
                k += 1
            # the survivor gets everything, including what the dead one held unacknowledged (benches resend)
            rows = wait_for(lambda: (lambda r: r if {x["receipt"] for x in r} >= set(receipts) else None)(stack.proposals()),
                            timeout=180)
            stored = [x["receipt"] for x in rows]
            assert sorted(stored) == sorted(set(stored)), "a proposal was stored twice"
            assert set(stored) == set(receipts)
            wait_for(lambda: all(b.status()["outbox"] == 0 for b in benches), timeout=60)
        finally:
            for proc in workers.values():
                if proc.poll() is None:
                    proc.terminate()
                    proc.wait(10)


def test_the_hubs_periodic_job_runs_in_one_process_and_a_standby_takes_over(tmp_path):
    with Stack(tmp_path) as stack:
        stack.migrate()
        argv = [sys.executable, "-m", "hub_server.cli", "fleet-check", "--every", "1"]
        first = stack._spawn("check-1", argv)
        wait_for(lambda: "offline alerts opened" in _log(stack, "check-1"), timeout=60)
        second = stack._spawn("check-2", argv)
        try:
            wait_for(lambda: "standing by" in _log(stack, "check-2"), timeout=60)
            time.sleep(2.5)
            assert "offline alerts opened" not in _log(stack, "check-2")  # only one runs the checks
            first.kill()
            first.wait()
            wait_for(lambda: "offline alerts opened" in _log(stack, "check-2"), timeout=30)
        finally:
            for proc in (first, second):
                if proc.poll() is None:
                    proc.terminate()
                    proc.wait(10)
