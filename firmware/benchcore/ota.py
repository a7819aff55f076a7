"""The interpreter itself (MicroPython firmware image) over the air, through the ESP32's OTA
partitions (esp32.Partition): written block by block into the partition that does not run, read
back and checked against its SHA-256, then named for the next boot (set_boot). The new image boots
on probation: unless it calls confirm() (Partition.mark_app_valid_cancel_rollback) in that boot,
the bootloader goes back to the old one at the next reset. Needs a partition table with two OTA
app partitions and a bootloader built with app rollback (docs/updates.md lists what remains to be
proven on hardware). The image's SHA-256 comes from a signed release manifest."""
import hashlib
from binascii import hexlify

_BLOCK = 4096


class ImageRefused(ValueError):
    pass


class InterpreterUpdate:
    def __init__(self, size, sha256_hex):
        from esp32 import Partition

        self.target = Partition(Partition.RUNNING).get_next_update()
        capacity = self.target.ioctl(4, 0) * self.target.ioctl(5, 0)
        if not 0 < size <= capacity:
            raise ImageRefused("image of %d bytes does not fit %s (%d)" % (size, self.target.info()[4], capacity))
        self.size, self.sha256_hex = size, sha256_hex
        self._block = bytearray(_BLOCK)  # one erase block: the whole buffer this needs
        self._fill = self._written = 0
        self._next = 0

    def write(self, chunk):
        """Any amount at a time; whole blocks go to flash as they fill."""
        at = 0
        while at < len(chunk):
            n = min(len(chunk) - at, _BLOCK - self._fill)
            self._block[self._fill:self._fill + n] = chunk[at:at + n]
            self._fill += n
            at += n
            if self._fill == _BLOCK:
                self._flush()
        if self._written + self._fill > self.size:
            raise ImageRefused("more bytes than announced")

    def _flush(self):
        if self._fill:
            for i in range(self._fill, _BLOCK):
                self._block[i] = 0xFF
            self.target.writeblocks(self._next, self._block)
            self._next += 1
            self._written += self._fill
            self._fill = 0

    def finish(self):
        """Check what is on flash, then boot it next time (on probation)."""
        self._flush()
        if self._written != self.size:
            raise ImageRefused("image cut short: %d of %d bytes" % (self._written, self.size))
        h = hashlib.sha256()
        left = self.size
        for block in range(self._next):
            self.target.readblocks(block, self._block)
            h.update(self._block if left >= _BLOCK else memoryview(self._block)[:left])
            left -= _BLOCK
        if hexlify(h.digest()).decode() != self.sha256_hex:
            raise ImageRefused("image on flash does not match its sha256")
        self.target.set_boot()
        return self.target.info()[4]


def confirm():
    """This boot of a new interpreter is healthy: keep it (no rollback at the next reset)."""
    from esp32 import Partition

    Partition.mark_app_valid_cancel_rollback()


def running_partition():
    from esp32 import Partition

    return Partition(Partition.RUNNING).info()[4]
