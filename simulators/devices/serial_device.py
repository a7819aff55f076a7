"""A virtual serial device: a pseudo-terminal whose other end is the real `micropython` interpreter
with the bench's directory as its filesystem, so unchanged mpremote (and `bench`) can work on it.

What makes it behave like an ESP32 board on its USB serial port (docs/technicians.md has the list):
- The bench's directory is mounted as "/" inside the interpreter (VfsPosix); the simulator's shims
  (machine, network) and simulated chips are on a mount of their own, /.sim, first on sys.path; `os.statvfs("/")`
  reports the ESP32's filesystem partition (2 MB of 4 MB flash), not the host's disk.
- At power-on and hard reset boot.py then main.py run, then the REPL. Ctrl-C (byte 0x03) interrupts
  running code, as the board's UART does: the bridge turns it into SIGINT only while the interpreter
  has its keyboard-interrupt handler installed (micropython.kbd_intr(3)); otherwise, at a prompt or
  while mpremote's mount has kbd_intr(-1), it stays a byte of data.
- Ctrl-D at an empty prompt (or sys.exit) ends the interpreter: that is a soft reset: "MPY: soft reboot"
  and a new interpreter that runs boot.py, and main.py unless the raw REPL was active (then it comes
  back in the raw REPL, as mpremote expects). machine.reset() (exit code 75) and deep sleep (76) are a
  hard reset with the ROM's first lines. A main.py that exits at once is restarted after a pause (a
  real board loops as fast as it boots); Ctrl-C during that pause skips main.py once.
- Output nobody reads is dropped, as a UART's would be; one program at a time can hold the port
  (mpremote and pyserial lock it).
"""
import errno
import json
import os
import pty
import select
import shutil
import signal
import subprocess
import tempfile
import termios
import threading
import time
import tty
from pathlib import Path

from simulators.bench import ESP32_HEAP, POWER_SIM, SHIMS, micropython_binary

EXIT_RESET = 75  # simulators/shims/machine.py: machine.reset()
EXIT_DEEPSLEEP = 76
FS_PARTITION_BYTES = 2 * 1024 * 1024  # MicroPython's ESP32 GENERIC partition table: vfs 0x200000 of 4 MB
QUICK_EXIT_S = 1.0
REBOOT_PAUSE_S = 1.0
CTRL_A, CTRL_B, CTRL_C = 0x01, 0x02, 0x03
ROM_BANNER = {
    EXIT_RESET: b"\r\nets Jun  8 2016 00:22:57\r\n\r\nrst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n",
    EXIT_DEEPSLEEP: b"\r\nets Jun  8 2016 00:22:57\r\n\r\nrst:0x5 (DEEPSLEEP_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n",
}
POWER_ON_BANNER = b"ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n"

# Runs in the interpreter before the REPL: the board's filesystem and path, then boot.py (and main.py).
_STARTUP = """\
import micropython, vfs, os, sys
micropython.kbd_intr(-1)  # a Ctrl-C now waits (in the bridge) until boot.py runs, as the board's C start-up does
class _FlashVfs:
    # Wraps VfsPosix (a subclass of it would break imports): a board's ilistdir gives sizes
    # (mpremote's `fs ls` shows them) and its statvfs the partition, not the host's disk.
    def __init__(self, root):
        self._fs = vfs.VfsPosix(root)
        for name in ('mount', 'umount', 'chdir', 'getcwd', 'mkdir', 'remove', 'rename', 'rmdir', 'stat', 'open'):
            setattr(self, name, getattr(self._fs, name))
    def ilistdir(self, path):
        for entry in self._fs.ilistdir(path):
            name = path + '/' + entry[0] if path else entry[0]
            yield (entry[0], entry[1], 0, 0 if entry[1] == 0x4000 else self._fs.stat(name)[6])
    def statvfs(self, path):
        total = %(fs_bytes)d // 4096
        free = max(0, total - self._used(''))
        return (4096, 4096, total, free, free, 0, 0, 0, 0, 255)
    def _used(self, path):
        blocks = 1
        for entry in self.ilistdir(path):
            name = path + '/' + entry[0] if path else entry[0]
            blocks += self._used(name) if entry[1] == 0x4000 else (entry[3] + 4095) // 4096
        return blocks
vfs.umount('/')
vfs.mount(_FlashVfs(%(flash)r), '/')
vfs.mount(vfs.VfsPosix(%(sim)r), '/.sim')
os.chdir('/')
sys.path[:] = ['/.sim/shims', '', '.frozen', '/lib', '/.sim/power']
def _run(name):
    try:
        os.stat(name + '.py')
    except OSError:
        return
    try:
        __import__(name)
    except SystemExit:
        raise
    except BaseException as e:
        sys.print_exception(e)
micropython.kbd_intr(3)
for _name in %(scripts)r:
    _run(_name)
del _run, _name, _FlashVfs, vfs, os, sys, micropython
"""


def _catches_sigint(pid: int) -> bool:
    """True while MicroPython has its Ctrl-C handler installed (it has not while at a prompt, nor
    after micropython.kbd_intr(-1))."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("SigCgt:"):
                    return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    except OSError:
        pass
    return False


class VirtualSerialDevice:
    def __init__(self, flash_dir: Path, heap: str = ESP32_HEAP, fs_bytes: int = FS_PARTITION_BYTES,
                 log_path: Path | None = None):
        self.flash = Path(flash_dir).resolve()
        self.heap = heap
        self.fs_bytes = fs_bytes
        self.log_path = log_path  # everything the device printed, as a host capturing its UART would
        self.proc = None
        self.resets = []  # ("power-on" | "soft" | "hard", monotonic time)
        self.bytes_in = self.bytes_out = 0  # host -> board, board -> host: what a UART would carry
        self._raw_repl = False
        self._skip_main = False
        self._stopping = threading.Event()
        self._thread = None

    @property
    def path(self) -> str:
        return os.ttyname(self._user_slave)

    def start(self):
        self._user_master, self._user_slave = pty.openpty()
        tty.setraw(self._user_slave)  # a UART: bytes through unchanged (pyserial sets the same)
        os.set_blocking(self._user_master, False)
        self._dev_master, self._dev_slave = pty.openpty()
        # The simulator's own modules, one mount (/.sim) beside the flash: shims and simulated chips.
        self._sim_dir = tempfile.mkdtemp(prefix="benchsim-")
        os.symlink(SHIMS, os.path.join(self._sim_dir, "shims"))
        os.symlink(POWER_SIM, os.path.join(self._sim_dir, "power"))
        self._log = open(self.log_path, "ab") if self.log_path else None
        self._emit(POWER_ON_BANNER)
        self._spawn(run_main=True, reason="power-on")
        self._thread = threading.Thread(target=self._bridge, daemon=True, name="virtual-serial")
        self._thread.start()
        return self

    # -- the interpreter ----------------------------------------------------
    def _device_termios(self):
        attrs = termios.tcgetattr(self._dev_slave)
        attrs[0] = attrs[1] = attrs[3] = 0  # no input/output processing, no echo, no signals from bytes
        attrs[6][termios.VMIN], attrs[6][termios.VTIME] = 1, 0
        termios.tcsetattr(self._dev_slave, termios.TCSANOW, attrs)

    def _spawn(self, run_main: bool, reason: str):
        self._device_termios()
        termios.tcflush(self._dev_slave, termios.TCIFLUSH)  # bytes sent to a board while it resets are lost
        scripts = ["boot", "main"] if run_main and not self._skip_main else ["boot"]
        self._skip_main = False
        code = _STARTUP % {"flash": str(self.flash), "sim": self._sim_dir,
                           "fs_bytes": self.fs_bytes, "scripts": scripts}
        env = dict(os.environ)
        env.pop("MICROPYPATH", None)
        env["BENCHSIM_ID"] = self._bench_id()
        self.proc = subprocess.Popen([micropython_binary(), "-X", "heapsize=" + self.heap, "-i", "-c", code],
                                     stdin=self._dev_slave, stdout=self._dev_slave, stderr=self._dev_slave,
                                     cwd=self.flash, env=env, start_new_session=True)
        self._started = time.monotonic()
        self._seen_prompt = False
        self._pending_interrupt = False
        self.resets.append((reason, self._started))
        if self._raw_repl and not run_main:
            os.write(self._dev_master, bytes([CTRL_A]))  # the board comes back in the raw REPL

    def _bench_id(self) -> str:
        try:
            return json.loads((self.flash / "config.json").read_text())["bench_id"]
        except (OSError, ValueError, KeyError, TypeError):
            return "sim"

    def _restart(self):
        code = self.proc.wait()
        self._drain_device()
        if code in ROM_BANNER or code < 0:
            self._raw_repl = False
            self._emit(ROM_BANNER.get(code, ROM_BANNER[EXIT_RESET]))
            self._spawn(run_main=True, reason="hard")
            return
        if not self._raw_repl and time.monotonic() - self._started < QUICK_EXIT_S:
            self._stopping.wait(REBOOT_PAUSE_S)  # main.py gave up at once: don't spin the host's CPU
        self._emit(b"MPY: soft reboot\r\n")
        self._spawn(run_main=not self._raw_repl, reason="soft")

    def _drain_device(self):
        while select.select([self._dev_master], [], [], 0)[0]:
            try:
                data = os.read(self._dev_master, 4096)
            except OSError:
                return
            if not data:
                return
            self._from_device(data)

    # -- the bridge ---------------------------------------------------------
    def _from_device(self, data: bytes):
        if data.endswith((b">>> ", b">")):
            self._seen_prompt = True  # the REPL reads bytes itself from now on
        self._emit(data)

    def _emit(self, data: bytes):
        self.bytes_out += len(data)
        if self._log:
            self._log.write(data)
            self._log.flush()
        try:
            os.write(self._user_master, data)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EIO):
                raise  # EAGAIN: nobody reads the port, the bytes are lost as on a UART

    def _from_user(self, data: bytes):
        self.bytes_in += len(data)
        out = bytearray()
        for byte in data:
            if byte == CTRL_A:
                self._raw_repl = True
            elif byte == CTRL_B:
                self._raw_repl = False
            elif byte == CTRL_C:
                alive = self.proc.poll() is None
                if alive and _catches_sigint(self.proc.pid):
                    os.write(self._dev_master, bytes(out))
                    out.clear()
                    self.proc.send_signal(signal.SIGINT)
                    continue
                if alive and not self._seen_prompt:
                    self._pending_interrupt = True  # still starting: delivered once boot.py/main.py run
                    continue
                if not alive or time.monotonic() - self._started < QUICK_EXIT_S:
                    self._skip_main = True
            out.append(byte)
        if out:
            os.write(self._dev_master, bytes(out))

    def _bridge(self):
        while not self._stopping.is_set():
            ready, _, _ = select.select([self._user_master, self._dev_master], [], [], 0.05)
            if self._dev_master in ready:
                try:
                    self._from_device(os.read(self._dev_master, 4096))
                except OSError:
                    pass
            if self._pending_interrupt and self.proc.poll() is None:
                if _catches_sigint(self.proc.pid):
                    self._pending_interrupt = False
                    self.proc.send_signal(signal.SIGINT)
                elif self._seen_prompt:
                    self._pending_interrupt = False
            if self._user_master in ready:
                try:
                    data = os.read(self._user_master, 4096)
                except OSError:  # EIO: no program has the port open right now
                    data = b""
                if data:
                    self._from_user(data)
            if self.proc.poll() is not None and not self._stopping.is_set():
                self._restart()

    def stop(self):
        self._stopping.set()
        if self._thread:
            self._thread.join(timeout=5)
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._user_master, self._user_slave, self._dev_master, self._dev_slave):
            try:
                os.close(fd)
            except OSError:
                pass
        if self._log:
            self._log.close()
        shutil.rmtree(self._sim_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
