"""`bench console` (the REPL, through mpremote) and `bench logs` (what the bench prints, followed)."""
import subprocess
import sys
import time
from pathlib import Path

import serial

from edge_agent.device.transport import Device, DeviceError, check_port


def console(port: str) -> int:
    """mpremote's REPL on the bench; Ctrl-] leaves it. The running application is interrupted."""
    check_port(port)
    mpremote = Path(sys.executable).with_name("mpremote")
    argv = [str(mpremote)] if mpremote.exists() else [sys.executable, "-m", "mpremote"]
    return subprocess.call(argv + ["connect", port, "repl"])


def logs(port: str, out=None, seconds: float | None = None, until: str | None = None, reset: bool = False) -> bool:
    """Print what the bench prints (its log lines, boot messages, tracebacks) without interrupting it,
    or from a reset on (`reset`: watch it boot); until Ctrl-C, `seconds`, or a line containing `until`.
    Returns whether `until` was seen (True if no `until` was given)."""
    out = out or sys.stdout
    check_port(port)
    if reset:
        device = Device(port).open(soft_reset=False)
        device.transport.exec_raw_no_follow("import machine\nmachine.reset()")
        ser = device.transport.serial
        ser.timeout = 0.2
    else:
        try:
            ser = serial.serial_for_url(port, baudrate=115200, exclusive=True, timeout=0.2)
        except serial.SerialException as exc:
            raise DeviceError(f"cannot open {port}: {exc}")
    line = b""
    deadline = time.monotonic() + seconds if seconds else None
    try:
        while deadline is None or time.monotonic() < deadline:
            chunk = ser.read(ser.in_waiting or 1)
            if not chunk:
                continue
            line += chunk
            while b"\n" in line:
                text, line = line.split(b"\n", 1)
                text = text.decode("utf-8", "replace").rstrip("\r")
                print(text, file=out, flush=True)
                if until and until in text:
                    return True
    except KeyboardInterrupt:
        pass
    finally:
        ser.close()
    return until is None
