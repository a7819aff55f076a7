"""The firmware's power loop (benchcore.power_task, PowerMonitor: SoC and policy) on a Linux
board: the INA219s are read through Adafruit's adafruit-circuitpython-ina219 on Blinka's I2C
(busio.I2C on a Raspberry Pi), or on any object with the same calls (the simulated bus in tests).
The policy's actions go to the LinuxHotspot (hostapd) and to the modem; deep sleep is not an
option for a Linux board, so the hotspot and modem stay off instead while the policy says sleep."""
import asyncio
import subprocess

from benchcore.power.ina219 import FAULT_IO, FAULT_NONE, FAULT_OVERFLOW, calibration
from benchcore.power_task import PowerTask


class AdafruitINA219:
    """The reading interface of the firmware's driver (read(), bus_mv, current_ua, power_uw,
    shunt_uv, fault, faults), with the chip driven by Adafruit's library and our calibration."""

    def __init__(self, i2c, spec):
        self._i2c = i2c
        self._spec = spec
        self._chip = None
        self.bus_mv = self.shunt_uv = self.current_ua = self.power_uw = 0
        self.fault = FAULT_NONE
        self.faults = 0

    def _open(self):
        import adafruit_ina219

        chip = adafruit_ina219.INA219(self._i2c, self._spec["addr"])  # probes the address, writes 32 V setup
        cal, current_lsb_ua, power_lsb_uw = calibration(self._spec["shunt_ohm"], self._spec["max_current_a"])
        chip.calibration = cal  # the shunt on the bench, not Adafruit's 0.1 ohm breakout
        chip._current_lsb = current_lsb_ua / 1000.0  # mA per count, as the library counts
        chip._power_lsb = power_lsb_uw / 1e6
        return chip

    def read(self):
        try:
            if self._chip is None:
                self._chip = self._open()
            chip = self._chip
            if chip.overflow:
                return self._bad(FAULT_OVERFLOW)
            self.bus_mv = round(chip.bus_voltage * 1000)
            self.shunt_uv = round(chip.shunt_voltage * 1e6)
            self.current_ua = round(chip.current * 1000)
            self.power_uw = round(chip.power * 1e6)
        except (OSError, ValueError, RuntimeError):  # NACK, absent chip, bus gone
            self._chip = None
            return self._bad(FAULT_IO)
        self.fault = FAULT_NONE
        return True

    def _bad(self, fault):
        self.fault = fault
        self.faults += 1
        return False

    def power_down(self):
        pass  # a Linux bench does not deep-sleep; the sensors keep sampling


def blinka_i2c():
    """Blinka's I2C bus on the board's SCL/SDA; a clear error if it or the bus is missing."""
    try:
        import board
        import busio
    except (ImportError, NotImplementedError, RuntimeError) as exc:
        raise OSError("no I2C bus: Blinka is not installed or does not know this board (%s); "
                      "pip install -e '.[agent]' (Blinka) and enable I2C" % exc)
    try:
        return busio.I2C(board.SCL, board.SDA)
    except (ValueError, RuntimeError, OSError) as exc:
        raise OSError("no I2C bus: %s (is I2C enabled?)" % exc)


class AgentPowerTask(PowerTask):
    """PowerTask with Adafruit's driver, hostapd and the modem instead of machine.I2C, pins and
    deep sleep."""

    def __init__(self, cfg, hotspot, modem=None, i2c_factory=blinka_i2c, **kw):
        super().__init__(cfg, hotspot, **kw)
        self._modem = modem or {}
        self._i2c_factory = i2c_factory
        self.modem_on = True

    def start(self):
        if self._profile is None:
            return False
        from benchcore.power.monitor import PowerMonitor

        try:
            i2c = self._i2c_factory()
        except OSError as exc:
            self._log("power: %s: running without power management" % exc)
            return False
        self.monitor = PowerMonitor(None, self._profile, power_cfg=self._cfg, state_path="power_state.json")
        sensors = self._profile["sensors"]
        self.monitor.solar = AdafruitINA219(i2c, sensors["solar"])
        self.monitor.batt = AdafruitINA219(i2c, sensors["battery"])
        return True

    def set_modem(self, on):
        if on == self.modem_on:
            return
        argv = self._modem.get("on" if on else "off")
        self.modem_on = on
        self._log("power: modem %s (power policy)" % ("on" if on else "off"))
        if argv:
            try:
                subprocess.run(argv, capture_output=True, timeout=30)
            except (OSError, subprocess.TimeoutExpired) as exc:
                self._log("power: modem command failed (%s)" % exc)

    def step(self, now_ms, t_local):
        act = self.monitor.step(now_ms, t_local)
        self.set_modem(not act.sleep_s)  # "sleep": the board stays up, hotspot and modem go off
        if act.changed:
            self._hotspot.apply_power(act)
            if self.on_telemetry_period:
                self.on_telemetry_period(act.telemetry_s)
        return act

    async def run(self):
        from benchcore import clock
        from benchcore.compat import ticks_ms
        from benchcore.power_task import _local

        sample_ms = self._cfg.get("sample_ms", 2000)
        while True:
            self.step(ticks_ms(), _local(clock.now()))
            await asyncio.sleep(sample_ms / 1000)
