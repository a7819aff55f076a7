"""Releases that fail in the ways a fleet meets, on one bench on the real MicroPython interpreter:
a file that arrives corrupted (refused, then fetched again once repaired on the hub), one that boots
but never reaches the hub, and one that runs out of heap at import. The bench always ends on a
release that works."""
import json
import shutil

import pytest

from edge_agent.firmware_image import build_release
from simulators.rollout import BENCH_CONFIG, _wait, broken_release, firmware_of, keepalive_of
from tests.support import running_hub

pytestmark = [pytest.mark.micropython, pytest.mark.slow]


def add(stack, tree):
    return json.loads(stack.hub("release", "add", str(tree)))["seq"]


def test_a_corrupted_file_is_refused_and_fetched_again_once_repaired(tmp_path):
    with running_hub(tmp_path / "stack") as stack:
        stack.start_web()
        stack.start_release_worker(every=0.5)  # confirms a release sent outside a rollout
        config = {**BENCH_CONFIG, "updates": {"trial_s": 45, "retry_s": 3}}  # a retry in seconds, not 30
        bench = stack.add_bench("c1", "Bihać", supervise=True, keepalive=True, **config)
        _wait(lambda: bench.status().get("uplink"), 60)
        good = add(stack, build_release(tmp_path / "good", "0.7.0"))
        stored = stack.dir / "releases" / str(good) / "benchcore" / "keepalive.mpy"
        original = stored.read_bytes()
        stored.write_bytes(bytes(b ^ 0x55 for b in original))  # same size, wrong bytes
        stack.hub("release", "send", str(good), "c1")

        def failed_state():
            state = keepalive_of(bench)  # one read: the next attempt starts a few seconds later
            return state if state.get("update") == "failed" else None

        failed = _wait(failed_state, 120, 0.3)
        assert failed and "does not match its sha256" in failed["update_detail"]
        assert firmware_of(bench) == "0.1.0"  # nothing of it runs
        stored.write_bytes(original)  # repaired on the hub: the next attempt succeeds
        assert _wait(lambda: firmware_of(bench) == "0.7.0", 120), bench.lines[-30:]
        # the hub confirms it: kept, not sent back when its trial runs out
        kept = _wait(lambda: keepalive_of(bench).get("update") == "good" and keepalive_of(bench), 60)
        assert kept and kept["app_seq"] == good, bench.lines[-30:]
        assert bench.stuck is None
        shutil.rmtree(tmp_path / "good")


# Long (~90 s: a 45 s trial, three boots out of heap): `make bench`. The same paths run in make test
# in seconds: the trial's clock in test_trial_clock.py, an exception at import (MemoryError is one)
# becoming three counted failed boots and a rollback in test_rollout_system.py.
@pytest.mark.soak
def test_never_reaching_the_hub_and_running_out_of_heap(tmp_path):
    with running_hub(tmp_path / "stack") as stack:
        stack.start_web()
        bench = stack.add_bench("u1", "Bihać", supervise=True, keepalive=True, **BENCH_CONFIG)
        _wait(lambda: bench.status().get("uplink"), 60)

        no_hub = add(stack, broken_release(tmp_path / "no-hub", "0.5.0", "no_hub"))
        stack.hub("release", "send", str(no_hub), "u1")
        assert _wait(lambda: firmware_of(bench) == "0.5.0", 120), bench.lines[-30:]
        # it serves citizens and reaches the broker, but the hub never hears it, so never confirms it
        back = _wait(lambda: keepalive_of(bench).get("update") == "rolled_back" and keepalive_of(bench), 150)
        assert back and back["app_seq"] == 0 and "not confirmed within" in back["update_detail"], bench.lines[-30:]
        assert firmware_of(bench) == "0.1.0"

        hog = add(stack, broken_release(tmp_path / "heap", "0.6.0", "heap"))
        stack.hub("release", "send", str(hog), "u1")
        back = _wait(lambda: keepalive_of(bench).get("update_seq") == hog and
                     keepalive_of(bench).get("update") == "rolled_back" and keepalive_of(bench), 180)
        assert back and back["update_detail"] == "not confirmed after 3 boots", bench.lines[-30:]
        assert any("MemoryError" in line for line in bench.lines) and bench.stuck is None
