"""Power policy: from state of charge, battery voltage, light and time to what the bench runs.

    pol = PowerPolicy(power_cfg)            # dict, see DEFAULTS; missing keys take defaults
    act = pol.decide(soc, batt_mv, lvd_mv, solar_mw, dark, t_local, batt_ok)
    act.mode, act.ap, act.txpower_dbm, act.max_clients, act.usb, act.light,
    act.telemetry_s, act.sleep_s, act.changed

Modes, each with an entry threshold and a hysteresis band (leave only `hysteresis` points above
where you entered):
  normal    AP on at full power (all night too when SoC >= ap_night_soc), USB charging on, night
            light on from dusk to light_off_hour.
  saver     AP on at reduced TX power and client limit during the AP hours only; USB only while
            the sun pays for it (solar > usb_solar_w); light until saver_light_off_hour.
  critical  AP in scheduled windows (window_on_min of every window_period_min) during AP hours;
            USB and light off.
  sleep     deep sleep with timed wake-ups (wake_s) to measure and report.
A voltage guard overrides the SoC: below lvd_mv + guard_mv (loaded voltage) the bench goes to
sleep at once, so the charge controller's low-voltage disconnect is never reached.  Outside the
AP window the ESP32 deep-sleeps (outputs held by the RTC pin hold) unless the sun is shining,
in which case it stays awake without the AP to keep counting coulombs.
"""

NORMAL = 0
SAVER = 1
CRITICAL = 2
SLEEP = 3
MODE_NAMES = ("normal", "saver", "critical", "sleep")

AP_OFF = 0
AP_REDUCED = 1
AP_FULL = 2
AP_NAMES = ("off", "reduced", "full")

DEFAULTS = {
    "saver_below": 60,          # SoC % entering saver
    "critical_below": 30,       # SoC % entering critical
    "sleep_below": 12,          # SoC % entering sleep
    "hysteresis": 5,            # points above the entry threshold needed to leave a mode
    "guard_mv": 400,            # sleep when loaded battery voltage < lvd + guard
    "ap_hours": [7, 22],        # local hours when citizens are served
    "ap_night_soc": 90,         # normal mode keeps the AP on all night above this SoC
    "txpower_dbm": [17, 8],     # full, reduced
    "max_clients": [10, 4],     # full, reduced
    "window_on_min": 20,        # critical: AP on for this many minutes ...
    "window_period_min": 30,    # ... of every period
    "usb_solar_w": 15,          # saver: USB on while harvesting more than this
    "light_off_hour": 23,       # normal: night light off at this local hour
    "saver_light_off_hour": 21,
    "dark_mw": 500,             # solar below this is dark (used for the night light)
    "telemetry_s": [300, 900, 1800, 3600],  # per mode
    "wake_s": 1800,             # longest deep sleep between wake-ups
    "awake_solar_w": 2,         # stay awake (no deep sleep) while harvesting more than this
}


def merged(cfg, defaults):
    out = dict(defaults)
    if cfg:
        for k in cfg:
            out[k] = cfg[k]
    return out


class Actions:
    """What the app must apply; one instance reused, `changed` tells when something moved."""

    def __init__(self):
        self.mode = NORMAL
        self.ap = AP_FULL
        self.txpower_dbm = 17
        self.max_clients = 10
        self.usb = True
        self.light = False
        self.telemetry_s = 300
        self.sleep_s = 0
        self.changed = True

    def key(self):
        return (self.mode, self.ap, self.usb, self.light)

    def as_dict(self):
        return {"mode": MODE_NAMES[self.mode], "ap": AP_NAMES[self.ap],
                "txpower_dbm": self.txpower_dbm, "max_clients": self.max_clients,
                "usb": self.usb, "light": self.light, "telemetry_s": self.telemetry_s,
                "sleep_s": self.sleep_s}


class PowerPolicy:
    name = "firmware"

    def __init__(self, cfg=None):
        self.cfg = merged(cfg, DEFAULTS)
        self.mode = NORMAL
        self.act = Actions()

    def configure(self, cfg):
        """New thresholds (from the hub's config message); mode is kept."""
        self.cfg = merged(cfg, DEFAULTS)

    def _soc_mode(self, soc):
        c = self.cfg
        enter = (101, c["saver_below"], c["critical_below"], c["sleep_below"])
        m = self.mode
        # go down as far as needed
        while m < SLEEP and soc < enter[m + 1]:
            m += 1
        # go up one step at a time, each past its hysteresis band
        while m > NORMAL and soc >= enter[m] + c["hysteresis"]:
            m -= 1
        return m

    def decide(self, soc, batt_mv, lvd_mv, solar_mw, dark, t_local, batt_ok=True):
        c = self.cfg
        m = self._soc_mode(soc)
        if batt_mv is not None and batt_mv < lvd_mv + c["guard_mv"]:
            m = SLEEP
        elif self.mode == SLEEP and m < SLEEP and batt_mv is not None and \
                batt_mv < lvd_mv + c["guard_mv"] + 200:
            m = SLEEP
        if not batt_ok and m < SAVER:
            m = SAVER  # no trustworthy battery figures: do not spend on USB and light
        self.mode = m

        if t_local is None:
            hour, minute, to_window = 12, 0, 0  # clock unknown: behave as in daytime
        else:
            sod = t_local % 86400
            hour = sod // 3600
            minute = (sod // 60) % 60
            to_window = (c["ap_hours"][0] * 3600 - sod) % 86400
        in_hours = c["ap_hours"][0] <= hour < c["ap_hours"][1]
        evening = hour >= 12
        sunny = solar_mw > c["awake_solar_w"] * 1000

        a = self.act
        before = a.key()
        a.mode = m
        ap = AP_OFF
        a.usb = False
        a.light = False
        if m == NORMAL:
            ap = AP_FULL if in_hours or soc >= c["ap_night_soc"] else AP_OFF
            a.usb = True
            a.light = dark and evening and hour < c["light_off_hour"]
        elif m == SAVER:
            ap = AP_REDUCED if in_hours else AP_OFF
            a.usb = solar_mw > c["usb_solar_w"] * 1000
            a.light = dark and evening and hour < c["saver_light_off_hour"]
        elif m == CRITICAL:
            if in_hours and minute % c["window_period_min"] < c["window_on_min"]:
                ap = AP_REDUCED
        a.ap = ap
        a.txpower_dbm = c["txpower_dbm"][0 if ap == AP_FULL else 1]
        a.max_clients = c["max_clients"][0 if ap == AP_FULL else 1]
        a.telemetry_s = c["telemetry_s"][m]
        a.sleep_s = 0
        if ap == AP_OFF and not sunny:
            if m == CRITICAL and in_hours:
                nxt = c["window_period_min"] - minute % c["window_period_min"]
                a.sleep_s = nxt * 60
            else:
                a.sleep_s = c["wake_s"]
                if 0 < to_window < a.sleep_s:
                    a.sleep_s = to_window
            if a.light and t_local is not None:
                off_h = c["light_off_hour"] if m == NORMAL else c["saver_light_off_hour"]
                to_off = off_h * 3600 - t_local % 86400
                if 0 < to_off < a.sleep_s:
                    a.sleep_s = to_off
        a.changed = a.key() != before
        return a
