"""The whole update path on real parts: the hub (web serving release files, ingest, rollout worker),
Mosquitto, and a bench on the real MicroPython interpreter supervised like a chip (`benchsim rollout`).

A good release reaches the bench although its download is cut by a power failure, a release that
crashes at import is rolled back by the bench itself and halts the rollout, a forged manifest is
refused, and the bench ends on the good release, never bricked."""
import pytest

from simulators.rollout import run_rollout

pytestmark = [pytest.mark.micropython, pytest.mark.slow]


def test_good_crashing_and_forged_releases_on_a_bench_with_power_cuts(tmp_path):
    result = run_rollout(tmp_path / "rollout", benches=1)
    print(result)
    assert result["bricked"] == 0
    assert result["good_updated"] == 1 and result["interrupted"] == 1 and result["interrupted_recovered"] == 1
    assert result["bad_rolled_back"] == 1 and result["rollout_halted"]
    assert result["forged_refused"] == 1
    assert result["versions"] == {"r1": "0.2.0"}
    # the crashing release really ran (and failed) before the bench went back: resets after its staging
    assert result["resets"]["r1"].count(5) >= 3, result["resets"]
