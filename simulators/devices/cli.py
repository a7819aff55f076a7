"""`benchsim device --dir DIR`: one simulated board for the technicians' tools.

Prints `serial: /dev/pts/N` (MicroPython's REPL, for mpremote and `bench deploy|provision|doctor`)
and `rom: socket://127.0.0.1:PORT` (the ROM bootloader, for esptool and `bench flash`), then runs
until Ctrl-C (or --seconds). DIR is the board's filesystem; the flash image the ROM writes is
DIR.flash.bin beside it; everything the board prints also goes to DIR.serial.log.
"""
import signal
import threading
from pathlib import Path

from simulators.bench import ESP32_HEAP
from simulators.devices.rom_bootloader import RomBootloaderServer
from simulators.devices.serial_device import VirtualSerialDevice


def run_device(args):
    directory = Path(args.dir).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    rom = RomBootloaderServer(directory.with_name(directory.name + ".flash.bin"), port=args.rom_port).start()
    device = VirtualSerialDevice(directory, heap=args.heap,
                                 log_path=directory.with_name(directory.name + ".serial.log")).start()
    print(f"serial: {device.path}", flush=True)
    print(f"rom: {rom.url}", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        done.wait(args.seconds or None)
    except KeyboardInterrupt:
        pass
    finally:
        device.stop()
        rom.stop()
    return 0


def add_parser(sub):
    parser = sub.add_parser("device", help="a simulated board: virtual serial port (MicroPython) and ROM bootloader")
    parser.add_argument("--dir", required=True, help="directory that stands for the board's filesystem")
    parser.add_argument("--rom-port", type=int, default=0, help="TCP port of the ROM bootloader (default: a free one)")
    parser.add_argument("--heap", default=ESP32_HEAP)
    parser.add_argument("--seconds", type=float, default=0, help="stop after this long (default: until Ctrl-C)")
    parser.set_defaults(func=run_device)
