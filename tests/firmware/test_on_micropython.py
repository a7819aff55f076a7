import os
import subprocess
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


@pytest.mark.micropython
def test_a_citizens_text_never_grows_the_interpreters_string_pool(tmp_path):
    """MicroPython interns every one-character string it creates and never frees it: code that walks a
    citizen's text letter by letter would let a flood of distinct characters exhaust the heap."""
    script = tmp_path / "qstr.py"
    script.write_text(
        "import micropython\n"
        "from benchcore.forms import parse_urlencoded, validate_proposal\n"
        "from benchcore import protocol\n"
        # distinct 3-byte characters, built as bytes: making them as str here would intern them first
        "def encoded(first, count):\n"
        "    out = b''\n"
        "    for cp in range(first, first + count):\n"
        "        for b in (0xE0 | cp >> 12, 0x80 | (cp >> 6) & 0x3F, 0x80 | cp & 0x3F):\n"
        "            out += b'%%%02X' % b\n"
        "    return out\n"
        "body = b'title=' + encoded(0x2C00, 100) + b'&body=' + encoded(0x4E00, 900) + b'&category=other'\n"
        "micropython.qstr_info()\n"
        "for _ in range(3):\n"
        "    fields = validate_proposal(parse_urlencoded(body))\n"
        "    protocol.proposal_pieces('b-1', '0123456789abcdef', fields, None, 1)\n"
        "micropython.qstr_info()\n")
    env = dict(os.environ, MICROPYPATH=os.pathsep.join([str(ROOT / "firmware"), ".frozen"]))
    result = subprocess.run([micropython_binary(), "-X", "heapsize=" + ESP32_HEAP, str(script)],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    before, after = [line for line in result.stdout.splitlines() if line.startswith("qstr pool")]
    assert before == after, result.stdout
