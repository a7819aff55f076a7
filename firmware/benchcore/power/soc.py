"""Battery state of charge: coulomb counting, full-charge sync, open-circuit-voltage correction.

    est = SocEstimator(profile["battery"], power_cfg["soc"])   # both dicts; defaults below
    est.start(v_mv, i_ma, state)    # state: dict from est.state() saved earlier, or None
    est.update(v_mv, i_ma, dt_s)    # i_ma > 0 charges the battery
    est.soc                         # percent, float
    est.valid                       # False until a full charge or a trusted OCV point

Why each rule exists:
- Coulomb counting is the only thing that works on LiFePO4 between 20 and 80 %, where the
  open-circuit voltage moves by a few mV over 60 % of the capacity.  Charge counts with the
  charge (coulombic) efficiency; |I| below `zero_ma` counts as zero, because the INA219's offset
  (up to +-10 uV, i.e. +-1 mA on a 10 mOhm shunt) would otherwise integrate into a drift.
- At the charge controller's absorption voltage with the charge current tapered below the tail
  current for `full_hold_s`, the battery is full: the estimate snaps to 100 % (re-sync).
- After `rest_s` with |I| below `rest_ma`, the terminal voltage (plus I*R) is the OCV; where the
  chemistry's curve is steep enough (`ocv_trust` windows: all of lead-acid, only the ends of
  LiFePO4) the estimate is pulled towards the OCV value with time constant `ocv_tau_s`.
- Deep sleep cannot be measured: on wake, the sleep time times `sleep_ma` is subtracted and the
  sleep counts as rest (the radio is off, the battery relaxes).
- A cold boot without saved state starts from the OCV curve; in an untrusted (flat) window the
  start is capped at `cold_max_soc` so that the policy errs on the side of saving energy.
"""

# Rest OCV of a whole battery, (SoC %, mV), rising.  Figures for 25 degC after >1 h rest;
# the LiFePO4 curve is the typical 4S curve (3.2-3.3 V per cell plateau), lead-acid is 6 cells of
# a flooded/AGM battery (2.10-2.14 V per cell full).
CHEMISTRY = {
    "LiFePO4": {
        "ocv": ((0, 10000), (5, 12000), (10, 12600), (15, 12800), (20, 12880), (30, 13000),
                (40, 13040), (50, 13080), (60, 13120), (70, 13200), (80, 13280), (90, 13360),
                (95, 13440), (99, 13600), (100, 13800)),
        "ocv_trust": ((0, 15), (95, 100)),
        "charge_eff": 0.99,
        "rest_s": 1800,
    },
    "lead-acid": {
        "ocv": ((0, 11800), (10, 11950), (20, 12050), (30, 12150), (40, 12250), (50, 12350),
                (60, 12450), (70, 12550), (80, 12650), (90, 12750), (100, 12850)),
        "ocv_trust": ((0, 100),),
        "charge_eff": 0.90,
        "rest_s": 7200,
    },
}

DEFAULTS = {
    "zero_ma": 15,        # |I| below this counts as 0 (sensor offset)
    "full_hold_s": 600,   # time at charged voltage with tail current before the 100 % sync
    "rest_ma": 150,       # |I| below this is "at rest" for the OCV correction
    "ocv_tau_s": 900,     # time constant of the pull towards the OCV estimate
    "sleep_ma": 0.5,      # battery current during deep sleep (not measurable)
    "cold_max_soc": 50,   # cap on a cold-boot estimate taken in an untrusted OCV window
    "charge_eff": None,   # None: the chemistry's figure
    "rest_s": None,       # None: the chemistry's figure
}


def _interp(table, x, xi, yi):
    if x <= table[0][xi]:
        return table[0][yi]
    for k in range(1, len(table)):
        a = table[k - 1]
        b = table[k]
        if x <= b[xi]:
            return a[yi] + (b[yi] - a[yi]) * (x - a[xi]) / (b[xi] - a[xi])
    return table[-1][yi]


def ocv_mv(curve, soc):
    return _interp(curve, soc, 0, 1)


def soc_from_ocv(curve, mv):
    return _interp(curve, mv, 1, 0)


def _cfg(d, key, default):
    v = d.get(key) if d else None
    return default if v is None else v


class SocEstimator:
    def __init__(self, battery, cfg=None):
        chem = CHEMISTRY.get(battery.get("chemistry", "LiFePO4"), CHEMISTRY["LiFePO4"])
        self.capacity_ah = float(battery["capacity_ah"])
        self.curve = tuple(tuple(p) for p in battery.get("ocv_curve") or chem["ocv"])
        self.trust = tuple(tuple(p) for p in battery.get("ocv_trust") or chem["ocv_trust"])
        self.charged_mv = int(battery.get("charged_v", 14.2) * 1000)
        self.tail_ma = battery.get("tail_current_a", 0.02 * self.capacity_ah) * 1000
        self.r_mohm = battery.get("internal_mohm", 20)
        self.zero_ma = _cfg(cfg, "zero_ma", DEFAULTS["zero_ma"])
        self.full_hold_s = _cfg(cfg, "full_hold_s", DEFAULTS["full_hold_s"])
        self.rest_ma = _cfg(cfg, "rest_ma", DEFAULTS["rest_ma"])
        self.ocv_tau_s = _cfg(cfg, "ocv_tau_s", DEFAULTS["ocv_tau_s"])
        self.sleep_ma = _cfg(cfg, "sleep_ma", DEFAULTS["sleep_ma"])
        self.cold_max_soc = _cfg(cfg, "cold_max_soc", DEFAULTS["cold_max_soc"])
        self.charge_eff = _cfg(cfg, "charge_eff", battery.get("charge_efficiency",
                                                              chem["charge_eff"]))
        self.rest_need_s = _cfg(cfg, "rest_s", chem["rest_s"])
        self.ah = self.capacity_ah * 0.5
        self.valid = False
        self.full_s = 0
        self.rest_s = 0
        self.syncs = 0

    @property
    def soc(self):
        return 100.0 * self.ah / self.capacity_ah

    def trusted(self, soc):
        for lo, hi in self.trust:
            if lo <= soc <= hi:
                return True
        return False

    def ocv_soc(self, v_mv, i_ma):
        # the terminal voltage sags by I*R while discharging (i < 0) and rises while charging
        return soc_from_ocv(self.curve, v_mv - i_ma * self.r_mohm / 1000)

    def start(self, v_mv, i_ma, state=None, slept_s=0):
        """Initialise from saved state (plus time asleep since it was saved) or from OCV."""
        if state and state.get("cap") == self.capacity_ah:
            self.ah = state["ah"]
            self.valid = state.get("valid", False)
            self.rest_s = state.get("rest_s", 0)
            self.syncs = state.get("syncs", 0)
            if slept_s > 0:
                self.ah -= self.sleep_ma * slept_s / 3600000.0
                self.rest_s += slept_s
            self._clamp()
            return
        if v_mv is None:
            self.ah = self.capacity_ah * self.cold_max_soc / 200.0
            return
        soc = self.ocv_soc(v_mv, i_ma)
        if self.trusted(soc):
            self.valid = True
        else:
            soc = min(soc, self.cold_max_soc)
        self.ah = self.capacity_ah * soc / 100.0

    def update(self, v_mv, i_ma, dt_s):
        """One sample: v_mv may be None when the voltage reading is not plausible."""
        if i_ma > self.zero_ma:
            self.ah += i_ma * self.charge_eff * dt_s / 3600000.0
        elif i_ma < -self.zero_ma:
            self.ah += i_ma * dt_s / 3600000.0
        self._clamp()
        if v_mv is None:
            self.full_s = 0
            self.rest_s = 0
            return
        if v_mv >= self.charged_mv and -self.zero_ma <= i_ma < self.tail_ma:
            self.full_s += dt_s
            if self.full_s >= self.full_hold_s:
                if self.ah < self.capacity_ah:
                    self.syncs += 1
                self.ah = self.capacity_ah
                self.valid = True
        else:
            self.full_s = 0
        if -self.rest_ma < i_ma < self.rest_ma:
            self.rest_s += dt_s
            if self.rest_s >= self.rest_need_s:
                target = self.ocv_soc(v_mv, i_ma)
                if self.trusted(target):
                    k = dt_s / self.ocv_tau_s
                    if k > 1:
                        k = 1.0
                    self.ah += (target - self.soc) * k * self.capacity_ah / 100.0
                    self.valid = True
                    self._clamp()
        else:
            self.rest_s = 0

    def drain(self, ma, dt_s):
        """Count an assumed discharge (used while the battery sensor is out)."""
        self.ah -= ma * dt_s / 3600000.0
        self._clamp()

    def _clamp(self):
        if self.ah < 0:
            self.ah = 0.0
        elif self.ah > self.capacity_ah:
            self.ah = self.capacity_ah

    def state(self):
        return {"cap": self.capacity_ah, "ah": round(self.ah, 4), "valid": self.valid,
                "rest_s": self.rest_s, "syncs": self.syncs}
