"""INA219 current/power monitor over machine.I2C, written from TI datasheet SBOS448G.

    ina = INA219(i2c, addr=0x40, shunt_ohm=0.01, max_current_a=8.0, bus_max_v=32)
    ina.configure()          # writes config + calibration; raises OSError if the chip is absent
    ok = ina.read()          # True if a fresh, valid sample was stored
    ina.bus_mv, ina.shunt_uv, ina.current_ua, ina.power_uw, ina.fault

Readings are plain ints (mV, uV, uA, uW): small ints do not allocate on MicroPython, and the
I2C reads go into one preallocated 2-byte buffer with readfrom_mem_into, so read() allocates
nothing unless an exception is raised (a bus fault).

Calibration (datasheet section 8.5.1, equations 1-4):
    Current_LSB = Max_Expected_I / 2**15, rounded up to a 1-2-5 step here (the datasheet's own
    example rounds 61.035 uA up to 100 uA);  Cal = trunc(0.04096 / (Current_LSB * R_shunt));
    Power_LSB = 20 * Current_LSB.
Overflow: when the OVF bit is set or the shunt register sits at the PGA's full scale, read()
raises the PGA one step (40 -> 80 -> 160 -> 320 mV), widens Current_LSB so the current register
covers the new full scale, and reports FAULT_RANGE for that sample; at 320 mV it reports
FAULT_OVERFLOW until the current falls back into range.  After 60 quiet samples below half the
narrower range the gain and calibration step back.
"""

try:
    from micropython import const
except ImportError:  # CPython
    def const(x):
        return x

_REG_CONFIG = const(0x00)
_REG_SHUNT = const(0x01)
_REG_BUS = const(0x02)
_REG_POWER = const(0x03)
_REG_CURRENT = const(0x04)
_REG_CAL = const(0x05)

# Config register fields (datasheet table 8-4 .. 8-8)
_CFG_RESET = const(0x8000)
_BRNG_32V = const(0x2000)
_PG_SHIFT = const(11)
_BADC_SHIFT = const(7)
_SADC_SHIFT = const(3)
MODE_POWER_DOWN = const(0)
MODE_SHUNT_BUS_TRIGGERED = const(3)
MODE_SHUNT_BUS_CONTINUOUS = const(7)
ADC_12BIT_32 = const(0x0D)  # 12 bit, 32 samples averaged: 17.02 ms per conversion
# PGA full scale in shunt-register counts (10 uV each) for gain codes 0..3
_PGA_FS = (4000, 8000, 16000, 32000)

FAULT_NONE = const(0)
FAULT_IO = const(1)        # NACK, bus timeout, absent chip (errno kept in .errno)
FAULT_RANGE = const(2)     # overflow seen, gain raised; this sample discarded
FAULT_OVERFLOW = const(3)  # overflow at the widest gain: current beyond what the shunt can show
FAULT_RESET = const(4)     # chip lost its calibration (power glitch); reconfigured
FAULT_BUSY = const(5)      # no conversion finished since (re)configuration yet
FAULT_NAMES = ("ok", "i2c", "range", "overflow", "reset", "busy")

_GAIN_RELAX_READS = const(60)  # quiet samples before stepping the gain back down


def nice_lsb_ua(min_lsb_ua):
    """Smallest 1-2-5 step (in uA, at least 1) that is >= min_lsb_ua."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if step * m >= min_lsb_ua:
                return step * m
        step *= 10


def calibration(shunt_ohm, max_current_a, current_lsb_ua=None):
    """Return (cal_register, current_lsb_ua, power_lsb_uw) per datasheet 8.5.1."""
    if current_lsb_ua is None:
        current_lsb_ua = nice_lsb_ua(max_current_a * 1e6 / 32768)
    while True:
        cal = int(0.04096 / (current_lsb_ua * 1e-6 * shunt_ohm)) & 0xFFFE  # bit 0 is void
        if cal <= 0xFFFE:
            break
        current_lsb_ua = nice_lsb_ua(current_lsb_ua + 1)
    if cal == 0:
        raise ValueError("shunt/current give a zero calibration")
    return cal, current_lsb_ua, 20 * current_lsb_ua


def gain_for(shunt_ohm, max_current_a):
    """Smallest PGA code whose full scale covers max_current_a through shunt_ohm."""
    need = max_current_a * shunt_ohm * 1e5  # in 10 uV counts
    for g in range(4):
        if _PGA_FS[g] >= need:
            return g
    return 3


class INA219:
    def __init__(self, i2c, addr=0x40, shunt_ohm=0.1, max_current_a=2.0, bus_max_v=32,
                 adc=ADC_12BIT_32):
        self._i2c = i2c
        self.addr = addr
        self._shunt = shunt_ohm
        self._max_a = max_current_a
        self.cal, self.current_lsb_ua, self.power_lsb_uw = calibration(shunt_ohm, max_current_a)
        self.gain_nominal = gain_for(shunt_ohm, max_current_a)
        self.gain = self.gain_nominal
        self._brng = _BRNG_32V if bus_max_v > 16 else 0
        self._adc = adc
        self._buf = bytearray(2)
        self._wbuf = bytearray(2)
        self._quiet = 0
        self.configured = False
        self._warm = False
        self.bus_mv = 0
        self.shunt_uv = 0
        self.current_ua = 0
        self.power_uw = 0
        self.ready = False
        self.overflow = False
        self.fault = FAULT_IO
        self.errno = 0
        self.faults = 0  # count of faulty samples since boot

    # -- register access ------------------------------------------------------------------
    def _write(self, reg, value):
        b = self._wbuf
        b[0] = (value >> 8) & 0xFF
        b[1] = value & 0xFF
        self._i2c.writeto_mem(self.addr, reg, b)

    def _read_u16(self, reg):
        b = self._buf
        self._i2c.readfrom_mem_into(self.addr, reg, b)
        return (b[0] << 8) | b[1]

    def _read_s16(self, reg):
        v = self._read_u16(reg)
        return v - 0x10000 if v & 0x8000 else v

    def config_word(self, mode=MODE_SHUNT_BUS_CONTINUOUS):
        return (self._brng | (self.gain << _PG_SHIFT) | (self._adc << _BADC_SHIFT)
                | (self._adc << _SADC_SHIFT) | mode)

    def configure(self, mode=MODE_SHUNT_BUS_CONTINUOUS):
        """Reset, then write configuration and calibration. Raises OSError on a bus fault."""
        self._write(_REG_CONFIG, _CFG_RESET)
        self._write(_REG_CONFIG, self.config_word(mode))
        self._write(_REG_CAL, self.cal)
        self.configured = True
        self._warm = False

    def power_down(self):
        """Before deep sleep: 6 uA instead of 1 mA (datasheet 7.5)."""
        try:
            self._write(_REG_CONFIG, self.config_word(MODE_POWER_DOWN))
        except OSError:
            pass
        self.configured = False

    def _set_gain(self, g):
        # a wider PGA is useless if the current register overflows first: widen the
        # Current_LSB to the new full scale (and back to the nominal one when relaxing)
        self.gain = g
        max_a = self._max_a
        if g > self.gain_nominal:
            max_a = _PGA_FS[g] * 1e-5 / self._shunt
        self.cal, self.current_lsb_ua, self.power_lsb_uw = calibration(self._shunt, max_a)
        self._write(_REG_CONFIG, self.config_word())
        self._write(_REG_CAL, self.cal)
        self._warm = False  # writing CONFIG restarts the conversion

    # -- sampling ---------------------------------------------------------------------------
    def read(self):
        """Read one sample. Returns True when bus_mv/shunt_uv/current_ua/power_uw are fresh."""
        try:
            if not self.configured:
                self.configure()
            bus = self._read_u16(_REG_BUS)
            if not self._warm:
                if not bus & 2:  # registers still hold power-on zeros
                    return self._bad(FAULT_BUSY)
                self._warm = True
            shunt = self._read_s16(_REG_SHUNT)
            self.overflow = bool(bus & 1)
            fs = _PGA_FS[self.gain]
            if self.overflow or shunt >= fs or shunt <= -fs:
                self._quiet = 0
                if self.gain < 3:
                    self._set_gain(self.gain + 1)
                    return self._bad(FAULT_RANGE)
                return self._bad(FAULT_OVERFLOW)
            if self._read_u16(_REG_CAL) != self.cal:
                # a brown-out or glitch reset the chip: calibration is back to 0
                self.configured = False
                return self._bad(FAULT_RESET)
            cur = self._read_s16(_REG_CURRENT)
            pwr = self._read_u16(_REG_POWER)  # reading POWER clears CNVR (datasheet 8.6.3.2)
        except OSError as e:
            self.configured = False
            self.errno = e.args[0] if e.args else 0
            return self._bad(FAULT_IO)
        self.ready = bool(bus & 2)
        self.bus_mv = (bus >> 3) * 4
        self.shunt_uv = shunt * 10
        self.current_ua = cur * self.current_lsb_ua
        self.power_uw = pwr * self.power_lsb_uw
        self.fault = FAULT_NONE
        self._relax_gain(shunt)
        return True

    def _relax_gain(self, shunt):
        if self.gain <= self.gain_nominal:
            return
        if -_PGA_FS[self.gain - 1] // 2 < shunt < _PGA_FS[self.gain - 1] // 2:
            self._quiet += 1
            if self._quiet >= _GAIN_RELAX_READS:
                self._quiet = 0
                try:
                    self._set_gain(self.gain - 1)
                except OSError:
                    self.configured = False
        else:
            self._quiet = 0

    def _bad(self, fault):
        self.fault = fault
        self.faults += 1
        return False
