"""The files that go on a bench's flash: firmware precompiled to .mpy, plus device libraries; and a
release (the same application tree with a manifest) for an over-the-air update (docs/updates.md)."""
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from edge_agent.devicelibs import DEVICE_LIB, ROOT, build_device_libs, compile_to_mpy, libs_are_current, mpy_cross

FIRMWARE = ROOT / "firmware"
if str(FIRMWARE) not in sys.path:  # the bench core's vocabulary (protocol) also names release files
    sys.path.insert(0, str(FIRMWARE))
from benchcore import protocol_updates as protocol  # noqa: E402
# boot.py and main.py stay source: the ESP32 runs them by name at reset. They and bootslot (which
# picks the application tree at boot) are the loader: not part of a release, never replaced by one.
ENTRY_FILES = ("boot.py", "main.py")
LOADER_MODULES = ("bootslot.py",)


def ensure_device_libs() -> Path:
    if not libs_are_current():
        build_device_libs()
    return DEVICE_LIB


def _compile_package(package: Path, target_pkg: Path, version: str | None) -> None:
    if target_pkg.exists():
        shutil.rmtree(target_pkg)
    # One file name for all of benchcore in tracebacks (function and line still tell where): the bench
    # interns each module's name for good, and a name per module cost ~30 of the string pool's 1,260
    # entries before it doubles (docs/simulator.md, Heap).
    for source in sorted(package.rglob("*.py")):
        target = target_pkg / source.relative_to(package).with_suffix(".mpy")
        if version and source.name == "__init__.py" and source.parent == package:
            text = source.read_text()
            marker = 'VERSION = "'
            start = text.index(marker) + len(marker)
            text = text[:start] + version + text[text.index('"', start):]
            with tempfile.TemporaryDirectory() as tmp:
                patched = Path(tmp) / "__init__.py"
                patched.write_text(text)
                target.parent.mkdir(parents=True, exist_ok=True)
                subprocess.run([mpy_cross(), "-s", "benchcore", "-o", str(target), str(patched)],
                               check=True, capture_output=True)
        else:
            compile_to_mpy(source, target, "benchcore")


def build_app_tree(out: Path, version: str | None = None, firmware: Path = FIRMWARE) -> Path:
    """benchcore/*.mpy, www/ and lib/ into out: what a release carries. version replaces
    benchcore.VERSION (what the bench reports); firmware: another source tree (tests)."""
    out.mkdir(parents=True, exist_ok=True)
    _compile_package(firmware / "benchcore", out / "benchcore", version)
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


def build_image(out: Path, board: str = "reference") -> Path:
    """Write a complete flash image tree (boot.py, main.py, bootslot.mpy, benchcore/*.mpy, lib/,
    www/ and the board profile as board.json) into out."""
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "hardware" / "profiles" / f"{board}.json", out / "board.json")
    for name in ENTRY_FILES:
        shutil.copyfile(FIRMWARE / name, out / name)
    for name in LOADER_MODULES:
        compile_to_mpy(FIRMWARE / name, out / name.replace(".py", ".mpy"))
    return build_app_tree(out)


def manifest_files(tree: Path) -> list:
    """[path, size, sha256] of every file of a release tree, in a stable order."""
    files = []
    for path in sorted(p for p in tree.rglob("*") if p.is_file()):
        rel = path.relative_to(tree).as_posix()
        if rel in (protocol.RELEASE_MANIFEST, protocol.RELEASE_SIGNATURE):
            continue
        data = path.read_bytes()
        files.append([rel, len(data), hashlib.sha256(data).hexdigest()])
    return files


def build_release(out: Path, version: str, firmware: Path = FIRMWARE) -> Path:
    """A release tree and its unsigned manifest draft; `hub release add` numbers and signs it."""
    if out.exists():
        shutil.rmtree(out)
    build_app_tree(out, version=version, firmware=firmware)
    draft = {"format": protocol.RELEASE_FORMAT, "version": version, "files": manifest_files(out)}
    (out / protocol.RELEASE_MANIFEST).write_text(json.dumps(draft, separators=(",", ":")))
    return out
