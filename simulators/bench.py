"""Run one bench: the real firmware on the real MicroPython interpreter, flash in a directory."""
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from edge_agent.firmware_image import FIRMWARE, build_image

SHIMS = Path(__file__).resolve().parent / "shims"
POWER_SIM = Path(__file__).resolve().parent / "power"
# An ESP32 GENERIC build without PSRAM (MicroPython >= 1.22) grows its GC heap once to 111,936 bytes
# and leaves ~40 KB to ESP-IDF for Wi-Fi and TLS (micropython PR #13219). The unix port on a 64-bit
# host stores the same objects in 8-byte words and 32-byte GC blocks (4 and 16 on the ESP32): the host
# gets the word-size ratio, 2x (docs/simulator.md has the figures and what this cannot show).
ESP32_HEAP_BYTES = 111936
HOST_HEAP_SCALE = struct.calcsize("P") // 4
# The simulated INA219s and their physics (machine shim, virtual_i2c, live, ina219_model) run inside
# the bench's interpreter, which a real bench does not carry: measured 13.6 KB here, allowed 16.
SIMULATED_HARDWARE_BYTES = 16 * 1024
ESP32_HEAP = str(ESP32_HEAP_BYTES * HOST_HEAP_SCALE + SIMULATED_HARDWARE_BYTES)
# A bench with a boot journal (watchdog, safe mode, updates) loads benchcore.keepalive, bootslot and
# their vocabulary, and that pushes the interpreter's string pool into its next, doubled block:
# measured +28.8 KB host at idle, and a download peaks at ~246 KB host live (docs/updates.md, "Heap").
# The ESP32 model has no room for that until the firmware is frozen into the interpreter image (or
# the board has PSRAM); such benches get it here, named apart, so the gap stays visible.
KEEPALIVE_HOST_BYTES = 64 * 1024
ESP32_HEAP_KEEPALIVE = str(int(ESP32_HEAP) + KEEPALIVE_HOST_BYTES)
_HEAP_LINE = re.compile(r"heap: peak=(\d+)")


def micropython_binary() -> str:
    candidate = Path(sys.executable).with_name("micropython")
    return str(candidate) if candidate.exists() else (shutil.which("micropython") or "micropython")


def free_udp_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_config(bench_id, municipality, broker_host, broker_port, portal_port, mqtt_user=None,
                 mqtt_password=None, key=None, key_id="k1", mqtt_tls=None, **extra):
    """mqtt_tls: {"tls": True, "ca": PEM or base64 DER, "server_hostname": name} for a TLS broker."""
    cfg = {
        "bench_id": bench_id,
        "municipality": municipality,
        "ssid": "LINK klupa · " + municipality,
        "mqtt": {"host": broker_host, "port": broker_port, "user": mqtt_user, "password": mqtt_password,
                 "keepalive": 30, **(mqtt_tls or {})},
        "portal": {"host": "127.0.0.1", "port": portal_port},
        # The captive DNS: port 53 on the bench, a free loopback UDP port here.
        "dns": {"host": "127.0.0.1", "port": free_udp_port()},
        "key_id": key_id,
        "key": key or "",
        # Demo and tests serve citizens around the clock; `benchsim energy` runs the real schedule
        # (hotspot 07:00-22:00, deep sleep at night), which a simulated bench would sleep through.
        "power": {"policy": {"ap_hours": [0, 24]}},
    }
    cfg.update(extra)
    return cfg


def prepare_flash(flash: Path, config: dict | None, image: Path | None = None, keepalive: bool = False) -> Path:
    """Lay the firmware image into flash (proposals already stored there stay). keepalive: start a
    boot journal, which turns on the watchdog, boot counter, safe mode and updates (docs/updates.md).
    image: a tree build_image() made before, copied instead of compiling again (many benches, one build)."""
    if image is not None:
        shutil.copytree(image, flash, dirs_exist_ok=True)
    else:
        build_image(flash)
    if config is not None:
        (flash / "config.json").write_text(json.dumps(config, ensure_ascii=False, indent=1))
    if keepalive:
        shutil.copyfile(FIRMWARE / "boot_journal.py", flash / "boot.py")  # the boot that runs bootslot
        if not (flash / "boot.json").exists():
            (flash / "boot.json").write_text(json.dumps(
                {"good": None, "trial": None, "failed": None, "unhealthy": 0, "safe": False}))
    return flash


# Exit codes of the machine shim (simulators/shims/machine.py) and the reset causes they become.
EXIT_RESET, EXIT_DEEPSLEEP = 75, 76
PWRON_RESET, WDT_RESET, DEEPSLEEP_RESET, SOFT_RESET = 1, 3, 4, 5


class BenchProcess:
    """A simulated bench; its log lines go to log_path and, prefixed, to echo (if given).

    supervise=True makes it behave like the chip after a reset: machine.reset() and deep sleep start
    the interpreter again (reset cause SOFT_RESET / DEEPSLEEP_RESET), and so does a watchdog that
    was armed and not fed in time (WDT_RESET: the process is killed first). Any other exit is a
    bench stuck at its REPL prompt: it stays down (`stuck`)."""

    def __init__(self, flash: Path, heap: str = ESP32_HEAP, echo=None, log_path: Path | None = None,
                 supervise: bool = False):
        self.supervise = supervise
        self.reset_cause = PWRON_RESET
        self.resets = []  # the reset causes of every restart, in order
        self.stuck = None  # the exit code of a bench that stopped without a reset
        self._supervisor = None
        self._stopping = False
        self.wdt_path = Path(flash).parent / (Path(flash).name + ".wdt")
        self.flash = Path(flash)
        self.heap = heap
        self.echo = echo
        self.log_path = log_path or self.flash.parent / (self.flash.name + ".log")
        self.proc = None
        self.peak_heap = 0
        self.lines = []
        self._reader = None

    @property
    def config(self) -> dict:
        return json.loads((self.flash / "config.json").read_text())

    @property
    def portal_url(self) -> str:
        portal = self.config["portal"]
        return "http://%s:%d" % (portal["host"], portal["port"])

    def start(self, reset_cause: int = PWRON_RESET):
        self.reset_cause = reset_cause
        self._stopping = False
        self.wdt_path.unlink(missing_ok=True)  # a reset disarms the watchdog
        self._spawn()
        if self.supervise and (self._supervisor is None or not self._supervisor.is_alive()):
            self._supervisor = threading.Thread(target=self._supervise, daemon=True)
            self._supervisor.start()
        return self

    def _spawn(self):
        env = dict(os.environ)
        env["BENCHSIM_WDT"] = str(self.wdt_path)
        env["BENCHSIM_RESET_CAUSE"] = str(self.reset_cause)
        # ".frozen" keeps the interpreter's frozen modules (asyncio) importable, as on the ESP32.
        env["MICROPYPATH"] = os.pathsep.join([str(SHIMS), ".frozen", str(POWER_SIM), str(self.flash), str(self.flash / "lib")])
        env["BENCHSIM_ID"] = self.config["bench_id"]
        self.proc = subprocess.Popen(
            [micropython_binary(), "-X", "heapsize=" + self.heap, "-c", "import boot\nimport main"],
            cwd=self.flash, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        self._reader = threading.Thread(target=self._read_output, args=(self.proc,), daemon=True)
        self._reader.start()

    def _supervise(self):
        while not self._stopping:
            time.sleep(0.1)
            proc = self.proc
            code = proc.poll()
            if code is None:
                if self._watchdog_expired():
                    self.lines.append("simulator: watchdog not fed: reset")
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
                    self._restart(WDT_RESET)
                continue
            if self._stopping:
                return
            if code == EXIT_RESET:
                self._restart(SOFT_RESET)
            elif code == EXIT_DEEPSLEEP:
                self._restart(DEEPSLEEP_RESET)
            else:
                self.stuck = code
                return

    def _watchdog_expired(self) -> bool:
        try:
            stat = self.wdt_path.stat()
            timeout_ms = int(self.wdt_path.read_text() or 0)
        except (OSError, ValueError):
            return False
        return timeout_ms > 0 and time.time() - stat.st_mtime > timeout_ms / 1000

    def _restart(self, cause: int):
        self.resets.append(cause)
        self.reset_cause = cause
        self.wdt_path.unlink(missing_ok=True)
        self._spawn()

    def power_cut(self):
        """Power off and on again: SIGKILL, then a power-on start."""
        self._stopping = True
        if self._supervisor:
            self._supervisor.join(timeout=2)
        self.kill()
        self.resets.append(PWRON_RESET)
        return self.start(PWRON_RESET)

    def _read_output(self, proc):
        with open(self.log_path, "ab") as log:
            for raw in proc.stdout:
                log.write(raw)
                log.flush()
                line = raw.decode("utf-8", "replace").rstrip()
                self.lines.append(line)
                match = _HEAP_LINE.search(line)
                if match:
                    self.peak_heap = max(self.peak_heap, int(match.group(1)))
                if self.echo:
                    self.echo("%s | %s" % (self.config["bench_id"], line))

    def status(self, timeout=2.0, path="/status.json") -> dict:
        """The bench's /status.json (or another JSON page: /keepalive.json); waits out the portal's per-client rate limit (429) if hit."""
        import urllib.error

        for attempt in range(4):
            try:
                with urllib.request.urlopen(self.portal_url + path, timeout=timeout) as resp:
                    return json.loads(resp.read())
            except urllib.error.HTTPError as err:
                if err.code != 429 or attempt == 3:
                    raise
                time.sleep(float(err.headers.get("Retry-After", "1")) / 10 + 0.5)

    def wait_ready(self, timeout=30.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None and (not self.supervise or self.stuck is not None):
                raise RuntimeError("bench exited with %s:\n%s" % (self.proc.returncode, "\n".join(self.lines[-20:])))
            try:
                return self.status(timeout=1.0)
            except OSError:
                time.sleep(0.1)
        raise TimeoutError("bench portal did not answer within %.0f s:\n%s" % (timeout, "\n".join(self.lines[-20:])))

    def kill(self):
        """A power cut: SIGKILL, no chance to flush or say goodbye."""
        self._stopping = True
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self, timeout=5.0):
        self._stopping = True
        if self._supervisor and self._supervisor is not threading.current_thread():
            self._supervisor.join(timeout=2)
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        if self._reader:
            self._reader.join(timeout=2)
        return self.proc.returncode if self.proc else None
