"""The files that go on a bench's flash: firmware precompiled to .mpy, plus device libraries."""
import shutil
from pathlib import Path

from edge_agent.devicelibs import DEVICE_LIB, ROOT, build_device_libs, compile_to_mpy, libs_are_current

FIRMWARE = ROOT / "firmware"
# boot.py and main.py stay source: the ESP32 runs them by name at reset.
ENTRY_FILES = ("boot.py", "main.py")


def ensure_device_libs() -> Path:
    if not libs_are_current():
        build_device_libs()
    return DEVICE_LIB


def build_image(out: Path, board: str = "reference") -> Path:
    """Write a complete flash image tree (boot.py, main.py, benchcore/*.mpy, lib/, www/ and the
    board profile as board.json) into out."""
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "hardware" / "profiles" / f"{board}.json", out / "board.json")
    for name in ENTRY_FILES:
        shutil.copyfile(FIRMWARE / name, out / name)
    package = FIRMWARE / "benchcore"
    target_pkg = out / "benchcore"
    if target_pkg.exists():
        shutil.rmtree(target_pkg)
    # One file name for all of benchcore in tracebacks (function and line still tell where): the bench
    # interns each module's name for good, and a name per module cost ~30 of the string pool's 1,260
    # entries before it doubles (docs/simulator.md, Heap).
    for source in sorted(package.rglob("*.py")):
        compile_to_mpy(source, target_pkg / source.relative_to(package).with_suffix(".mpy"), "benchcore")
    # The captive portal's static pages, rendered per language and gzipped (edge_agent/portal_pages.py).
    from edge_agent.portal_pages import build_www

    if (out / "www").exists():
        shutil.rmtree(out / "www")
    build_www(out)
    lib = out / "lib"
    if lib.exists():
        shutil.rmtree(lib)
    shutil.copytree(ensure_device_libs(), lib, ignore=shutil.ignore_patterns(".pins"))
    return out
