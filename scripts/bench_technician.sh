#!/usr/bin/env bash
# The technician's steps on the simulated board: how long each takes here, and how many bytes cross
# the UART, with the time those bytes need on a real board's serial line (10 bits per byte).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python - <<'PY'
import os, tempfile, time
from pathlib import Path
from esptool import bin_image
from edge_agent.device.deploy import deploy
from edge_agent.device.doctor import doctor
from edge_agent.device.flash import flash
from edge_agent.firmware_image import build_image
from simulators.devices.rom_bootloader import RomBootloaderServer
from simulators.devices.serial_device import VirtualSerialDevice

def line(what, seconds, nbytes, baud):
    print("%-32s %6.1f s here  %8d B on the wire  ~%5.0f s at %d baud" % (what, seconds, nbytes, nbytes * 10 / baud, baud))

with tempfile.TemporaryDirectory() as tmp:
    tmp = Path(tmp)
    image = bin_image.ESP32FirmwareImage()  # the size of MicroPython's ESP32_GENERIC image, random content
    image.entrypoint = 0x40080000
    image.segments = [bin_image.ELFSection(b".flash.text", 0x400D0020, os.urandom(1600 * 1024), 0)]
    image.save(str(tmp / "fw.bin"))
    rom = RomBootloaderServer(tmp / "flash.bin").start()
    (tmp / "fs").mkdir()
    board = VirtualSerialDevice(tmp / "fs").start()
    import contextlib, io
    t = time.monotonic()
    with contextlib.redirect_stdout(io.StringIO()):  # esptool's progress bar, one line per block off a terminal
        flash(rom.url, tmp / "fw.bin", log=lambda _: None)
    line("bench flash (1.6 MB, ROM)", time.monotonic() - t, rom.bytes_in + rom.bytes_out, 460800)
    tree = build_image(tmp / "tree")
    for name in ("bench deploy (blank board)", "bench deploy (nothing changed)"):
        before = board.bytes_in + board.bytes_out
        t = time.monotonic(); report = deploy(board.path, tree)
        line(name, time.monotonic() - t, board.bytes_in + board.bytes_out - before, 115200)
        print("  sent %d files, %d KB" % (len(report.sent), report.bytes_sent // 1024))
    before = board.bytes_in + board.bytes_out
    t = time.monotonic(); doctor(board.path)
    line("bench doctor", time.monotonic() - t, board.bytes_in + board.bytes_out - before, 115200)
    board.stop(); rom.stop()
PY
