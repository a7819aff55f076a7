"""Releases that fail in the ways a fleet meets, on one bench on the real MicroPython interpreter:
one that boots but never reaches the hub, one that runs out of heap at import, and a file that
arrives corrupted (then repaired on the hub). The bench always ends on a release that works."""
import json
import shutil

import pytest

from edge_agent.firmware_image import build_release
from simulators.rollout import BENCH_CONFIG, _wait, broken_release, firmware_of, keepalive_of
from tests.support import running_hub

pytestmark = [pytest.mark.micropython, pytest.mark.slow, pytest.mark.soak]  # make bench, not make test


def test_never_reaching_the_hub_running_out_of_heap_and_a_corrupted_file(tmp_path):
    with running_hub(tmp_path / "stack") as stack:
        stack.start_web()
        bench = stack.add_bench("u1", "Bihać", supervise=True, keepalive=True, **BENCH_CONFIG)
        _wait(lambda: bench.status().get("uplink"), 60)

        def add(tree):
            return json.loads(stack.hub("release", "add", str(tree)))["seq"]

        no_hub = add(broken_release(tmp_path / "no-hub", "0.5.0", "no_hub"))
        stack.hub("release", "send", str(no_hub), "u1")
        assert _wait(lambda: firmware_of(bench) == "0.5.0", 120), bench.lines[-30:]
        # it serves citizens and reaches the broker, but the hub never hears it, so never confirms it
        back = _wait(lambda: keepalive_of(bench).get("update") == "rolled_back" and keepalive_of(bench), 150)
        assert back and back["app_seq"] == 0 and "not confirmed within" in back["update_detail"], bench.lines[-30:]
        assert firmware_of(bench) == "0.1.0"

        hog = add(broken_release(tmp_path / "heap", "0.6.0", "heap"))
        stack.hub("release", "send", str(hog), "u1")
        back = _wait(lambda: keepalive_of(bench).get("update_seq") == hog and
                     keepalive_of(bench).get("update") == "rolled_back" and keepalive_of(bench), 180)
        assert back and back["update_detail"] == "not confirmed after 3 boots", bench.lines[-30:]
        assert any("MemoryError" in line for line in bench.lines) and bench.stuck is None

        good = add(build_release(tmp_path / "good", "0.7.0"))
        stored = stack.dir / "releases" / str(good) / "benchcore" / "keepalive.mpy"
        original = stored.read_bytes()
        stored.write_bytes(bytes(b ^ 0x55 for b in original))  # same size, wrong bytes
        stack.hub("release", "send", str(good), "u1")
        failed = _wait(lambda: keepalive_of(bench).get("update") == "failed" and keepalive_of(bench), 120)
        assert failed and "does not match its sha256" in failed["update_detail"]
        assert firmware_of(bench) == "0.1.0"  # nothing of it runs
        stored.write_bytes(original)  # repaired on the hub: the next attempt (30 s later) succeeds
        assert _wait(lambda: firmware_of(bench) == "0.7.0", 180), bench.lines[-30:]
        assert bench.stuck is None
        shutil.rmtree(tmp_path / "good")
