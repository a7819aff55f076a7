"""The trial of a new release on the real interpreter, in seconds instead of a system run's minutes
(tests/updates/test_bad_releases_system.py, soak, runs the same through the hub): the keepalive's
clock sends back a release the hub never confirms (one that boots but never reaches the hub), keeps
one the hub confirms while the bench is healthy, refuses a confirmation while it is not, and a
replayed confirmation is refused by the downlink's command numbers."""
import json
import os
import subprocess
from pathlib import Path

import pytest

from simulators.bench import ESP32_HEAP_KEEPALIVE, micropython_binary

pytestmark = pytest.mark.micropython
ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json
import bootslot
from time import ticks_add
from benchcore.downlink import Downlink
from benchcore.keepalive import KeepAlive
from benchcore.keyring import Keyring
from benchcore.state import BenchState

CFG = {"updates": {"trial_s": 45}, "watchdog": {"enabled": False}}

def boot_with_trial(seq):
    bootslot.save({"good": None, "trial": {"dir": "app/%d" % seq, "seq": seq, "version": "0.%d.0" % seq, "tries": 0},
                   "failed": None, "unhealthy": 0, "safe": False})
    bootslot.select(1)
    downlink = Downlink(BenchState(), Keyring(CFG))
    return downlink, KeepAlive(CFG, downlink, log=lambda line: None)

def after(k, seconds):
    return k.health_step(ticks_add(k._started, seconds * 1000))

out = {}
# 1. the hub never confirms (e.g. the release speaks a topic the hub does not read)
downlink, k = boot_with_trial(7)
k.start(lambda: True)  # the portal serves
out["before"] = after(k, 44)
out["at_45"] = after(k, 46)
out["failed"] = bootslot.journal["failed"]
bootslot.select(5)  # the reset health_step asked for
out["back_on"] = bootslot.running()
out["reported"] = dict(KeepAlive(CFG, downlink, log=lambda line: None).telemetry())

# 2. confirmed while healthy: kept past the trial's time
downlink, k = boot_with_trial(8)
k.start(lambda: True)
downlink.handle("cmd", {"n": 1, "cmd": "release_confirm", "seq": 8})
out["confirmed_at_45"] = after(k, 46)
out["good"] = bootslot.journal["good"]["seq"], bootslot.running()
try:
    downlink.handle("cmd", {"n": 1, "cmd": "release_confirm", "seq": 8})
    out["replay"] = "accepted"
except ValueError as exc:
    out["replay"] = str(exc)

# 3. a confirmation while the portal does not serve proves nothing: refused, then the clock runs out
downlink, k = boot_with_trial(9)
k.start(lambda: False)
downlink.handle("cmd", {"n": 2, "cmd": "release_confirm", "seq": 9})
out["unhealthy_trial"] = bootslot.journal["trial"]["seq"]
out["unhealthy_at_45"] = after(k, 46)
print(json.dumps(out))
"""


def test_the_trial_clock_sends_back_an_unconfirmed_release_and_keeps_a_confirmed_one(tmp_path):
    env = dict(os.environ, MICROPYPATH=os.pathsep.join([str(ROOT / "firmware"), ".frozen"]))
    result = subprocess.run([micropython_binary(), "-X", "heapsize=" + ESP32_HEAP_KEEPALIVE, "-c", SCRIPT],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["before"] is False and out["at_45"] is True
    assert out["failed"] == {"seq": 7, "version": "0.7.0", "reason": "not confirmed within 45 s"}
    assert out["back_on"] == [0, None, "factory"]
    assert (out["reported"]["update"], out["reported"]["update_seq"], out["reported"]["app_seq"]) == ("rolled_back", 7, 0)
    assert out["confirmed_at_45"] is False and out["good"] == [8, [8, "0.8.0", "good"]]
    assert "not new" in out["replay"]
    assert out["unhealthy_trial"] == 9 and out["unhealthy_at_45"] is True
