"""The whole update path on real parts: the hub (web serving release files, ingest, rollout worker),
Mosquitto, and a bench on the real MicroPython interpreter supervised like a chip (`benchsim rollout`).

A good release reaches the bench although its download is cut by a power failure, a release that
crashes at import is rolled back by the bench itself and halts the rollout, a forged manifest is
refused, and the bench ends on the good release, never bricked. The fleet dashboard, read from the
hub's web server as a logged-in administrator, shows each step."""
import re
from html.parser import HTMLParser

import pytest

from simulators.rollout import run_rollout

pytestmark = [pytest.mark.micropython, pytest.mark.slow]


class UpdatesSection(HTMLParser):
    """The dashboard's updates section as a reader sees it: each bench's row (its cells' text) and
    each rollout's line."""

    def __init__(self, html):
        super().__init__()
        self.rows, self.rollouts = {}, []
        self._in, self._row, self._cell, self._item = None, None, None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id") in ("bench-updates", "rollouts"):
            self._in = a["id"]
        elif self._in == "bench-updates" and tag == "tr" and "data-bench" in a:
            self._row = self.rows.setdefault(a["data-bench"], [])
        elif self._row is not None and tag == "td":
            self._cell = ""
        elif self._in == "rollouts" and tag == "li":
            self._item = ""

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self._row.append(" ".join(self._cell.split()))
            self._cell = None
        elif tag == "tr":
            self._row = None
        elif tag == "li" and self._item is not None:
            self.rollouts.append(" ".join(self._item.split()))
            self._item = None
        elif tag in ("table", "ul"):
            self._in = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._item is not None:
            self._item += data


def test_good_crashing_and_forged_releases_on_a_bench_with_power_cuts(tmp_path):
    pages = {}
    result = run_rollout(tmp_path / "rollout", benches=1, dashboards=pages)
    print({k: v for k, v in result.items()})
    assert result["bricked"] == 0
    assert result["good_updated"] == 1 and result["interrupted"] == 1 and result["interrupted_recovered"] == 1
    assert result["good_rollout_done"]
    assert result["bad_rolled_back"] == 1 and result["rollout_halted"] and result["bad_reached"] == 1
    assert result["forged_refused"] == 1
    assert result["versions"] == {"r1": "0.2.0"}
    # the crashing release really ran (and failed) before the bench went back: resets after its staging
    assert result["resets"]["r1"].count(5) >= 3, result["resets"]

    # Bench, Running, Update state, Details, Safe mode, Last reset
    good = UpdatesSection(pages["good"])
    assert good.rows["r1"][1:3] == ["0.2.0 (#1)", "confirmed #1"], good.rows
    assert re.search(r"0\.2\.0 \(#1\) · Done · 1 of 1 benches updated \(100 %\)", good.rollouts[0]), good.rollouts

    halted = UpdatesSection(pages["halted"])
    assert halted.rows["r1"][1:4] == ["0.2.0 (#1)", "rolled back #2", "not confirmed after 3 boots"], halted.rows
    newest = halted.rollouts[0]
    assert newest.startswith("0.3.0 (#2) · Halted · 0 of 1 benches updated (0 %)") and "1 bench rolled back" in newest

    forged = UpdatesSection(pages["forged"])
    assert forged.rows["r1"][1:3] == ["0.2.0 (#1)", "refused #3"], forged.rows
    assert "bad signature" in forged.rows["r1"][3]
