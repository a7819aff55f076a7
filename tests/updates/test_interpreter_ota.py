"""The interpreter's own update through esp32.Partition, on the real MicroPython interpreter with the
simulator's esp32 shim (OTA partitions as files, the bootloader's rollback modelled at each boot)."""
import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from simulators.bench import ESP32_HEAP, SHIMS, micropython_binary

pytestmark = pytest.mark.micropython
ROOT = Path(__file__).resolve().parents[2]
WRITE = (
    "import sys\n"
    "from benchcore import ota\n"
    "image = open('image.bin', 'rb').read()\n"
    "u = ota.InterpreterUpdate(len(image), sys.argv[-1])\n"
    "for at in range(0, len(image), 700):\n"  # pieces that do not line up with flash blocks
    "    u.write(image[at:at + 700])\n"
    "try:\n"
    "    print('boots next:', u.finish())\n"
    "except ota.ImageRefused as exc:\n"
    "    print('refused:', exc)\n"
)


def boot(tmp_path, script, *args):
    env = dict(os.environ, MICROPYPATH=os.pathsep.join([str(SHIMS), str(ROOT / "firmware"), ".frozen"]),
               BENCHSIM_PARTITIONS=str(tmp_path / "partitions"))
    (tmp_path / "s.py").write_text(script)
    result = subprocess.run([micropython_binary(), "-X", "heapsize=" + ESP32_HEAP, "s.py", *args], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_a_new_interpreter_boots_on_probation_and_is_kept_only_when_confirmed(tmp_path):
    image = os.urandom(10000)
    (tmp_path / "image.bin").write_bytes(image)
    out = boot(tmp_path, WRITE, hashlib.sha256(image).hexdigest())
    assert "boots next: ota_1" in out
    assert (tmp_path / "partitions" / "ota_1.bin").read_bytes()[:10000] == image
    running = "from benchcore import ota\nprint('running', ota.running_partition())\n"
    assert "running ota_1" in boot(tmp_path, running)  # first boot of the new image: pending verify
    assert "rollback to ota_0" in (out := boot(tmp_path, running)) and "running ota_0" in out  # never confirmed
    boot(tmp_path, WRITE, hashlib.sha256(image).hexdigest())
    confirm = "from benchcore import ota\nota.confirm()\nprint('running', ota.running_partition())\n"
    assert "running ota_1" in boot(tmp_path, confirm)
    assert "running ota_1" in boot(tmp_path, running)  # confirmed: it stays


def test_a_corrupted_or_short_image_is_never_booted(tmp_path):
    image = os.urandom(9000)
    (tmp_path / "image.bin").write_bytes(image)
    out = boot(tmp_path, WRITE, hashlib.sha256(image + b"x").hexdigest())
    assert "refused: image on flash does not match" in out
    short = WRITE.replace("len(image), sys.argv[-1]", "len(image) + 5000, sys.argv[-1]")
    assert "refused: image cut short" in boot(tmp_path, short, hashlib.sha256(image).hexdigest())
    assert "running ota_0" in boot(tmp_path, "from benchcore import ota\nprint('running', ota.running_partition())\n")
