"""One way to reach a bench's MicroPython: a serial port (a USB cable, or the simulator's virtual
device; any pyserial URL) driven through mpremote's own SerialTransport and raw REPL.

Every `bench` command that talks to MicroPython goes through Device, so the faults a technician
meets on site are told the same way everywhere: no such port, port busy, no device answering.
"""
import errno
import hashlib
import json
import os
import time

import serial
from mpremote.transport import TransportError, TransportExecError
from mpremote.transport_serial import SerialTransport


class DeviceError(Exception):
    """A fault with its cause and the next step, ready to print to a technician."""


def check_port(port: str) -> None:
    """Fail early, with the reason, on a port that does not exist or that another program holds."""
    if "://" not in port and not os.path.exists(port):
        raise DeviceError(f"no such port {port}: is the USB cable plugged in? "
                          "List the ports with `ls /dev/ttyUSB* /dev/ttyACM*` (a new one appears when you plug in).")
    try:
        probe = serial.serial_for_url(port, baudrate=115200, exclusive=True, timeout=0)
    except serial.SerialException as exc:
        text = str(exc)
        if "lock" in text or "busy" in text.lower():
            raise DeviceError(f"port busy: another program has {port} open (a serial monitor, mpremote, "
                              "`bench console` or `bench logs` in another window): close it and try again")
        if "Permission denied" in text:
            raise DeviceError(f"no permission to open {port}: add yourself to the 'dialout' group "
                              "(`sudo adduser $USER dialout`, then log in again)")
        raise DeviceError(f"cannot open {port}: {text}")
    probe.close()


class Device:
    """MicroPython on a bench, reached over a serial port (real or simulated)."""

    def __init__(self, port: str, baudrate: int = 115200, answer_timeout: float = 10):
        self.port = port
        self.baudrate = baudrate
        self.answer_timeout = answer_timeout
        self.transport = None

    def open(self, soft_reset: bool = True) -> "Device":
        """Stop the running application (Ctrl-C) and enter the raw REPL; soft_reset restarts the
        interpreter first (without main.py), so the command gets the whole heap and a quiet flash."""
        check_port(self.port)
        try:
            self.transport = SerialTransport(self.port, baudrate=self.baudrate)
        except TransportError:
            raise DeviceError(f"port busy or gone: could not open {self.port}")
        # mpremote's first read waits for a byte forever; a silent port must end in a message instead.
        self.transport.serial.timeout = self.answer_timeout / 3
        # A Ctrl-C that arrives while the board resets or boots is lost (on a board as on the simulator):
        # ask up to three times.
        for attempt in range(3):
            try:
                self.transport.enter_raw_repl(soft_reset=soft_reset, timeout_overall=self.answer_timeout / 3)
                break
            except TransportError:
                continue
        else:
            self.close()
            raise DeviceError(f"no device answering on {self.port}: is it a bench running MicroPython? "
                              "A blank ESP32 needs `bench flash` first; a board left in download mode needs "
                              "its EN (reset) button pressed.")
        return self

    def close(self) -> None:
        if self.transport is not None:
            try:
                if self.transport.in_raw_repl:
                    self.transport.exit_raw_repl()
            except Exception:  # noqa: BLE001 - the port may already be gone; closing must not fail
                pass
            self.transport.close()
            self.transport = None

    def __enter__(self):
        return self.open() if self.transport is None else self

    def __exit__(self, *exc):
        self.close()

    # -- code ---------------------------------------------------------------
    def run(self, code: str, timeout: float = 30) -> str:
        """Run code on the device; its printed output. A device-side exception becomes DeviceError."""
        try:
            out = self.transport.exec_raw(code, timeout=timeout)
        except TransportError as exc:
            raise DeviceError(f"the device stopped answering on {self.port} ({exc})")
        stdout, stderr = out
        if stderr:
            raise DeviceError("the device reported an error:\n" + stderr.decode("utf-8", "replace").strip())
        return stdout.decode("utf-8", "replace")

    def run_json(self, code: str, timeout: float = 30):
        """Run code that prints one JSON value (the device's `json` module), and return it."""
        return json.loads(self.run(code, timeout=timeout).strip().splitlines()[-1])

    # -- files ----------------------------------------------------------------
    def read_file(self, path: str) -> bytes | None:
        try:
            return self.transport.fs_readfile(path)
        except FileNotFoundError:
            return None
        except (OSError, TransportExecError) as exc:
            raise DeviceError(f"cannot read {path} on the device: {exc}")

    def write_file(self, path: str, data: bytes, progress=None) -> None:
        try:
            self.transport.fs_writefile(path, data, chunk_size=1024, progress_callback=progress)
        except (OSError, TransportExecError) as exc:
            if getattr(exc, "errno", None) == errno.ENOSPC or "ENOSPC" in str(exc):
                raise DeviceError(f"the bench's flash is full while writing {path}: "
                                  "remove old files (see `bench doctor`) and try again")
            raise DeviceError(f"cannot write {path} on the device: {exc}")

    def write_file_atomic(self, path: str, data: bytes) -> None:
        """Write beside, check what landed, then rename over: a cut cable or power leaves either the
        old file or the new one, never half of one."""
        tmp = path + ".new"
        self.write_file(tmp, data)
        if self.transport.fs_hashfile(tmp, "sha256") != hashlib.sha256(data).digest():
            self.remove(tmp)
            raise DeviceError(f"{path}: what was read back differs from what was written (flash fault?)")
        self.run(f"import os\nos.rename({tmp!r}, {path!r})")

    def remove(self, path: str) -> None:
        self.run(f"import os\ntry:\n os.remove({path!r})\nexcept OSError:\n pass")

    def file_hashes(self) -> dict:
        """sha256 (hex) of every file on the device's filesystem, by path."""
        return self.run_json(_HASH_ALL, timeout=120)

    # -- reset ----------------------------------------------------------------
    def restart(self) -> None:
        """machine.reset() without waiting: the bench boots its software again; the port is closed."""
        self.transport.exec_raw_no_follow("import machine\nmachine.reset()")
        self.transport.in_raw_repl = False
        self.close()

    def hard_reset_and_watch(self, until: tuple, timeout: float = 60, echo=None) -> str:
        """machine.reset(), then read the boot log until a line holds one of `until` (or time runs
        out); returns the log. The port is closed afterwards."""
        self.transport.exec_raw_no_follow("import machine\nmachine.reset()")
        self.transport.in_raw_repl = False
        ser = self.transport.serial
        seen, deadline = b"", time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunk = ser.read(ser.in_waiting or 1)
            if chunk:
                seen += chunk
                if echo:
                    echo(chunk)
                if any(marker.encode() in seen for marker in until):
                    break
        self.transport.close()
        self.transport = None
        return seen.decode("utf-8", "replace")


# Walks the filesystem on the device and prints {path: sha256 hex}; reads in 512-byte pieces
# (the heap on the bench is ~110 KB and files may be larger).
_HASH_ALL = """\
import os, hashlib, json, binascii
def _walk(d, out, buf=bytearray(512)):
    for e in os.ilistdir(d):
        p = d + '/' + e[0] if d else e[0]
        if p == '.sim':
            continue
        if e[1] == 0x4000:
            _walk(p, out)
            continue
        h = hashlib.sha256()
        with open(p, 'rb') as f:
            while True:
                n = f.readinto(buf)
                if not n:
                    break
                h.update(memoryview(buf)[:n])
        out[p] = binascii.hexlify(h.digest()).decode()
    return out
print(json.dumps(_walk('', {})))
"""
