"""The firmware's INA219 driver against the datasheet and the register model."""
import pytest

from benchcore.power import ina219
from benchcore.power.ina219 import INA219, calibration, gain_for
from simulators.power.ina219_model import INA219Model, adc_setting
from simulators.power.virtual_i2c import VirtualI2C


def test_calibration_matches_datasheet_programming_example():
    # SBOS448G 8.5.2: 32 V, 320 mV, R_shunt 0.1 ohm, max expected 2 A -> minimum LSB 61.035 uA,
    # chosen Current_LSB 100 uA, Cal = trunc(0.04096 / (0.0001 * 0.1)) = 4096, Power_LSB 2 mW
    assert calibration(0.1, 2.0) == (4096, 100, 2000)
    assert calibration(0.1, 2.0, current_lsb_ua=100) == (4096, 100, 2000)
    # the unrounded minimum LSB gives trunc(0.04096 / (61.035e-6 * 0.1)) = 6710 (even: bit 0 void)
    cal, lsb, _ = calibration(0.1, 2.0, current_lsb_ua=2e6 / 32768)
    assert cal == 6710


def test_calibration_bench_shunts_and_gain():
    assert calibration(0.01, 6.0) == (20480, 200, 4000)
    assert calibration(0.01, 10.0) == (8192, 500, 10000)
    assert gain_for(0.1, 0.3) == 0       # 30 mV  -> 40 mV
    assert gain_for(0.01, 6.0) == 1      # 60 mV  -> 80 mV
    assert gain_for(0.01, 10.0) == 2     # 100 mV -> 160 mV
    assert gain_for(0.1, 3.2) == 3       # 320 mV


def _rig(clock, amps=1.0, volts=13.3, shunt=0.01, max_a=6.0, **model_kw):
    chip = INA219Model(0x41, shunt, clock, noise_uv=0, noise_mv=0, **model_kw)
    chip.set_input(volts, amps)
    bus = VirtualI2C(devices=[chip])
    drv = INA219(bus, 0x41, shunt, max_a, 16)
    return chip, bus, drv


def test_first_read_waits_for_a_conversion(clock):
    chip, bus, drv = _rig(clock)
    assert not drv.read() and drv.fault == ina219.FAULT_BUSY
    clock.ms += adc_setting(ina219.ADC_12BIT_32)[2] * 2 / 1000 + 0.01
    assert drv.read() and drv.ready


@pytest.mark.parametrize("amps", [-3.7, -0.25, 0.0, 0.0123, 1.0, 5.5])
def test_driver_reads_model_within_resolution(clock, amps):
    chip, bus, drv = _rig(clock, amps=amps)
    drv.read()
    clock.ms += 100
    assert drv.read()
    assert abs(drv.bus_mv - 13300) <= 4
    # 12-bit conversion at PGA /2 steps by 2 counts of 10 uV = 2 mA on 10 mOhm
    assert abs(drv.current_ua - amps * 1e6) <= 2000 + drv.current_lsb_ua
    assert abs(drv.power_uw - abs(amps) * 13.3 * 1e6) <= 13.3 * 2000 + 2 * drv.power_lsb_uw
    # datasheet 8.5: Current = Shunt * Cal / 4096, Power = Current * Bus / 5000
    assert drv.current_ua // drv.current_lsb_ua == int(drv.shunt_uv // 10 * drv.cal / 4096)


def test_overflow_raises_gain_then_reads(clock):
    chip, bus, drv = _rig(clock, amps=1.0)
    drv.read(); clock.ms += 100; assert drv.read() and drv.gain == 1
    chip.set_input(current_a=12.0)        # 120 mV > 80 mV full scale
    clock.ms += 100
    assert not drv.read() and drv.fault == ina219.FAULT_RANGE and drv.gain == 2
    clock.ms += 100
    drv.read(); clock.ms += 100
    assert drv.read() and abs(drv.current_ua - 12e6) < 20000


def test_overflow_at_widest_gain_is_a_clear_fault(clock):
    chip, bus, drv = _rig(clock, amps=40.0)   # 400 mV: beyond 320 mV, and beyond the 6.5 A cal
    for _ in range(6):
        clock.ms += 100
        drv.read()
    assert drv.fault == ina219.FAULT_OVERFLOW and drv.overflow
    chip.set_input(current_a=2.0)
    for _ in range(3):
        clock.ms += 100
        ok = drv.read()
    assert ok and abs(drv.current_ua - 2e6) < 10000


def test_nack_stuck_and_chip_reset_recover(clock):
    chip, bus, drv = _rig(clock)
    drv.read(); clock.ms += 100; assert drv.read()
    bus.inject(0x41, "nack")
    assert not drv.read() and drv.fault == ina219.FAULT_IO and drv.errno == 19
    bus.inject(0x41, None)
    bus.inject(None, "stuck")
    assert not drv.read() and drv.errno == 116
    bus.clear_faults()
    drv.read(); clock.ms += 100
    assert drv.read()
    chip.reset()                           # brown-out of the chip: calibration back to 0
    clock.ms += 100
    assert not drv.read() and drv.fault == ina219.FAULT_RESET
    drv.read(); clock.ms += 100
    assert drv.read() and abs(drv.current_ua - 1e6) < 3000


def test_model_conversion_timing_and_cnvr(clock):
    chip = INA219Model(0x40, 0.1, clock)
    bus = VirtualI2C(devices=[chip])
    bus.writeto_mem(0x40, 0, bytes([0x01, 0x9B]))   # 16 V, /1, 12-bit, shunt+bus triggered
    assert bus.readfrom_mem(0x40, 2, 2)[1] & 2 == 0
    clock.ms += 1.07                                # 532 + 532 us
    assert bus.readfrom_mem(0x40, 2, 2)[1] & 2 == 2
    bus.readfrom_mem(0x40, 3, 2)                    # reading POWER clears CNVR
    assert bus.readfrom_mem(0x40, 2, 2)[1] & 2 == 0
    assert adc_setting(0xF) == (12, 128, 68100) and adc_setting(0x0) == (9, 1, 84)
    assert bus.scan() == [0x40]
    bus.inject(0x40, "absent")
    assert bus.scan() == []
    with pytest.raises(OSError):
        bus.readfrom_mem(0x40, 0, 2)
