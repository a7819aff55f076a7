"""`bench flash`: write a MicroPython ESP32 image with esptool (as a library), through the chip's ROM
bootloader (no flasher stub: the same commands on a board and on the simulator's virtual ROM).

Everything that can refuse the job is checked before the first erase: the file is an ESP image, it
is built for the chip that answers, and it fits the chip's flash at the chip's offset. esptool then
erases each region as it writes it (the ROM's FLASH_BEGIN), and checks the MD5 of what landed.
"""
import time
from dataclasses import dataclass
from pathlib import Path

from edge_agent.device.transport import DeviceError, check_port

ESP_IMAGE_MAGIC = 0xE9
IMAGE_CHIP_ID_OFFSET = 12  # in the extended header, after the 8-byte common header
DEFAULT_BAUD = 460800  # the ROM switches to it (CHANGE_BAUDRATE): about 4x faster than 115200


@dataclass
class FlashResult:
    chip: str
    flash_size: str
    offset: int
    size: int
    seconds: float


def image_chip_name(chip_id: int) -> str:
    from esptool.targets import ROM_LIST

    return next((rom.CHIP_NAME for rom in ROM_LIST if rom.IMAGE_CHIP_ID == chip_id), f"unknown chip id {chip_id}")


def read_image(path: Path) -> tuple:
    """(bytes, chip id) of an ESP firmware image, or DeviceError saying what the file is not."""
    path = Path(path)
    if not path.is_file():
        raise DeviceError(f"no firmware image at {path}: download the ESP32_GENERIC .bin of the MicroPython release "
                          "named in docs/technicians.md, or give its path with --firmware")
    data = path.read_bytes()
    if len(data) < 24 or data[0] != ESP_IMAGE_MAGIC:
        raise DeviceError(f"{path} is not an ESP firmware image (it must start with byte 0xE9): "
                          "use the .bin file, not the .elf, .uf2 or a zip")
    return data, int.from_bytes(data[IMAGE_CHIP_ID_OFFSET:IMAGE_CHIP_ID_OFFSET + 2], "little")


def flash(port: str, firmware: Path, baud: int = DEFAULT_BAUD, log=print) -> FlashResult:
    """Detect the chip at `port`, check the image against it, write it at the chip's offset, verify."""
    from esptool.cmds import attach_flash, detect_chip, detect_flash_size, reset_chip, write_flash
    from esptool.util import FatalError, flash_size_bytes

    data, image_chip = read_image(firmware)
    if "://" not in port:
        check_port(port)
    started = time.monotonic()
    try:
        esp = detect_chip(port, connect_attempts=3)
    except (FatalError, OSError) as exc:
        raise DeviceError(f"no device answering on {port} ({str(exc).splitlines()[0]}): hold the board's BOOT button, "
                          "press and release EN, release BOOT, and try again; a charge-only USB cable carries no data")
    try:
        if image_chip != esp.IMAGE_CHIP_ID:
            raise DeviceError(f"wrong chip: the image is for {image_chip_name(image_chip)}, the board is "
                              f"{esp.CHIP_NAME}: nothing was erased. Use the {esp.CHIP_NAME} image")
        attach_flash(esp)
        size_name = detect_flash_size(esp) or "4MB"
        offset = esp.BOOTLOADER_FLASH_OFFSET
        if offset + len(data) > flash_size_bytes(size_name):
            raise DeviceError(f"image too large: {len(data) // 1024} KB at 0x{offset:x} does not fit the board's "
                              f"{size_name} flash: nothing was erased. Use the image for this board")
        if baud != esp.ESP_ROM_BAUD:
            esp.change_baud(baud)
        log(f"writing {len(data) // 1024} KB at 0x{offset:x} on {esp.CHIP_NAME} ({size_name} flash)")
        write_flash(esp, [(offset, data)], flash_size="keep")  # verifies the MD5 of each region
        reset_chip(esp, "hard-reset")
    except FatalError as exc:
        raise DeviceError(f"esptool: {exc}")
    finally:
        esp._port.close()
    return FlashResult(esp.CHIP_NAME, size_name, offset, len(data), time.monotonic() - started)
