"""`bench deploy`: put the firmware package and device libraries on a bench, sending only what changed.

The tree is `bench image`'s (boot.py, main.py, benchcore/*.mpy, lib/, www/, board.json). The .mpy
files must match the bytecode version of the MicroPython on the board, read from the board itself
(sys.implementation._mpy). Files the bench writes itself (config.json, the outbox, state) are never
touched; files under the directories the image owns (benchcore/, lib/, www/) that the image no
longer has are removed. Each file is written beside and renamed over, so a cut cable leaves every
file either old or new. Then the bench is reset and watched until its portal is up.
"""
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from edge_agent.device.transport import Device, DeviceError

OWNED_DIRS = ("benchcore/", "lib/", "www/")
# Last, so that a bench never boots new entry points against old modules.
ENTRY_FILES = ("boot.py", "main.py")
UP_MARKERS = ("portal listening", "config error", "Traceback")


@dataclass
class DeployReport:
    sent: list = field(default_factory=list)
    unchanged: int = 0
    removed: list = field(default_factory=list)
    bytes_sent: int = 0
    boot_log: str = ""

    @property
    def came_up(self) -> bool:
        return "portal listening" in self.boot_log

    @property
    def config_missing(self) -> bool:
        return "config error" in self.boot_log


def local_tree(root: Path) -> dict:
    """{device path: bytes} of the image tree."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def mpy_version(data: bytes) -> int:
    """The bytecode version from an .mpy header (b'M', version, flags). The sub-version in the flags
    matters only for native code, which the bench does not use."""
    if data[:1] != b"M":
        raise ValueError("not an .mpy file")
    return data[1]


def device_mpy_version(device: Device) -> int:
    value = device.run_json("import sys, json\nprint(json.dumps(getattr(sys.implementation, '_mpy', 0)))")
    return value & 0xFF


def check_bytecode(tree: dict, device_version: int) -> None:
    built = next((mpy_version(data) for path, data in tree.items() if path.endswith(".mpy")), None)
    if built is not None and built != device_version:
        raise DeviceError(f"the bench's MicroPython reads .mpy v{device_version} but mpy-cross made v{built}: "
                          "flash the MicroPython release this toolkit is made for (`bench flash`), or install "
                          "the matching mpy-cross")


def plan(tree: dict, remote: dict) -> tuple:
    """(paths to send in order, paths to remove)."""
    changed = [p for p, data in tree.items() if remote.get(p) != hashlib.sha256(data).hexdigest()]
    changed.sort(key=lambda p: (p in ENTRY_FILES, p))
    stale = sorted(p for p in remote if p.startswith(OWNED_DIRS) and p not in tree)
    return changed, stale


def deploy(port: str, image: Path, progress=None, watch_timeout: float = 60, echo=None) -> DeployReport:
    """Copy the image tree at `image` onto the bench at `port`, reset it and watch it boot."""
    tree = local_tree(image)
    report = DeployReport()
    device = Device(port).open()
    try:
        check_bytecode(tree, device_mpy_version(device))
        remote = device.file_hashes()
        send, stale = plan(tree, remote)
        report.unchanged = len(tree) - len(send)
        free = device.run_json("import os, json\ns = os.statvfs('/')\nprint(json.dumps(s[0] * s[3]))")
        needed = sum(len(tree[p]) for p in send) + len(send) * 4096  # at worst one more block per file
        if needed > free + sum(4096 * ((len(tree[p]) + 4095) // 4096) for p in send if p in remote):
            raise DeviceError(f"the files do not fit: {needed // 1024} KB to write, {free // 1024} KB free on the "
                              "bench's flash (see `bench doctor`)")
        made = set()
        for number, path in enumerate(send, 1):
            for parent in _parents(path):
                if parent not in made:
                    device.run(f"import os\ntry:\n os.mkdir({parent!r})\nexcept OSError:\n pass")
                    made.add(parent)
            if progress:
                progress(number, len(send), path)
            device.write_file_atomic(path, tree[path])
            report.sent.append(path)
            report.bytes_sent += len(tree[path])
        for path in stale:
            device.remove(path)
            report.removed.append(path)
        if progress:
            progress(len(send), len(send), "resetting the bench")
        report.boot_log = device.hard_reset_and_watch(UP_MARKERS, timeout=watch_timeout, echo=echo)
    finally:
        device.close()
    return report


def _parents(path: str) -> list:
    parts = path.split("/")[:-1]
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
