"""The power loop on the bench: samples the INA219s, applies the policy to hotspot and outputs,
feeds telemetry, and puts the bench into deep sleep when the policy says so."""
import asyncio
import json

from benchcore import clock, contract
from benchcore.compat import ticks_ms

_USED = ("pins", "sensors", "battery", "lvd")  # of the board profile (hardware/profiles/)


def _local(t):
    """Local time in Bosnia and Herzegovina: CET, CEST between the last Sundays of March and
    October (01:00 UTC, the EU rule). The power policy's hotspot windows are in local hours."""
    if t is None:
        return None
    import time

    year = time.gmtime(t - clock._EPOCH_OFFSET)[0]

    def last_sunday(month):
        # days since the epoch of the 31st of month, stepped back to a Sunday (epoch day 3 = Sunday)
        day = _days(year, month, 31)
        return (day - (day + 4) % 7) * 86400 + 3600

    summer = last_sunday(3) <= t < last_sunday(10)
    return t + (7200 if summer else 3600)


def _days(year, month, day):
    # days from 1970-01-01 to the given date (month 3 or 10, both have 31 days)
    y = year - (month <= 2)
    era_days = 365 * y + y // 4 - y // 100 + y // 400
    month_days = (153 * ((month + 9) % 12) + 2) // 5
    return era_days + month_days + day - 719469


class PowerTask:
    def __init__(self, cfg, hotspot, log=print, profile_path="board.json"):
        self._cfg = cfg.get("power") or {}
        self._hotspot = hotspot
        self._log = log
        self.monitor = None
        self.pins = {}
        self.on_telemetry_period = None  # (seconds) -> None: the uplink's cadence follows the policy
        try:
            with open(profile_path) as f:
                profile = json.load(f)
            # Only what the bench reads: panel, controller, loads and the descriptions are for the
            # tools and the energy model (4.2 KB of the simulated heap at idle, ~2 KB on the chip).
            self._profile = {key: profile[key] for key in _USED if key in profile}
            del profile
            for spec in self._profile.get("sensors", {}).values():
                spec.pop("where", None)
        except (OSError, ValueError) as exc:
            self._profile = None
            log("power: no board profile %s (%s): running without power management" % (profile_path, exc))

    def start(self):
        if self._profile is None:
            return False
        import machine

        from benchcore.power.monitor import PowerMonitor

        pins = self._profile["pins"]
        bus = pins["i2c"]
        i2c = machine.I2C(bus.get("id", 0), scl=machine.Pin(bus["scl"]), sda=machine.Pin(bus["sda"]),
                          freq=bus.get("freq", 100000))
        self.pins = {"usb": machine.Pin(pins["usb_charge"], machine.Pin.OUT),
                     "light": machine.Pin(pins["night_light"], machine.Pin.OUT)}
        self.monitor = PowerMonitor(i2c, self._profile, power_cfg=self._cfg)
        return True

    def configure(self, settings):
        if self.monitor is not None and isinstance(settings.get(contract.power), dict):
            self.monitor.configure(settings[contract.power])
            self._log("power: new thresholds from the hub")

    def telemetry(self):
        return list(self.monitor.telemetry().items()) if self.monitor else []

    async def run(self):
        sample_ms = self._cfg.get("sample_ms", 2000)
        while True:
            act = self.monitor.step(ticks_ms(), _local(clock.now()))
            if act.changed:
                self._hotspot.apply_power(act)
                self.monitor.apply_outputs(self.pins)
                if self.on_telemetry_period:
                    self.on_telemetry_period(act.telemetry_s)
            if act.sleep_s:
                import machine

                self._log("power: deep sleep for %d s" % act.sleep_s)
                await asyncio.sleep(0.2)
                machine.deepsleep(act.sleep_s * 1000)
            await asyncio.sleep(sample_ms / 1000)
