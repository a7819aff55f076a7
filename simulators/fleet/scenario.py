"""Scenario files (TOML): the fleet's benches, citizens, weather and faults; see scenarios/default.toml.

    scenario = load("simulators/scenarios/default.toml")
    scenario.benches[0].municipality.name      # "Sarajevo Centar"
    scenario.arrivals(rng)                     # [(sim seconds from start, bench id), ...] sorted

Every mistake in a file is reported with its place ("benches[3].municipality: unknown 'tuzlaa'")
before anything starts.
"""
import json
import math
import random
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
DEFAULT_SCENARIO = SCENARIOS / "default.toml"
MUNICIPALITIES_FILE = SCENARIOS / "municipalities.toml"
PROFILES = Path(__file__).resolve().parents[2] / "hardware" / "profiles"
FAULT_KINDS = ("power_cut", "uplink_loss", "broker_restart", "hub_restart")
_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)d)?(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$")


class ScenarioError(ValueError):
    pass


def seconds(text, where="duration") -> float:
    """'1d2h30m', '40m', '90s', '2.5h' -> seconds."""
    match = _DURATION.match(str(text).strip()) if text not in ("", None) else None
    if not match or not any(match.groups()):
        raise ScenarioError(f"{where}: {text!r} is not a duration like '1d2h', '40m' or '90s'")
    d, h, m, s = (float(g or 0) for g in match.groups())
    return d * 86400 + h * 3600 + m * 60 + s


def municipalities() -> dict:
    with open(MUNICIPALITIES_FILE, "rb") as f:
        return tomllib.load(f)


@dataclass
class Municipality:
    key: str
    name: str
    lat: float
    lon: float
    languages: dict


@dataclass
class Bench:
    id: str
    municipality: Municipality
    profile: dict
    popularity: float = 1.0
    start_soc: float = 80.0
    lat: float = 0.0
    lon: float = 0.0


@dataclass
class Fault:
    kind: str
    at_s: float
    for_s: float
    bench: str | None = None


@dataclass
class Event:
    name: str
    municipality: str
    at_s: float
    hours: float
    factor: float


@dataclass
class Scenario:
    name: str
    path: Path
    start: datetime
    duration_s: float
    speed: float
    seed: int
    benches: list
    citizens: dict
    events: list = field(default_factory=list)
    weather: dict = field(default_factory=dict)
    faults: list = field(default_factory=list)

    @property
    def start_epoch(self) -> float:
        return self.start.timestamp()

    def bench(self, bench_id) -> Bench:
        return next(b for b in self.benches if b.id == bench_id)

    # -- citizens -------------------------------------------------------------
    def rate_per_hour(self, bench: Bench, t_s: float) -> float:
        """Expected ideas per simulated hour at this bench, t_s seconds after the start."""
        local = self.start + timedelta(seconds=t_s)
        c = self.citizens
        hourly = c["hourly"]
        per_day = c["ideas_per_day"] * bench.popularity * c["weekday"][local.weekday()]
        rate = per_day * hourly[local.hour] / sum(hourly)
        for ev in self.events:
            if ev.municipality == bench.municipality.key and ev.at_s <= t_s < ev.at_s + ev.hours * 3600:
                rate *= ev.factor
        return rate

    def arrivals(self, rng: random.Random, until_s: float | None = None) -> list:
        """Citizens' submissions as (sim seconds, bench id), a Poisson process per bench and hour."""
        until_s = self.duration_s if until_s is None else until_s
        out = []
        for bench in self.benches:
            t = 0.0
            while t < until_s:
                hour_end = min(until_s, (math.floor(t / 3600) + 1) * 3600)
                rate = self.rate_per_hour(bench, t) / 3600.0
                for _ in range(_poisson(rng, rate * (hour_end - t))):
                    out.append((rng.uniform(t, hour_end), bench.id))
                t = hour_end
        return sorted(out)

    def peak_ideas_per_day(self) -> tuple:
        """(bench id, ideas) of the busiest bench on its busiest day of the scenario."""
        best = (None, 0.0)
        for bench in self.benches:
            for day in range(max(1, math.ceil(self.duration_s / 86400))):
                total = sum(self.rate_per_hour(bench, day * 86400 + h * 3600) for h in range(24))
                if total > best[1]:
                    best = (bench.id, total)
        return best

    # -- weather --------------------------------------------------------------
    def sun(self, bench: Bench, day: int) -> float:
        """The bench's sun on day `day`, as simulators/power/live.py takes it: the fraction of the panel's
        peak at noon of a 10-hour sine day that gives the day's harvest."""
        for o in self.weather.get("overrides", ()):
            if bench.municipality.key in o["municipalities"] and o["from_day"] <= day < o["from_day"] + o["days"]:
                return float(o["sun"])
        days = self._harvest(bench)
        pan = bench.profile["panel"]
        full_sine_day_wh = pan["peak_w"] * bench.profile["controller"]["efficiency"] * 10 * 2 / math.pi
        return round(days[min(day, len(days) - 1)] / full_sine_day_wh, 3)

    def _harvest(self, bench) -> list:
        """Wh per day at the controller output from the energy model's weather and panel physics."""
        cache = self.__dict__.setdefault("_harvest_cache", {})
        if bench.id not in cache:
            from simulators.power import climate
            from simulators.power.plant import Panel
            from simulators.power.solar import Weather, poa

            key = bench.municipality.key
            n = max(1, math.ceil(self.duration_s / 86400))
            start = int(self.start_epoch) - int(self.start_epoch) % 86400
            weather = Weather(climate.SITES[key], self.weather.get("month", self.start.month), n, start,
                              self.seed * 1000 + sorted(climate.SITES).index(key))
            pan = bench.profile["panel"]
            panel = Panel(pan)
            out = []
            for d in range(n):
                wh = 0.0
                for t in range(start + d * 86400, start + (d + 1) * 86400, 900):
                    ghi, cz, az, e0, ta = weather.at(t + 450)
                    wh += panel.mpp(poa(ghi, cz, az, e0, pan["tilt_deg"], pan["azimuth_deg"]), ta)[0] / 4
                out.append(wh * bench.profile["controller"]["efficiency"])
            cache[bench.id] = out
        return cache[bench.id]


def _poisson(rng, lam):
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _profile(name, where):
    path = PROFILES / f"{name}.json"
    if not path.exists():
        raise ScenarioError(f"{where}: no hardware profile {name!r} in {PROFILES}")
    return json.loads(path.read_text())


def load(path) -> Scenario:
    path = Path(path)
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    places = municipalities()
    head = raw.get("scenario", {})
    start = head.get("start")
    if not isinstance(start, datetime) or start.tzinfo is None:
        raise ScenarioError(f"{path}: scenario.start must be a date and time with its offset, e.g. 2026-12-07T07:00:00+01:00")
    profile_name = raw.get("hardware", {}).get("profile", "reference")
    benches = []
    for i, b in enumerate(raw.get("benches", [])):
        where = f"benches[{i}]"
        key = b.get("municipality")
        if key not in places:
            raise ScenarioError(f"{where}.municipality: unknown {key!r} (one of {', '.join(places)})")
        p = places[key]
        muni = Municipality(key, p["name"], p["lat"], p["lon"], p.get("languages", {"bs": 1}))
        if not b.get("id") or any(x.id == b["id"] for x in benches):
            raise ScenarioError(f"{where}.id: missing or repeated")
        benches.append(Bench(b["id"], muni, _profile(b.get("profile", profile_name), where),
                             float(b.get("popularity", 1.0)), float(b.get("start_soc", 80)),
                             float(b.get("lat", p["lat"])), float(b.get("lon", p["lon"]))))
    if not benches:
        raise ScenarioError(f"{path}: no [[benches]]")
    ids = {b.id for b in benches}
    citizens = {"ideas_per_day": 10, "hourly": [1] * 24, "weekday": [1] * 7, "contact_share": 0.1,
                **raw.get("citizens", {})}
    if len(citizens["hourly"]) != 24 or len(citizens["weekday"]) != 7 or sum(citizens["hourly"]) <= 0:
        raise ScenarioError(f"{path}: citizens.hourly needs 24 weights (not all 0), citizens.weekday 7")
    events = [Event(e["name"], e["municipality"], seconds(e["at"], f"events[{i}].at"), float(e.get("hours", 1)),
                    float(e.get("factor", 2))) for i, e in enumerate(raw.get("events", []))]
    for i, e in enumerate(events):
        if e.municipality not in places:
            raise ScenarioError(f"events[{i}].municipality: unknown {e.municipality!r}")
    faults = []
    for i, f in enumerate(raw.get("faults", [])):
        where = f"faults[{i}]"
        if f.get("kind") not in FAULT_KINDS:
            raise ScenarioError(f"{where}.kind: {f.get('kind')!r} is not one of {', '.join(FAULT_KINDS)}")
        if f["kind"] in ("power_cut", "uplink_loss") and f.get("bench") not in ids:
            raise ScenarioError(f"{where}.bench: {f.get('bench')!r} is not a bench of this scenario")
        faults.append(Fault(f["kind"], seconds(f["at"], where + ".at"), seconds(f.get("for", "1m"), where + ".for"),
                            f.get("bench")))
    weather = dict(raw.get("weather", {}))
    for i, o in enumerate(weather.get("overrides", [])):
        unknown = [m for m in o.get("municipalities", []) if m not in places]
        if unknown or not 0 <= float(o.get("sun", -1)) <= 1:
            raise ScenarioError(f"weather.overrides[{i}]: unknown municipalities {unknown} or sun not within 0..1")
    return Scenario(head.get("name", path.stem), path, start.astimezone(timezone.utc).astimezone(start.tzinfo),
                    seconds(head.get("duration", "1d"), "scenario.duration"), float(head.get("speed", 60)),
                    int(head.get("seed", 1)), benches, citizens, events, weather, sorted(faults, key=lambda f: f.at_s))
