"""The watchdog on the real interpreter: a release whose task blocks the event loop is reset by the
(simulated, external) watchdog, each reset counts as a failed try, and the bench goes back; a bench
interrupted from its REPL stays unarmed afterwards, so a technician can work on it."""
import json

import pytest

from simulators.bench import WDT_RESET
from simulators.rollout import BENCH_CONFIG, _wait, broken_release, firmware_of, keepalive_of
from tests.support import running_hub

pytestmark = [pytest.mark.micropython, pytest.mark.slow]


def test_a_hung_release_is_reset_by_the_watchdog_and_rolled_back(tmp_path):
    with running_hub(tmp_path / "stack") as stack:
        stack.start_web()
        # a short watchdog: three resets of the hung release cost seconds, not half a minute
        config = {**BENCH_CONFIG, "watchdog": {"timeout_s": 4}}
        bench = stack.add_bench("w1", "Jajce", supervise=True, keepalive=True, **config)
        _wait(lambda: bench.status().get("uplink"), 60)
        seq = json.loads(stack.hub("release", "add", str(broken_release(tmp_path / "hang", "0.8.0", "hang"))))["seq"]
        stack.hub("release", "send", str(seq), "w1")
        back = _wait(lambda: keepalive_of(bench).get("update") == "rolled_back" and keepalive_of(bench), 240)
        assert back and back["update_seq"] == seq and back["app_seq"] == 0, bench.lines[-30:]
        assert bench.resets.count(WDT_RESET) == 3, bench.resets
        assert sum("watchdog not fed" in line for line in bench.lines) == 3
        assert firmware_of(bench) == "0.1.0" and bench.stuck is None

        bench.stop()  # SIGINT: what a technician's Ctrl-C does
        assert (bench.flash / "maintenance").exists()
        bench.start()
        _wait(lambda: any("not armed (maintenance)" in line for line in bench.lines), 60)
        assert not bench.wdt_path.exists()  # nothing armed: nothing will reset the technician's session
