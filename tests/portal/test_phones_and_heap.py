"""Eight phones submitting at once on the real interpreter at the ESP32 heap, with sync running."""
import json
from pathlib import Path

import pytest
from tests.support import wait_for

from phones import IDEA, eight_phones

pytestmark = pytest.mark.micropython
ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts" / "portal"


def test_eight_phones_submit_at_once_and_every_idea_reaches_the_hub(stack):
    bench = stack.add_bench("heap-1", "Zenica")
    wait_for(lambda: bench.status()["uplink"], timeout=30)
    results = eight_phones(bench, rounds=2)
    assert len(results) == 16 and all(r["form"] == 200 and r["post"] == 200 and r["receipt"] for r in results), results
    rows = wait_for(lambda: (lambda r: r if len(r) == 16 else None)(stack.proposals()), timeout=90)
    assert {r["receipt"] for r in rows} == {r["receipt"] for r in results}
    assert {r["title"] for r in rows} == {r["title"] for r in results}
    assert all(r["body"] == IDEA["body"] for r in rows)  # stored exactly as typed, markup and all
    assert not any("MemoryError" in line for line in bench.lines), bench.lines[-20:]
    peak = max(bench.peak_heap, bench.status()["heap_peak"])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "heap_eight_phones.json").write_text(json.dumps({"peak_heap": peak, "heap": bench.heap}))
    print("eight phones: peak heap %d bytes of %s" % (peak, bench.heap))
