import os
import subprocess
import sys
from pathlib import Path

import pytest

from simulators.bench import ESP32_HEAP, micropython_binary

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.micropython
def test_the_bench_core_passes_its_checks_on_the_real_interpreter(tmp_path):
    env = dict(os.environ, MICROPYPATH=os.pathsep.join([str(ROOT / "firmware"), ".frozen"]))
    result = subprocess.run([micropython_binary(), "-X", "heapsize=" + ESP32_HEAP,
                             str(Path(__file__).with_name("mp_core_checks.py"))],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("0 failed"), result.stdout


@pytest.mark.micropython
def test_every_firmware_file_compiles_with_mpy_cross(tmp_path):
    from edge_agent.devicelibs import mpy_cross

    for source in sorted((ROOT / "firmware").rglob("*.py")):
        result = subprocess.run([mpy_cross(), "-o", str(tmp_path / "x.mpy"), str(source)],
                                capture_output=True, text=True)
        assert result.returncode == 0, f"{source}: {result.stderr}"
