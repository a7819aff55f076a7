"""The bench's electrical plant: panel, MPPT controller with low-voltage disconnect, battery, loads.

All figures come from the board profile (hardware/profiles/*.json).  Conventions: battery
current > 0 charges; powers in W; the loads are constant-power (buck converters, LED driver).

Battery: an Ah reservoir with the true capacity (`capacity_factor` x nominal: an aged or
optimistic-label pack), a rest OCV curve (the firmware's curve for the chemistry plus a small
`ocv_offset_mv`, so the firmware never gets a perfect table), ohmic resistance and one RC
polarisation branch (R_p, tau), coulombic efficiency on charge, self-discharge.
Controller: MPPT with constant efficiency; bulk until the `cv_knee` SoC, then a constant-voltage
taper at the absorption voltage with the current falling linearly to zero at 100 %, then float
until the SoC drops 3 points; load output cut at `disconnect_v` (loaded) and restored at
`reconnect_v`.
"""

import math

from benchcore.power.soc import CHEMISTRY, ocv_mv

_CV_KNEE = {"LiFePO4": 95.0, "lead-acid": 80.0}
_COULOMBIC = {"LiFePO4": 0.985, "lead-acid": 0.88}
_SELF_DISCHARGE_PER_DAY = {"LiFePO4": 0.0007, "lead-acid": 0.001}


class Panel:
    def __init__(self, p):
        self.p = p

    def mpp(self, g_poa, t_air):
        """(P W, Vmp V) at the maximum power point; NOCT cell temperature model."""
        p = self.p
        if g_poa <= 0:
            return 0.0, 0.0
        t_cell = t_air + g_poa / 800.0 * (p["noct_c"] - 20)
        pw = p["peak_w"] * g_poa / 1000.0 * (1 + p["gamma_pmax_per_k"] * (t_cell - 25))
        # Vmp falls with temperature and (logarithmically) at low light
        v = p["vmp_v"] * (1 + p["beta_voc_per_k"] * (t_cell - 25)) * \
            (1 + 0.05 * math.log(max(g_poa, 5) / 1000.0))
        return max(0.0, pw), max(0.0, v)

    def voc(self, t_cell):
        return self.p["voc_v"] * (1 + self.p["beta_voc_per_k"] * (t_cell - 25))


class Battery:
    def __init__(self, b, soc=80.0, capacity_factor=0.97, ocv_offset_mv=8.0, r_p_mohm=15.0,
                 tau_s=600.0):
        chem = b.get("chemistry", "LiFePO4")
        self.chem = chem
        self.curve = tuple(tuple(p) for p in b.get("ocv_curve") or CHEMISTRY[chem]["ocv"])
        self.cap = b["capacity_ah"] * capacity_factor
        self.ah = self.cap * soc / 100.0
        self.r0 = b.get("internal_mohm", 20) / 1000.0
        self.rp = r_p_mohm / 1000.0
        self.tau = tau_s
        self.vp = 0.0
        self.offset = ocv_offset_mv / 1000.0
        self.eta = _COULOMBIC.get(chem, 0.98)
        self.sd = _SELF_DISCHARGE_PER_DAY.get(chem, 0.001)
        self.knee = _CV_KNEE.get(chem, 90.0)

    @property
    def soc(self):
        return 100.0 * self.ah / self.cap

    def ocv(self):
        return ocv_mv(self.curve, self.soc) / 1000.0 + self.offset

    def terminal(self, i):
        return self.ocv() + i * self.r0 + self.vp

    def step(self, i, dt):
        self.ah += (i * self.eta if i > 0 else i) * dt / 3600.0
        self.ah -= self.cap * self.sd * dt / 86400.0
        self.ah = max(0.0, min(self.cap, self.ah))
        k = math.exp(-dt / self.tau)
        self.vp = self.vp * k + i * self.rp * (1 - k)


class Plant:
    """Panel + controller + battery; `step()` solves one interval for given load powers."""

    def __init__(self, profile, soc=80.0, **battery_kw):
        self.profile = profile
        self.panel = Panel(profile["panel"])
        self.batt = Battery(profile["battery"], soc, **battery_kw)
        c = profile["controller"]
        self.eta = c["efficiency"]
        self.v_abs = c["absorption_v"]
        self.v_float = c["float_v"]
        self.i_max = c["max_charge_a"]
        self.self_w = c.get("self_consumption_ma", 10) / 1000.0 * 12.8
        self.lvd = profile["lvd"]["disconnect_v"]
        self.lvr = profile["lvd"]["reconnect_v"]
        self.load_on = True
        self.floating = False
        self.brownouts = 0
        # what the sensors see, updated by step()
        self.v_batt = self.batt.terminal(0)
        self.i_batt = 0.0
        self.v_pv = 0.0
        self.i_pv = 0.0

    def step(self, dt, g_poa, t_air, load_w):
        """Advance dt seconds; load_w is what the bench would draw if its output is on."""
        b = self.batt
        p_mpp, v_mp = self.panel.mpp(g_poa, t_air)
        p_avail = p_mpp * self.eta
        v = b.terminal(0)
        load = (load_w if self.load_on else 0.0) + self.self_w
        i_need = load / v
        i_pv_max = p_avail / v
        soc = b.soc
        if self.floating and soc < 97.0:
            self.floating = False
        if self.floating:
            i_chg_cap = 0.0
        elif soc >= b.knee:
            i_chg_cap = self.i_max * (100.0 - soc) / (100.0 - b.knee)
            if soc >= 99.99:
                self.floating = True
        else:
            i_chg_cap = self.i_max
        i = min(i_pv_max - i_need, i_chg_cap)
        v_term = b.terminal(i)
        if i > 0 and i >= i_chg_cap - 1e-6 and soc >= b.knee and not self.floating:
            v_term = self.v_abs
        elif self.floating and i_pv_max >= i_need:
            v_term = max(v_term, self.v_float)
        # harvested power actually drawn from the panel
        p_drawn = max(0.0, (i + i_need) * v / self.eta) if p_mpp > 0 else 0.0
        p_drawn = min(p_drawn, p_mpp)
        if p_drawn > 0:
            v_pv = v_mp if p_drawn >= p_mpp * 0.98 else v_mp * 1.1
            self.v_pv, self.i_pv = v_pv, p_drawn / v_pv
        else:
            self.v_pv = self.panel.voc(t_air) * 0.9 if g_poa > 5 else 0.0
            self.i_pv = 0.0
        b.step(i, dt)
        self.i_batt = i
        self.v_batt = v_term
        # low-voltage disconnect / reconnect on the loaded terminal voltage
        if self.load_on and v_term <= self.lvd:
            self.load_on = False
            self.brownouts += 1
        elif not self.load_on and b.terminal(0) >= self.lvr:
            self.load_on = True
        return p_drawn


def load_power(profile, esp_state, usb_phones, light, ina_on=True):
    """Battery-side W for the ESP32 in `esp_state` (ap_full, ap_reduced, awake_no_ap,
    deep_sleep), `usb_phones` phones charging and the night light."""
    ld = profile["loads"]
    eff = ld["regulator_efficiency"]
    ma = ld["esp32_ma"][esp_state] + 2 * ld["ina219_ma"]["on" if ina_on else "power_down"]
    w = ma / 1000.0 * 3.3 / eff + ld["regulator_quiescent_ma"] / 1000.0 * 12.8
    u = ld["usb"]
    if usb_phones is not None:
        w += u["idle_ma"] / 1000.0 * 12.8 + usb_phones * u["phone_w"] / u["buck_efficiency"]
    if light:
        w += ld["night_light_w"]
    return w
