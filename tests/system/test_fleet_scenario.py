"""Scenario files and the citizens' corpus (no processes: the fleet itself runs in the demo and the bench smoke)."""
import random
import subprocess
import sys
from collections import Counter

import pytest

from simulators.fleet.citizens import LANGUAGES, corpus
from simulators.fleet.scenario import DEFAULT_SCENARIO, ScenarioError, load, municipalities, seconds


def test_the_default_scenario_places_one_bench_in_each_of_the_twelve_municipalities_within_bih():
    sc = load(DEFAULT_SCENARIO)
    places = municipalities()
    assert len(places) == 12 and len(sc.benches) == 12
    assert {b.municipality.key for b in sc.benches} == set(places)
    for b in sc.benches:
        assert 42.5 < b.lat < 45.3 and 15.7 < b.lon < 19.7, b  # Bosnia and Herzegovina's extent
        assert b.profile["battery"]["capacity_ah"] > 0
    assert {f.kind for f in sc.faults} == {"power_cut", "uplink_loss", "broker_restart", "hub_restart"}


def test_citizens_come_by_day_more_at_events_and_never_at_night():
    sc = load(DEFAULT_SCENARIO)
    arrivals = sc.arrivals(random.Random(1))
    hours = Counter(int((sc.start.hour * 3600 + t) % 86400 // 3600) for t, _ in arrivals)
    assert sum(hours[h] for h in range(0, 6)) == 0 and hours[17] > hours[8] > 0
    tuzla = sc.bench("tuzla-1")
    event = next(e for e in sc.events if e.municipality == "tuzla")
    # Tuesday 17:00 in Tuzla during the hearing vs Wednesday 17:00 (same weekday weight)
    assert sc.rate_per_hour(tuzla, event.at_s + 60) == pytest.approx(event.factor * sc.rate_per_hour(tuzla, event.at_s + 60 + 86400))


def test_the_corpus_has_enough_ideas_in_each_language_and_script():
    ideas = corpus()
    assert set(ideas) == set(LANGUAGES)
    for lang, items in ideas.items():
        assert len(items) >= 15, lang
        assert len({i["title"] for i in items}) == len(items)
        for i in items:
            assert 0 < len(i["title"]) <= 120 and 0 < len(i["body"]) <= 1000  # the portal's limits
            assert i["category"] in ("environment", "transport", "culture", "social", "infrastructure", "other")
    cyrillic = lambda s: any("\u0400" <= c <= "\u04ff" for c in s)  # noqa: E731
    assert all(cyrillic(i["title"]) for i in ideas["sr-Cyrl"])
    assert not any(cyrillic(i["title"] + i["body"]) for lang in ("bs", "hr", "sr-Latn", "en") for i in ideas[lang])


def test_a_mistake_in_a_scenario_is_reported_with_its_place(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(DEFAULT_SCENARIO.read_text().replace('municipality = "tuzla"\npopularity', 'municipality = "tuzlaa"\npopularity'))
    with pytest.raises(ScenarioError, match=r"benches\[3\]\.municipality: unknown 'tuzlaa'"):
        load(bad)
    with pytest.raises(ScenarioError, match="not a duration"):
        seconds("soon")
    assert seconds("1d2h30m") == 95400
    run = subprocess.run([sys.executable, "-m", "simulators.cli", "fleet", "--scenario", str(bad)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "tuzlaa" in run.stderr and "Traceback" not in run.stderr
