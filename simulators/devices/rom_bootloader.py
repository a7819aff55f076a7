"""A virtual ESP32 ROM serial bootloader on a TCP port, for real esptool (`--port socket://HOST:PORT`).

It speaks the ROM's protocol as esptool v5 uses it without its stub (esptool's loader.py,
cmds.py and targets/esp32.py are the reference): SLIP frames (0xC0, escapes 0xDB 0xDC / 0xDB 0xDD);
a request is `00 op len16 checksum32 data`, a response `01 op len16 value32 data + status(4)`.

Modelled commands:
- SYNC (0x08): answered once per frame plus seven more replies, value non-zero (a ROM, not a stub).
- READ_REG (0x0A) / WRITE_REG (0x09): a register file. Chip detection reads 0x40001000 (0x00F01D83 is
  an ESP32); eFuse words at 0x3FF5A000 + 4n give revision, package and a made-up MAC;
  UART_CLKDIV (0x3FF40014) gives a 40 MHz crystal; writing SPI_CMD (0x3FF42000) with the USR bit runs
  a SPI flash command: RDID (0x9F) puts the flash's JEDEC id in W0 (0x3FF42080), anything else reads 0.
- SPI_ATTACH (0x0D), SPI_SET_PARAMS (0x0B), CHANGE_BAUDRATE (0x0F): acknowledged (a socket has no baud).
- FLASH_BEGIN (0x02) erases the region (0xFF), FLASH_DATA (0x03) writes a block after checking its
  XOR checksum (seed 0xEF) and sequence, FLASH_END (0x04) leaves download mode.
- FLASH_DEFL_BEGIN/DATA/END (0x10-0x12): the same with zlib-compressed blocks.
- SPI_FLASH_MD5 (0x13): MD5 of a flash region as 32 ASCII hex characters (the ROM's form, not the stub's).
- READ_FLASH_SLOW (0x0E): 64 bytes at a time, as the ROM does.
- MEM_BEGIN/DATA/END (stub upload) and anything else: refused with the ROM's "invalid message"
  status, so esptool must be run with --no-stub.
The flash is a file of the chip's flash size; one client at a time, as a UART has one other end.
"""
import hashlib
import socket
import struct
import threading
import zlib
from pathlib import Path

FLASH_SIZE = 4 * 1024 * 1024
FLASH_JEDEC_ID = 0x1640EF  # Winbond W25Q32 (manufacturer 0xEF, type 0x40, capacity 0x16 = 4 MB), as W0 holds it

CHIP_MAGIC_REG = 0x40001000
ESP32_MAGIC = 0x00F01D83
EFUSE_BASE = 0x3FF5A000
UART_CLKDIV_REG = 0x3FF40014
APB_CTL_DATE_REG = 0x3FF6607C  # bit 31: revision bit 2 (with the eFuse bits: v3.0)
SPI_BASE = 0x3FF42000
SPI_CMD_REG = SPI_BASE
SPI_USR2_REG = SPI_BASE + 0x24
SPI_W0_REG = SPI_BASE + 0x80
SPI_CMD_USR = 1 << 18
SPIFLASH_RDID = 0x9F

CHECKSUM_SEED = 0xEF
STATUS_OK = b"\x00\x00\x00\x00"
STATUS_INVALID_MESSAGE = b"\x01\x05\x00\x00"
STATUS_BAD_CHECKSUM = b"\x01\x07\x00\x00"
STATUS_BAD_DATA = b"\x01\x08\x00\x00"  # wrong length or sequence, or outside the flash

CMD_FLASH_BEGIN, CMD_FLASH_DATA, CMD_FLASH_END = 0x02, 0x03, 0x04
CMD_SYNC, CMD_WRITE_REG, CMD_READ_REG = 0x08, 0x09, 0x0A
CMD_SPI_SET_PARAMS, CMD_SPI_ATTACH, CMD_READ_FLASH_SLOW, CMD_CHANGE_BAUDRATE = 0x0B, 0x0D, 0x0E, 0x0F
CMD_DEFL_BEGIN, CMD_DEFL_DATA, CMD_DEFL_END = 0x10, 0x11, 0x12
CMD_SPI_FLASH_MD5 = 0x13
SYNC_PAYLOAD = b"\x07\x07\x12\x20" + 32 * b"\x55"


def _efuse_words(mac: bytes) -> dict:
    """eFuse read words: MAC in words 1-2 (esptool's read_mac), package D0WD, revision v3.0."""
    mac_hi = struct.unpack(">I", b"\x00\x00" + mac[:2])[0]
    mac_lo = struct.unpack(">I", mac[2:])[0]
    word3 = (1 << 9) | (1 << 15)  # pkg_version 1 (D0WD); rev bit 0
    word5 = 1 << 20  # rev bit 1
    return {EFUSE_BASE + 4: mac_lo, EFUSE_BASE + 8: mac_hi, EFUSE_BASE + 12: word3, EFUSE_BASE + 20: word5}


def slip_encode(packet: bytes) -> bytes:
    return b"\xc0" + packet.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc") + b"\xc0"


class SlipReader:
    """Frames out of a byte stream; bytes outside frames (a terminal's noise) are dropped."""

    def __init__(self):
        self._frame = None
        self._escape = False

    def feed(self, data: bytes):
        for byte in data:
            if self._frame is None:
                if byte == 0xC0:
                    self._frame = bytearray()
                continue
            if self._escape:
                self._escape = False
                self._frame.append({0xDC: 0xC0, 0xDD: 0xDB}.get(byte, byte))
            elif byte == 0xDB:
                self._escape = True
            elif byte == 0xC0:
                if self._frame:
                    yield bytes(self._frame)
                    self._frame = None
                # an empty frame: the 0xC0 just read opens the next one
            else:
                self._frame.append(byte)


class Esp32Rom:
    """The ROM's command handling over one flash file; transport-free so tests can call it directly."""

    def __init__(self, flash_path: Path, flash_size: int = FLASH_SIZE, mac: bytes = b"\x24\x0a\xc4\x00\x00\x01"):
        self.flash_path = Path(flash_path)
        self.flash_size = flash_size
        if not self.flash_path.exists() or self.flash_path.stat().st_size != flash_size:
            self.flash_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.flash_path, "wb") as f:
                f.write(b"\xff" * flash_size)
        self.registers = {CHIP_MAGIC_REG: ESP32_MAGIC, UART_CLKDIV_REG: 347, APB_CTL_DATE_REG: 1 << 31,
                          **_efuse_words(mac)}
        self._write = None  # (offset, size, blocks, block_size, next_seq, inflater or None)
        self.log = []  # what was done, for `benchsim device` and tests

    # -- flash file -------------------------------------------------------
    def _flash_write(self, offset: int, data: bytes) -> None:
        with open(self.flash_path, "r+b") as f:
            f.seek(offset)
            f.write(data)

    def _flash_read(self, offset: int, size: int) -> bytes:
        with open(self.flash_path, "rb") as f:
            f.seek(offset)
            return f.read(size)

    # -- commands ---------------------------------------------------------
    def handle(self, op: int, data: bytes, checksum: int) -> list:
        """Responses (value, data) for one request; several for SYNC."""
        handler = {
            CMD_SYNC: self._sync, CMD_READ_REG: self._read_reg, CMD_WRITE_REG: self._write_reg,
            CMD_SPI_ATTACH: self._ack, CMD_SPI_SET_PARAMS: self._ack, CMD_CHANGE_BAUDRATE: self._ack,
            CMD_FLASH_BEGIN: self._begin, CMD_DEFL_BEGIN: self._begin,
            CMD_FLASH_DATA: self._data, CMD_DEFL_DATA: self._data,
            CMD_FLASH_END: self._end, CMD_DEFL_END: self._end,
            CMD_SPI_FLASH_MD5: self._md5, CMD_READ_FLASH_SLOW: self._read_flash,
        }.get(op)
        if handler is None:
            return [(0, STATUS_INVALID_MESSAGE)]
        return handler(op, data, checksum)

    def _sync(self, op, data, checksum):
        if data != SYNC_PAYLOAD:
            return [(0, STATUS_INVALID_MESSAGE)]
        return [(0x20120707, STATUS_OK)] * 8

    def _ack(self, op, data, checksum):
        return [(0, STATUS_OK)]

    def _read_reg(self, op, data, checksum):
        (address,) = struct.unpack("<I", data[:4])
        return [(self.registers.get(address, 0), STATUS_OK)]

    def _write_reg(self, op, data, checksum):
        for i in range(0, len(data) - 15, 16):
            address, value, mask, _delay = struct.unpack("<IIII", data[i:i + 16])
            old = self.registers.get(address, 0)
            self.registers[address] = (old & ~mask) | (value & mask)
            if address == SPI_CMD_REG and value & SPI_CMD_USR:
                self._spi_command()
        return [(0, STATUS_OK)]

    def _spi_command(self):
        command = self.registers.get(SPI_USR2_REG, 0) & 0xFF
        self.registers[SPI_W0_REG] = FLASH_JEDEC_ID if command == SPIFLASH_RDID else 0
        self.registers[SPI_CMD_REG] = 0  # done at once: esptool polls for the USR bit to clear

    def _begin(self, op, data, checksum):
        erase_size, blocks, block_size, offset = struct.unpack("<IIII", data[:16])
        if erase_size and offset + erase_size > self.flash_size:
            return [(0, STATUS_BAD_DATA)]
        if erase_size:
            self._flash_write(offset, b"\xff" * erase_size)
        inflater = zlib.decompressobj() if op == CMD_DEFL_BEGIN else None
        self._write = [offset, blocks, block_size, 0, inflater]
        self.log.append("erase 0x%x +%d" % (offset, erase_size))
        return [(0, STATUS_OK)]

    def _data(self, op, data, checksum):
        if self._write is None or len(data) < 16:
            return [(0, STATUS_BAD_DATA)]
        size, seq, _, _ = struct.unpack("<IIII", data[:16])
        block = data[16:16 + size]
        xor = CHECKSUM_SEED
        for byte in block:
            xor ^= byte
        if len(block) != size:
            return [(0, STATUS_BAD_DATA)]
        if xor != checksum:
            return [(0, STATUS_BAD_CHECKSUM)]
        offset, blocks, block_size, next_seq, inflater = self._write
        if seq != next_seq:
            return [(0, STATUS_BAD_DATA)]
        if inflater is not None:
            block = inflater.decompress(block)
        elif len(block) < block_size:
            block += b"\xff" * (block_size - len(block))  # esptool pads; the ROM writes whole blocks
        if offset + len(block) > self.flash_size:
            return [(0, STATUS_BAD_DATA)]
        self._flash_write(offset, block)
        self._write = [offset + len(block), blocks, block_size, seq + 1, inflater]
        return [(0, STATUS_OK)]

    def _end(self, op, data, checksum):
        if self._write is not None:
            self.log.append("wrote up to 0x%x" % self._write[0])
        self._write = None
        return [(0, STATUS_OK)]

    def _md5(self, op, data, checksum):
        address, size = struct.unpack("<II", data[:8])
        if address + size > self.flash_size:
            return [(0, STATUS_BAD_DATA)]
        digest = hashlib.md5(self._flash_read(address, size)).hexdigest().encode()
        return [(0, digest + STATUS_OK)]

    def _read_flash(self, op, data, checksum):
        address, size = struct.unpack("<II", data[:8])
        if size > 64 or address + size > self.flash_size:
            return [(0, STATUS_BAD_DATA)]
        return [(0, self._flash_read(address, size) + STATUS_OK)]


class RomBootloaderServer:
    """Esp32Rom on a loopback TCP port: `socket://127.0.0.1:PORT` for esptool and pyserial."""

    def __init__(self, flash_path: Path, host: str = "127.0.0.1", port: int = 0, flash_size: int = FLASH_SIZE):
        self.rom = Esp32Rom(flash_path, flash_size)
        self._listener = socket.create_server((host, port))
        self.host, self.port = self._listener.getsockname()[:2]
        self._busy = threading.Lock()
        self._thread = None
        self.bytes_in = self.bytes_out = 0  # what the UART would carry, for time estimates at a baud rate

    @property
    def url(self) -> str:
        return "socket://%s:%d" % (self.host, self.port)

    def start(self):
        self._thread = threading.Thread(target=self._serve, daemon=True, name="rom-bootloader")
        self._thread.start()
        return self

    def _serve(self):
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return  # closed
            if not self._busy.acquire(blocking=False):
                conn.close()  # the UART already has a host on its other end
                continue
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # one small reply per command: no Nagle wait
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn):
        reader = SlipReader()
        try:
            with conn:
                while True:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    self.bytes_in += len(chunk)
                    for frame in reader.feed(chunk):
                        if len(frame) < 8 or frame[0] != 0:
                            continue
                        _, op, size, checksum = struct.unpack("<BBHI", frame[:8])
                        out = b"".join(slip_encode(struct.pack("<BBHI", 1, op, len(body), value) + body)
                                       for value, body in self.rom.handle(op, frame[8:8 + size], checksum))
                        self.bytes_out += len(out)
                        conn.sendall(out)
        except OSError:
            pass
        finally:
            self.rom._write = None
            self._busy.release()

    def stop(self):
        self._listener.close()
