"""Fast-forward energy runner: the firmware's own PowerMonitor (INA219 driver, SoC estimator,
power policy) against the physics of twelve benches, one simulated month at a time.

Per bench and per step (60 s of simulated time):
  weather -> plane-of-array irradiance -> panel -> MPPT controller -> battery, with the loads the
  firmware's last decision switched on; the true volts and amps go into two INA219 register
  models on a VirtualI2C bus; the firmware reads them through its driver exactly as on the
  device and decides.  A deep sleep requested by the firmware is honoured (the plant runs on
  with the sleep load, the firmware is not called) and ends with a reboot: a new PowerMonitor
  that restores its state file, as after machine.deepsleep().  A low-voltage disconnect by the
  controller is a brown-out: the bench is dead until the controller reconnects, then it boots.
"""

import calendar
import json
import math
import os
import random
import shutil
import tempfile
import time

from benchcore.power.monitor import PowerMonitor
from benchcore.power.policy import AP_OFF, AP_FULL, AP_REDUCED, NORMAL, Actions, merged, \
    DEFAULTS as POLICY_DEFAULTS
from simulators.power import climate
from simulators.power.ina219_model import INA219Model
from simulators.power.plant import Plant, load_power
from simulators.power.solar import Weather, poa
from simulators.power.virtual_i2c import VirtualI2C

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_PROFILE = os.path.join(ROOT, "hardware", "profiles", "reference.json")
YEAR = 2025
AP_HOURS = (7, 22)


def load_profile(path=None):
    with open(path or DEFAULT_PROFILE) as f:
        return json.load(f)


def utc_offset_s(month):
    """Central European Time, summer time from the last Sunday of March to that of October."""
    return 7200 if 4 <= month <= 10 else 3600


class NaivePolicy:
    """The always-on baseline: hotspot at full power day and night, USB on, light dusk to dawn,
    never sleeps; only the charge controller's low-voltage disconnect protects the battery."""
    name = "naive"

    def __init__(self, cfg=None):
        self.cfg = merged(cfg, POLICY_DEFAULTS)
        self.mode = NORMAL
        self.act = Actions()

    def configure(self, cfg):
        self.cfg = merged(cfg, POLICY_DEFAULTS)

    def decide(self, soc, batt_mv, lvd_mv, solar_mw, dark, t_local, batt_ok=True):
        a = self.act
        before = a.key()
        a.mode, a.ap, a.usb, a.light, a.sleep_s = NORMAL, AP_FULL, True, dark, 0
        a.telemetry_s = 60
        a.changed = a.key() != before
        return a


def _usb_sessions(rng, month, days, start_local):
    """(start, end) local epoch seconds of phone-charging sessions, 45 min each, 08-20 h."""
    out = []
    n_day = climate.USB_SESSIONS_PER_DAY[month - 1]
    for d in range(days):
        for _ in range(n_day):
            s = start_local + d * 86400 + int(rng.uniform(8, 20) * 3600)
            out.append((s, s + 2700))
    return out


def run_bench(site_key, month, days, policy="firmware", profile=None, power_cfg=None, seed=1,
              step_s=60, start_soc=100.0, warm=False, trace=False, sunless_days=0):
    """Simulate one bench; returns a dict of figures (and traces when asked). sunless_days: the
    run's first N days without any bright sunshine (vendors' "20 days of autonomy" claims)."""
    profile = profile or load_profile()
    site = climate.SITES[site_key]
    pan = profile["panel"]
    sens = profile["sensors"]
    wseed = seed * 1000 + month * 37 + sorted(climate.SITES).index(site_key)
    rng = random.Random(wseed + 7)
    off = utc_offset_s(month)
    start_local = calendar.timegm((YEAR, month, 1, 0, 0, 0, 0, 0, 0))
    start = start_local - off
    end = start + days * 86400
    weather = Weather(site, month, days, start, wseed, sunless_days)
    plant = Plant(profile, soc=start_soc)
    sessions = _usb_sessions(rng, month, days, start_local)

    now = [0.0]
    clock = lambda: now[0]  # noqa: E731  ms since the start, for the chips' conversion timing
    tol = lambda: rng.uniform(-1, 1)  # noqa: E731
    chip_s = INA219Model(sens["solar"]["addr"], sens["solar"]["shunt_ohm"] * (1 + 0.01 * tol()),
                         clock, seed=wseed + 1, offset_uv=5 * tol(), gain_error=0.002 * tol())
    chip_b = INA219Model(sens["battery"]["addr"], sens["battery"]["shunt_ohm"] * (1 + 0.01 * tol()),
                         clock, seed=wseed + 2, offset_uv=5 * tol(), gain_error=0.002 * tol())
    bus = VirtualI2C(devices=[chip_s, chip_b])
    tmp = tempfile.mkdtemp(prefix="benchsim-power-")
    state_path = os.path.join(tmp, "power_state.json")
    if warm:
        with open(state_path, "w") as f:
            cap = float(profile["battery"]["capacity_ah"])
            json.dump({"cap": cap, "ah": cap * start_soc / 100.0, "valid": True, "t": None}, f)
    pol_cls = NaivePolicy if policy == "naive" else None

    def boot():
        pol = pol_cls((power_cfg or {}).get("policy")) if pol_cls else None
        return PowerMonitor(bus, profile, power_cfg, state_path, policy=pol)

    mon = None          # None: not running (never booted, asleep or browned out)
    act = None
    wake_at = start
    sess_i = 0
    active = []
    win_total = win_on = 0
    err_max = err_sum = 0.0
    err_n = 0
    soc_true_min = 100.0
    harvest_wh = load_wh = 0.0
    usb_want = usb_served = 0.0
    boots = 0
    tr = {"t": [], "soc_true": [], "soc_est": [], "solar_w": [], "mode": [], "ap": []} \
        if trace else None
    t = start
    while t < end:
        tl = t + off
        ghi, cz, az, e0, t_air = weather.at(t + step_s / 2)
        g = poa(ghi, cz, az, e0, pan["tilt_deg"], pan["azimuth_deg"])
        # -- the firmware runs (if the bench has power and is awake) ------------------------
        if plant.load_on and t >= wake_at:
            if mon is None:
                mon = boot()
                boots += 1
            now[0] = (t - start) * 1000.0
            chip_s.set_input(plant.v_pv, plant.i_pv)
            chip_b.set_input(plant.v_batt, plant.i_batt)
            act = mon.step(int(now[0]), int(tl))
            if mon.started:
                err = abs(mon.est.soc - plant.batt.soc)
                err_sum += err
                err_n += 1
                if err > err_max:
                    err_max = err
            if act.sleep_s:
                wake_at = t + act.sleep_s
                mon = None
        elif not plant.load_on:
            mon = None
            wake_at = t
        # -- loads for this step ------------------------------------------------------------
        while sess_i < len(sessions) and sessions[sess_i][0] <= tl:
            active.append(sessions[sess_i][1])
            sess_i += 1
        active = [e for e in active if e > tl]
        want = min(len(active), profile["loads"]["usb"]["ports"])
        asleep = mon is None
        if act is None or not plant.load_on:
            w = 0.0
            ap_on = False
            phones = 0
        else:
            if asleep:
                esp = "deep_sleep"
            else:
                esp = ("awake_no_ap", "ap_reduced", "ap_full")[act.ap]
            phones = want if act.usb else 0
            w = load_power(profile, esp, phones if act.usb else None, act.light,
                           ina_on=not asleep)
            ap_on = not asleep and act.ap != AP_OFF
        hour = (tl % 86400) // 3600
        if AP_HOURS[0] <= hour < AP_HOURS[1]:
            win_total += step_s
            if ap_on:
                win_on += step_s
            usb_want += want * step_s / 3600.0
            usb_served += phones * step_s / 3600.0
        harvest_wh += plant.step(step_s, g, t_air, w) * step_s / 3600.0
        load_wh += w * step_s / 3600.0
        soc_true_min = min(soc_true_min, plant.batt.soc)
        if tr is not None and (t - start) % 900 == 0:
            tr["t"].append((t - start) / 86400.0)
            tr["soc_true"].append(plant.batt.soc)
            tr["soc_est"].append(mon.est.soc if mon and mon.started else float("nan"))
            tr["solar_w"].append(g * pan["peak_w"] / 1000.0)
            tr["mode"].append(-1 if not plant.load_on else (act.mode if act else 0))
            tr["ap"].append(1 if ap_on else 0)
        t += step_s
    shutil.rmtree(tmp, ignore_errors=True)
    out = {
        "site": site_key,
        "policy": policy,
        "availability": win_on / win_total if win_total else 1.0,
        "brownouts": plant.brownouts,
        "soc_error_max": err_max,
        "soc_error_mean": err_sum / err_n if err_n else 0.0,
        "soc_true_min": soc_true_min,
        "soc_true_end": plant.batt.soc,
        "harvest_wh_per_day": harvest_wh / days,
        "load_wh_per_day": load_wh / days,
        "usb_served": usb_served / usb_want if usb_want else 1.0,
        "boots": boots,
        "sunshine_frac_mean": sum(weather.frac) / days,
    }
    if tr is not None:
        out["trace"] = tr
    return out


def _run_one(args):
    return run_bench(*args[0], **args[1])


def run_fleet(month, days, policies=("firmware", "naive"), sites=None, profile=None,
              power_cfg=None, seed=1, step_s=60, start_soc=100.0, warm=False, workers=None,
              trace=False, sunless_days=0):
    """Run every (site, policy); returns {policy: summary} with per-bench rows."""
    sites = list(sites or climate.SITES)
    profile = profile or load_profile()
    jobs = [((s, month, days, p), {"profile": profile, "power_cfg": power_cfg, "seed": seed,
                                   "step_s": step_s, "start_soc": start_soc, "warm": warm,
                                   "trace": trace, "sunless_days": sunless_days})
            for p in policies for s in sites]
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    t0 = time.time()
    if workers > 1:
        import multiprocessing
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            rows = pool.map(_run_one, jobs, chunksize=1)
    else:
        rows = [_run_one(j) for j in jobs]
    out = {"month": month, "days": days, "benches": len(sites), "step_s": step_s,
           "start_soc": start_soc, "profile": profile.get("name"),
           "elapsed_s": round(time.time() - t0, 1)}
    for p in policies:
        mine = [r for r in rows if r["policy"] == p]
        out[p] = {
            "availability_min": round(min(r["availability"] for r in mine), 4),
            "brownouts": sum(r["brownouts"] for r in mine),
            "soc_error_max": round(max(r["soc_error_max"] for r in mine), 2),
            "benches": [{k: (round(v, 3) if isinstance(v, float) else v)
                         for k, v in r.items()} for r in mine],
        }
    first = out[policies[0]]
    out["availability_min"] = first["availability_min"]
    out["brownouts"] = first["brownouts"]
    out["soc_error_max"] = first["soc_error_max"]
    return out
