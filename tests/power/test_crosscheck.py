"""Cross-check: our driver and Adafruit's adafruit-circuitpython-ina219 read the same simulated
chip (no Blinka: the VirtualI2C implements the busio.I2C calls the library makes)."""
import pytest

from benchcore.power.ina219 import INA219
from simulators.power.ina219_model import INA219Model
from simulators.power.virtual_i2c import VirtualI2C
from tests.support import adafruit_ina219_without_blinka


@pytest.fixture
def adafruit_ina219(monkeypatch):
    return adafruit_ina219_without_blinka(monkeypatch)


@pytest.mark.parametrize("volts,amps", [(13.31, -0.42), (12.05, 2.5), (14.38, 5.1),
                                        (13.2, 0.0), (17.9, 3.3)])
def test_both_drivers_agree_with_each_other_and_the_model(adafruit_ina219, clock, volts, amps):
    chip = INA219Model(0x41, 0.01, clock, seed=3, noise_uv=6, noise_mv=2, offset_uv=0)
    chip.set_input(volts, amps)
    bus = VirtualI2C(devices=[chip])
    ada = adafruit_ina219.INA219(bus, 0x41)           # probes, then writes its 32V/2A setup
    ours = INA219(bus, 0x41, shunt_ohm=0.01, max_current_a=6.0, bus_max_v=32)
    ours.configure()                                  # our config + calibration win
    ada.calibration = ours.cal                        # tell Adafruit our scaling
    ada._current_lsb = ours.current_lsb_ua / 1000.0   # mA per count
    ada._power_lsb = ours.power_lsb_uw / 1e6          # W per count
    clock.ms += 40                                    # one conversion (2 x 17.02 ms), then freeze
    assert ours.read()
    a_bus, a_shunt, a_cur, a_pwr = ada.bus_voltage, ada.shunt_voltage, ada.current, ada.power
    # each other: the same registers, so the same numbers to float rounding
    assert a_bus == pytest.approx(ours.bus_mv / 1000, abs=1e-9)
    assert a_shunt == pytest.approx(ours.shunt_uv / 1e6, abs=1e-9)
    assert a_cur == pytest.approx(ours.current_ua / 1000, abs=1e-6)
    assert a_pwr == pytest.approx(ours.power_uw / 1e6, abs=1e-6)
    assert ada.conversion_ready in (0, 1) and ada.overflow == 0
    # the model's truth, within the chip's resolution (+ 4 sigma of the averaged noise)
    assert abs(a_bus - volts) <= 0.004 + 4 * 0.002 / 32 ** 0.5 + 1e-9
    res_a = (2 * 10e-6) / 0.01                        # 12-bit at PGA /2: 2 counts of 10 uV
    assert abs(ours.current_ua / 1e6 - amps) <= res_a + ours.current_lsb_ua / 1e6 + 4 * 6e-6 / 32 ** 0.5 / 0.01
    assert abs(a_pwr - abs(amps) * volts) <= volts * res_a + abs(amps) * 0.004 + 2 * ours.power_lsb_uw / 1e6
