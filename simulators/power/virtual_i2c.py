"""A virtual I2C bus with the calls of MicroPython's machine.I2C and of CircuitPython's busio.I2C.

Imports under CPython and MicroPython.  The MicroPython `machine` shim builds it as
`VirtualI2C(bus_id, scl=scl, sda=sda, freq=freq)`: with no `devices` given it attaches the live
simulated bench (simulators/power/live.py: two INA219 models fed by a small physics stepper).
Tests and the energy runner pass `devices=[INA219Model(...), ...]` (or `devices=()` for an empty
bus) and drive the chips themselves.

Faults (fault-injection API):
    bus.inject(0x40, "nack")    # that address NACKs: OSError(19) (ENODEV), as the ESP32 port
    bus.inject(0x40, "absent")  # chip removed: NACK and missing from scan()
    bus.inject(None, "stuck")   # SDA held low: every transfer raises OSError(116) (ETIMEDOUT)
    bus.inject(0x40, None)      # clear that fault;   bus.clear_faults() clears all
"""

ENODEV = 19
ETIMEDOUT = 116


class VirtualI2C:
    def __init__(self, bus_id=0, scl=None, sda=None, freq=400000, devices=None, timeout=50000):
        self.bus_id = bus_id
        self.scl = scl
        self.sda = sda
        self.freq = freq
        self.devices = {}
        self.faults = {}
        self.stuck = False
        self.transfers = 0
        self._locked = False
        self.live = None
        if devices is None:
            try:
                from live import attach_live
            except ImportError:
                from simulators.power.live import attach_live
            self.live = attach_live(self)
        else:
            for d in devices:
                self.attach(d)

    # -- wiring and faults --------------------------------------------------------------------
    def attach(self, dev):
        self.devices[dev.addr] = dev

    def detach(self, addr):
        self.devices.pop(addr, None)

    def inject(self, addr, kind):
        if addr is None:
            self.stuck = kind == "stuck"
            return
        if kind is None:
            self.faults.pop(addr, None)
        else:
            self.faults[addr] = kind

    def clear_faults(self):
        self.faults = {}
        self.stuck = False

    def _dev(self, addr):
        if self.live is not None:
            self.live.poll()
        if self.stuck:
            raise OSError(ETIMEDOUT)
        self.transfers += 1
        if addr in self.faults or addr not in self.devices:
            raise OSError(ENODEV)
        return self.devices[addr]

    # -- machine.I2C ----------------------------------------------------------------------------
    def scan(self):
        if self.stuck:
            return []
        out = []
        for a in sorted(self.devices):
            if self.faults.get(a) not in ("absent", "nack"):
                out.append(a)
        return out

    def readfrom_mem_into(self, addr, memaddr, buf, addrsize=8):
        d = self._dev(addr)
        d.i2c_write(bytes((memaddr,)))
        d.i2c_read_into(buf)

    def readfrom_mem(self, addr, memaddr, nbytes, addrsize=8):
        buf = bytearray(nbytes)
        self.readfrom_mem_into(addr, memaddr, buf)
        return bytes(buf)

    def writeto_mem(self, addr, memaddr, buf, addrsize=8):
        d = self._dev(addr)
        d.i2c_write(bytes((memaddr,)) + bytes(buf))

    def writeto(self, addr, buf, stop=True, start=0, end=None):
        """machine.I2C.writeto(addr, buf, stop) and busio.I2C.writeto(addr, buf, start=, end=)."""
        d = self._dev(addr)
        if end is None:
            end = len(buf)
        d.i2c_write(bytes(buf[start:end]))
        return end - start  # MicroPython returns the number of ACKs

    def readfrom_into(self, addr, buf, stop=True, start=0, end=None):
        d = self._dev(addr)
        d.i2c_read_into(buf, start, len(buf) if end is None else end)

    def readfrom(self, addr, nbytes, stop=True):
        buf = bytearray(nbytes)
        self.readfrom_into(addr, buf)
        return bytes(buf)

    # -- busio.I2C (what adafruit_bus_device calls) -------------------------------------------
    def writeto_then_readfrom(self, addr, out_buf, in_buf, out_start=0, out_end=None,
                              in_start=0, in_end=None):
        self.writeto(addr, out_buf, start=out_start, end=out_end)
        self.readfrom_into(addr, in_buf, start=in_start, end=in_end)

    def try_lock(self):
        if self._locked:
            return False
        self._locked = True
        return True

    def unlock(self):
        self._locked = False

    def deinit(self):
        pass
