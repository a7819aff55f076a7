"""The bench's power loop: two INA219s, the SoC estimator and the power policy, with fault handling.

Entry point for the app:

    from benchcore.power.monitor import PowerMonitor
    pm = PowerMonitor(i2c, profile, power_cfg=cfg.get("power"), state_path="power_state.json")
    act = pm.step(time.ticks_ms(), t_local)   # every power_cfg["sample_ms"] (2 s)
    # t_local: local wall-clock seconds (time.time() + UTC offset) or None while the clock is unset
    if act.changed: apply act.ap / act.txpower_dbm / act.max_clients / act.usb / act.light
    if act.sleep_s: machine.deepsleep(act.sleep_s * 1000)   # state already saved, INA219s off
    pm.telemetry()        # dict for the telemetry message, every act.telemetry_s
    pm.configure(cfg)     # new thresholds from the hub's config; also pm.apply_outputs(pins)

`profile` is hardware/profiles/<board>.json as a dict; `power_cfg` is the `power` section of the
bench config.json (every key optional, DEFAULTS below and in policy.py / soc.py):

    {"sample_ms": 2000, "persist_s": 900,
     "soc": {...soc.DEFAULTS},  "policy": {...policy.DEFAULTS},
     "assumed_load_ma": [130, 45, 35, 1],   # per mode, counted while the battery sensor is out
     "batt_mv": [9000, 16000],              # plausible battery voltage
     "spike_mv": 1500, "spike_confirm": 3,  # a jump larger than this needs 3 samples to count
     "solar_neg_ma": 100}                   # more reverse solar current than this is absurd

Bad input: a NACK, a stuck bus or an absent chip (OSError), an overflow, an implausible value
(negative solar, voltage spikes, out-of-range voltage) all mark the sensor faulty for that sample.
With the battery sensor out the SoC runs on an assumed, pessimistic load (no harvest counted) and
the policy caps the bench at saver; with the solar sensor out, solar W is reported as null.
The driver re-initialises the chip on the next sample, so service resumes when the sensor does.
"""

import json

try:
    from time import ticks_diff
except ImportError:  # CPython
    def ticks_diff(a, b):
        return a - b

from benchcore.power.ina219 import INA219, FAULT_NAMES
from benchcore.power.soc import SocEstimator
from benchcore.power.policy import PowerPolicy, MODE_NAMES, SLEEP

DEFAULTS = {
    "sample_ms": 2000,
    "persist_s": 900,
    "assumed_load_ma": [130, 45, 35, 1],
    "batt_mv": [9000, 16000],
    "spike_mv": 1500,
    "spike_confirm": 3,
    "solar_neg_ma": 100,
}

_IMPLAUSIBLE = "implausible"
_COLD_WAIT = 15


def _get(cfg, key):
    if cfg and key in cfg:
        return cfg[key]
    return DEFAULTS[key]


def make_sensor(i2c, spec):
    return INA219(i2c, spec["addr"], spec["shunt_ohm"], spec["max_current_a"],
                  spec.get("bus_max_v", 32))


class PowerMonitor:
    def __init__(self, i2c, profile, power_cfg=None, state_path="power_state.json", policy=None):
        self.profile = profile
        self.cfg = power_cfg or {}
        sens = profile["sensors"]
        self.solar = make_sensor(i2c, sens["solar"])
        self.batt = make_sensor(i2c, sens["battery"])
        self.lvd_mv = int(profile["lvd"]["disconnect_v"] * 1000)
        self.est = SocEstimator(profile["battery"], self.cfg.get("soc"))
        self.policy = policy or PowerPolicy(self.cfg.get("policy"))
        self.state_path = state_path
        self._last_ms = None
        self._saved_t = None
        self._last_save_ms = 0
        self.batt_mv = None
        self.batt_ma = 0
        self.solar_mw = None
        self.solar_ok = False
        self.batt_ok = False
        self._good_mv = None
        self._spikes = 0
        self.dark = False
        self.day = None
        self.wh_in = 0.0      # harvested at the panel today
        self.wh_out = 0.0     # drawn from the battery today
        self.wh_chg = 0.0     # put into the battery today
        self.boots = 0
        self.faults = {"solar": "init", "battery": "init"}
        self.act = None
        self.started = False
        self._cold_tries = 0
        self._state = self._load()

    # -- persistence -------------------------------------------------------------------------
    def _load(self):
        try:
            with open(self.state_path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def save(self, t_local=None):
        st = self.est.state()
        st["t"] = t_local
        st["day"] = self.day
        st["wh"] = [round(self.wh_in, 2), round(self.wh_out, 2), round(self.wh_chg, 2)]
        st["mode"] = self.policy.mode
        st["boots"] = self.boots
        tmp = self.state_path + ".tmp"
        try:
            with open(tmp, "w") as f:
                json.dump(st, f)
            try:
                import os
                os.rename(tmp, self.state_path)
            except OSError:
                pass
        except OSError:
            pass  # flash full or read-only: keep running on RAM state

    def configure(self, power_cfg):
        """Apply a new `power` section (from the hub); thresholds take effect on the next step."""
        self.cfg = power_cfg or {}
        self.policy.configure(self.cfg.get("policy"))

    # -- sensing -----------------------------------------------------------------------------
    def _read_battery(self):
        b = self.batt
        if not b.read():
            self.faults["battery"] = FAULT_NAMES[b.fault]
            return False
        mv = b.bus_mv
        ma = b.current_ua // 1000
        lo, hi = _get(self.cfg, "batt_mv")
        if not lo <= mv <= hi or abs(ma) > self.profile["sensors"]["battery"]["max_current_a"] * 1200:
            self.faults["battery"] = _IMPLAUSIBLE
            return False
        g = self._good_mv
        if g is not None and abs(mv - g) > _get(self.cfg, "spike_mv"):
            self._spikes += 1
            if self._spikes < _get(self.cfg, "spike_confirm"):
                self.faults["battery"] = "spike"
                return False
        self._spikes = 0
        self._good_mv = mv
        self.batt_mv = mv
        self.batt_ma = ma
        self.faults["battery"] = None
        return True

    def _read_solar(self):
        s = self.solar
        if not s.read():
            self.faults["solar"] = FAULT_NAMES[s.fault]
            return False
        spec = self.profile["sensors"]["solar"]
        if s.current_ua < -_get(self.cfg, "solar_neg_ma") * 1000 or \
                s.bus_mv > spec.get("bus_max_v", 32) * 1000 or \
                s.current_ua > spec["max_current_a"] * 1200000:
            self.faults["solar"] = _IMPLAUSIBLE
            return False
        self.solar_mw = s.power_uw // 1000 if s.current_ua > 0 else 0
        self.faults["solar"] = None
        return True

    # -- the loop ----------------------------------------------------------------------------
    def step(self, now_ms, t_local=None):
        first = self._last_ms is None
        dt = 0 if first else ticks_diff(now_ms, self._last_ms) / 1000
        self._last_ms = now_ms
        self.batt_ok = self._read_battery()
        self.solar_ok = self._read_solar()
        if not self.solar_ok:
            self.solar_mw = None

        if first:
            self._boot(t_local)
        elif not self.started:
            self._cold_start()
        elif self.batt_ok:
            self.est.update(self.batt_mv, self.batt_ma, dt)
        else:
            self.est.drain(_get(self.cfg, "assumed_load_ma")[self.policy.mode], dt)
            self.est.update(None, 0, 0)
        self._count_energy(dt, t_local)

        pcfg = self.policy.cfg
        if self.solar_mw is not None:
            self.dark = self.solar_mw < pcfg["dark_mw"]
        elif t_local is not None:
            h = (t_local % 86400) // 3600
            self.dark = h < 7 or h >= 17
        act = self.policy.decide(self.est.soc, self.batt_mv if self.batt_ok else None,
                                 self.lvd_mv, self.solar_mw or 0, self.dark, t_local, self.batt_ok)
        self.act = act
        if not self.started:
            act.sleep_s = 0  # never sleep (nor persist) before the SoC has a basis
            return act
        if act.changed or act.sleep_s or \
                ticks_diff(now_ms, self._last_save_ms) >= _get(self.cfg, "persist_s") * 1000:
            self._last_save_ms = now_ms
            self.save(t_local)
        if act.sleep_s:
            self.solar.power_down()
            self.batt.power_down()
        return act

    def _boot(self, t_local):
        st = self._state
        slept = 0
        if st:
            self.boots = st.get("boots", 0) + 1
            if t_local is not None and st.get("t") is not None and t_local > st["t"]:
                slept = t_local - st["t"]
            mode = st.get("mode", 0)
            self.policy.mode = mode if 0 <= mode <= SLEEP else 0
            if t_local is not None and st.get("day") == t_local // 86400:
                self.wh_in, self.wh_out, self.wh_chg = st.get("wh", (0.0, 0.0, 0.0))
        self._state = None
        if st:
            self.est.start(None, 0, st, slept)
            self.started = True
        else:
            self._cold_start()

    def _cold_start(self):
        # no saved state: the SoC comes from the first plausible battery voltage (OCV); a bench
        # whose battery sensor stays out for _COLD_WAIT samples starts on a low, safe guess
        self._cold_tries += 1
        if self.batt_ok:
            self.est.start(self.batt_mv, self.batt_ma)
            self.started = True
        elif self._cold_tries >= _COLD_WAIT:
            self.est.start(None, 0)
            self.started = True

    def _count_energy(self, dt, t_local):
        if t_local is not None:
            day = t_local // 86400
            if day != self.day:
                if self.day is not None:
                    self.wh_in = self.wh_out = self.wh_chg = 0.0
                self.day = day
        if dt <= 0:
            return
        if self.solar_mw:
            self.wh_in += self.solar_mw * dt / 3600000.0
        if self.batt_ok:
            p = self.batt_mv * self.batt_ma * dt / 3600000000.0
            if p < 0:
                self.wh_out -= p
            else:
                self.wh_chg += p

    # -- outputs -----------------------------------------------------------------------------
    def apply_outputs(self, pins):
        """pins: {"usb": machine.Pin, "light": machine.Pin}; set from the last decision."""
        a = self.act
        if a is None:
            return
        if "usb" in pins:
            pins["usb"].value(1 if a.usb else 0)
        if "light" in pins:
            pins["light"].value(1 if a.light else 0)

    def telemetry(self):
        faults = []
        for k in ("solar", "battery"):
            if self.faults[k]:
                faults.append(k + ":" + self.faults[k])
        return {
            "batt_v": self.batt_mv / 1000 if self.batt_ok else None,
            "batt_a": self.batt_ma / 1000 if self.batt_ok else None,
            "soc": round(self.est.soc, 1),
            "soc_valid": self.est.valid,
            "solar_w": self.solar_mw / 1000 if self.solar_mw is not None else None,
            "wh_in": round(self.wh_in, 1),
            "wh_out": round(self.wh_out, 1),
            "wh_chg": round(self.wh_chg, 1),
            "mode": MODE_NAMES[self.policy.mode],
            "faults": faults,
            "sensor_errors": [self.solar.faults, self.batt.faults],
        }
