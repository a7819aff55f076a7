"""`make bench` keeps working: the collector in smoke mode writes every headline figure as a number,
each with the machine, the versions and the date. The figures themselves are never asserted.

The collector mostly waits (benches reconnecting, resends, simulated hours): it starts with the
session, beside the other tests (@pytest.mark.background, tests/conftest.py), and is read at the end.
"""
import json
import sys
from pathlib import Path

import pytest

from simulators.benchmarks.__main__ import FIGURES

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "build" / "test-bench-smoke" / "results.json"  # not make bench's own results.json


def _start_collector():
    import os

    RESULTS.unlink(missing_ok=True)
    return [sys.executable, "-m", "simulators.benchmarks", "--smoke", "--out", str(RESULTS)], dict(os.environ), 900


@pytest.mark.micropython
@pytest.mark.slow
@pytest.mark.timeout(960)
@pytest.mark.background(start=_start_collector)
def test_the_benchmark_collector_in_smoke_mode_writes_every_figure(background):
    code, output = background
    assert RESULTS.exists(), output[-3000:]
    results = json.loads(RESULTS.read_text())
    assert results["errors"] == {}, results["errors"]
    # the smoke sizes run on SQLite only (the PostgreSQL figures are make bench's, where a server answers)
    expected = {key for key in FIGURES if not key.endswith("_postgres")}
    assert expected <= set(results["figures"]), expected - set(results["figures"])
    for key in expected:
        figure = results["figures"][key]
        assert isinstance(figure["value"], (int, float)) and not isinstance(figure["value"], bool), (key, figure)
        assert figure["machine"]["cpus"] and figure["versions"]["micropython"] and figure["date"], key
    assert code == 0, output[-3000:]
    assert "e2e_latency_ms_p99" in output  # the table
