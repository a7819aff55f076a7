"""Pieces of the technicians' tools that need no device: deploy's plan and bytecode check, and the
virtual ROM's answers to bad requests (esptool drives the good ones in tests/system)."""
import hashlib
import struct

import pytest

from edge_agent.device.deploy import check_bytecode, plan
from edge_agent.device.transport import DeviceError
from simulators.devices.rom_bootloader import (CMD_FLASH_BEGIN, CMD_FLASH_DATA, CMD_SPI_FLASH_MD5, STATUS_BAD_CHECKSUM,
                                               STATUS_BAD_DATA, STATUS_INVALID_MESSAGE, STATUS_OK, Esp32Rom,
                                               SlipReader, slip_encode)


def sha(data):
    return hashlib.sha256(data).hexdigest()


def test_deploy_sends_changed_files_entry_points_last_and_removes_only_its_own_leftovers():
    tree = {"main.py": b"m2", "boot.py": b"b", "benchcore/app.mpy": b"M\x06a", "lib/umqtt/simple.mpy": b"M\x06u"}
    remote = {"boot.py": sha(b"b"), "main.py": sha(b"m1"), "lib/umqtt/simple.mpy": sha(b"M\x06u"),
              "benchcore/gone.mpy": "x", "config.json": "c", "outbox.log": "o", "key.json": "k"}
    send, stale = plan(tree, remote)
    assert send == ["benchcore/app.mpy", "main.py"]
    assert stale == ["benchcore/gone.mpy"]  # config, outbox and keys are the bench's own


def test_deploy_refuses_bytecode_the_board_cannot_read():
    check_bytecode({"a.mpy": b"M\x06\x00"}, 6)
    with pytest.raises(DeviceError, match="reads .mpy v5 but mpy-cross made v6"):
        check_bytecode({"a.mpy": b"M\x06\x00"}, 5)


def test_the_virtual_rom_refuses_what_a_rom_refuses(tmp_path):
    rom = Esp32Rom(tmp_path / "flash.bin", flash_size=64 * 1024)
    assert rom.handle(0x05, struct.pack("<IIII", 0, 1, 0x1800, 0x3FFB0000), 0) == [(0, STATUS_INVALID_MESSAGE)]
    assert rom.handle(CMD_FLASH_BEGIN, struct.pack("<IIII", 128 * 1024, 128, 1024, 0), 0) == [(0, STATUS_BAD_DATA)]
    assert rom.handle(CMD_FLASH_BEGIN, struct.pack("<IIII", 2048, 2, 1024, 0x1000), 0) == [(0, STATUS_OK)]
    block = bytes(range(256)) * 4
    header = struct.pack("<IIII", len(block), 0, 0, 0)
    assert rom.handle(CMD_FLASH_DATA, header + block, 0x00) == [(0, STATUS_BAD_CHECKSUM)]
    xor = 0xEF
    for b in block:
        xor ^= b
    assert rom.handle(CMD_FLASH_DATA, struct.pack("<IIII", len(block), 1, 0, 0) + block, xor) == [(0, STATUS_BAD_DATA)]
    assert rom.handle(CMD_FLASH_DATA, header + block, xor) == [(0, STATUS_OK)]
    ((_, answer),) = rom.handle(CMD_SPI_FLASH_MD5, struct.pack("<IIII", 0x1000, 1024, 0, 0), 0)
    assert answer == hashlib.md5(block).hexdigest().encode() + STATUS_OK


def test_slip_frames_survive_escapes_and_noise():
    packet = b"\x00\xc0\xdb\x01"
    stream = b"boot noise" + slip_encode(packet) + b"\xc0" + slip_encode(b"\x02")
    assert list(SlipReader().feed(stream)) == [packet, b"\x02"]
