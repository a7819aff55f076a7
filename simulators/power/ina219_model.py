"""Register-level model of a TI INA219 (datasheet SBOS448G), for a virtual I2C bus.

Imports under CPython and MicroPython (no CPython-only modules).

    chip = INA219Model(addr=0x40, shunt_ohm=0.01, clock_ms=clock)
    chip.set_input(bus_v=13.2, current_a=-0.4)     # the truth at IN-/shunt
    bus.attach(chip)                                # VirtualI2C

What is modelled:
- the six registers, the register pointer, power-on defaults (config 0x399F, calibration 0) and
  the RST bit; calibration bit 0 reads as 0;
- conversions: in continuous modes a new result every bus + shunt conversion time (table 8-6,
  e.g. 532 us at 12 bit, 17.02 ms for 32 samples); in triggered modes one result after a config
  write; none in power-down / ADC off; CNVR set on completion, cleared by reading POWER or by
  writing CONFIG;
- the arithmetic of section 8.5: Current = trunc(Shunt * Cal / 4096), Power = trunc(|Current| *
  Bus / 5000); current and power read 0 while Cal is 0;
- ADC resolution: register LSBs are fixed (10 uV shunt, 4 mV bus); at 9/10/11 bit and with a
  wider PGA the result steps by more than one count (our simplification of the ADC's effective
  resolution); averaging divides the noise by sqrt(samples);
- overflow: the shunt reading clips at the PGA full scale (40/80/160/320 mV) and a clipped shunt or
  an out-of-range current/power calculation sets OVF (the datasheet's "math overflow"); the bus
  reading clips at the bus range (16 or 32 V);
- imperfection: `offset_uv` (datasheet: +-10 uV typ), `gain_error` (+-0.5 % max), Gaussian noise
  `noise_uv` / `noise_mv` per single 12-bit sample, seeded.
"""

import math
import random

_CONV_US = (84, 148, 276, 532)            # 9, 10, 11, 12 bit
_AVG_US = (532, 1060, 2130, 4260, 8510, 17020, 34050, 68100)  # 1..128 samples
_PGA_FS = (4000, 8000, 16000, 32000)      # in 10 uV counts
_DEFAULT_CONFIG = 0x399F


def adc_setting(code):
    """(bits, samples, conversion time in us) for a 4-bit BADC/SADC field."""
    if code & 0x8:
        n = code & 0x7
        return 12, 1 << n, _AVG_US[n]
    r = code & 0x3
    return 9 + r, 1, _CONV_US[r]


def _gauss(rng):
    # Box-Muller: MicroPython's random has no gauss()
    u = rng.random() or 1e-12
    return math.sqrt(-2.0 * math.log(u)) * math.cos(6.283185307179586 * rng.random())


class _Rng:
    """random.random with a private seed where the port allows it (MicroPython has one global)."""

    def __init__(self, seed):
        try:
            self._r = random.Random(seed)
        except AttributeError:
            random.seed(seed)
            self._r = None

    def random(self):
        return self._r.random() if self._r else random.random()


class INA219Model:
    def __init__(self, addr=0x40, shunt_ohm=0.1, clock_ms=None, seed=1, noise_uv=6.0,
                 noise_mv=2.0, offset_uv=0.0, gain_error=0.0):
        self.addr = addr
        self.shunt_ohm = shunt_ohm     # the real resistor (tolerance is the caller's business)
        self.noise_uv = noise_uv
        self.noise_mv = noise_mv
        self.offset_uv = offset_uv
        self.gain_error = gain_error
        self._clock = clock_ms
        self._t = 0.0
        self._rng = _Rng(seed)
        self.bus_v = 0.0
        self.current_a = 0.0
        self.reads = 0
        self.reset()

    # -- the world side ---------------------------------------------------------------------
    def set_input(self, bus_v=None, current_a=None):
        if bus_v is not None:
            self.bus_v = bus_v
        if current_a is not None:
            self.current_a = current_a

    def now_ms(self):
        return self._clock() if self._clock else self._t

    def advance(self, ms):
        """Move the model's own clock (when no clock function was given)."""
        self._t += ms

    def reset(self):
        self.regs = [_DEFAULT_CONFIG, 0, 0, 0, 0, 0]
        self.ptr = 0
        self._cnvr = False
        self._ovf = False
        self._last_conv = None
        self._trigger_at = None
        self._bus_counts = 0

    # -- timing -----------------------------------------------------------------------------
    def conversion_us(self):
        c = self.regs[0]
        mode = c & 7
        t = 0
        if mode & 2:
            t += adc_setting((c >> 7) & 0xF)[2]
        if mode & 1:
            t += adc_setting((c >> 3) & 0xF)[2]
        return t

    def _tick(self):
        mode = self.regs[0] & 7
        if mode == 0 or mode == 4:
            return
        now = self.now_ms()
        period = self.conversion_us() / 1000.0
        if mode & 4:
            if self._last_conv is None:
                self._last_conv = now
                return
            if now - self._last_conv >= period:
                # the registers hold the latest finished conversion
                self._last_conv += period * int((now - self._last_conv) / period)
                self._convert(mode)
        elif self._trigger_at is not None and now - self._trigger_at >= period:
            self._trigger_at = None
            self._convert(mode)

    def _convert(self, mode):
        c = self.regs[0]
        ovf = False
        if mode & 1:
            bits, n, _ = adc_setting((c >> 3) & 0xF)
            pga = (c >> 11) & 3
            fs = _PGA_FS[pga]
            uv = self.current_a * self.shunt_ohm * 1e6 * (1.0 + self.gain_error) + self.offset_uv
            uv += _gauss(self._rng) * self.noise_uv / math.sqrt(n)
            counts = int(round(uv / 10.0))
            step = (1 << pga) << (12 - bits)
            counts = int(counts / step) * step
            if counts >= fs:
                counts, ovf = fs, True
            elif counts <= -fs:
                counts, ovf = -fs, True
            self.regs[1] = counts & 0xFFFF
        if mode & 2:
            bits, n, _ = adc_setting((c >> 7) & 0xF)
            mv = self.bus_v * 1000.0 + _gauss(self._rng) * self.noise_mv / math.sqrt(n)
            counts = int(round(mv / 4.0))
            step = 1 << (12 - bits)
            counts = int(counts / step) * step
            top = 8000 if c & 0x2000 else 4000
            counts = max(0, min(top, counts))
            self._bus_counts = counts
        else:
            counts = self.regs[2] >> 3
            self._bus_counts = counts
        cal = self.regs[5]
        shunt = self.regs[1] - 0x10000 if self.regs[1] & 0x8000 else self.regs[1]
        if cal:
            cur = int(shunt * cal / 4096)
            if cur > 32767 or cur < -32768:
                ovf = True
                cur = 32767 if cur > 0 else -32768
            pwr = int(abs(cur) * self._bus_counts / 5000)
            if pwr > 0xFFFF:
                ovf, pwr = True, 0xFFFF
        else:
            cur = pwr = 0
        self.regs[4] = cur & 0xFFFF
        self.regs[3] = pwr
        self._ovf = ovf
        self._cnvr = True

    def _bus_reg(self):
        return (self._bus_counts << 3) | (2 if self._cnvr else 0) | (1 if self._ovf else 0)

    # -- the I2C side (called by VirtualI2C) ------------------------------------------------
    def i2c_write(self, data):
        """A write transaction: pointer byte, optionally followed by a 16-bit MSB-first value."""
        if len(data) == 0:
            return
        self.ptr = data[0]
        if len(data) >= 3:
            self._write_reg(data[0], (data[1] << 8) | data[2])

    def _write_reg(self, reg, value):
        if reg == 0:
            if value & 0x8000:
                self.reset()
                return
            self.regs[0] = value & 0x7FFF
            self._cnvr = False
            mode = value & 7
            self._last_conv = None
            if mode in (1, 2, 3):
                self._trigger_at = self.now_ms()
            self._tick()
        elif reg == 5:
            self.regs[5] = value & 0xFFFE
        # shunt, bus, power, current are read-only

    def i2c_read_into(self, buf, start=0, end=None):
        """A read transaction from the register pointer (2 bytes, repeated if longer)."""
        self._tick()
        if end is None:
            end = len(buf)
        reg = self.ptr
        if reg == 2:
            v = self._bus_reg()
        elif reg < 6:
            v = self.regs[reg]
        else:
            v = 0xFFFF
        if reg == 3:
            self._cnvr = False
        self.reads += 1
        i = start
        while i < end:
            buf[i] = (v >> 8) & 0xFF if (i - start) % 2 == 0 else v & 0xFF
            i += 1
