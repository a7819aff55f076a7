"""`make bench` keeps working: the collector in smoke mode writes every headline figure as a number,
each with the machine, the versions and the date. The figures themselves are never asserted."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from simulators.benchmarks.__main__ import FIGURES

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.micropython
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_benchmark_collector_in_smoke_mode_writes_every_figure(tmp_path):
    out = tmp_path / "results.json"
    run = subprocess.run([sys.executable, "-m", "simulators.benchmarks", "--smoke", "--out", str(out)], cwd=ROOT,
                         capture_output=True, text=True, timeout=880)
    assert out.exists(), run.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results["errors"] == {}, results["errors"]
    # the smoke sizes run on SQLite only (the PostgreSQL figures are make bench's, where a server answers)
    expected = {key for key in FIGURES if not key.endswith("_postgres")}
    assert expected <= set(results["figures"]), expected - set(results["figures"])
    for key in expected:
        figure = results["figures"][key]
        assert isinstance(figure["value"], (int, float)) and not isinstance(figure["value"], bool), (key, figure)
        assert figure["machine"]["cpus"] and figure["versions"]["micropython"] and figure["date"], key
    assert run.returncode == 0
    assert "e2e_latency_ms_p99" in run.stdout  # the table
