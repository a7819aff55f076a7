"""docs/technicians.md's practice run, command by command, against `benchsim device` and a hub: the
guide's commands must work as written."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from simulators.stack import free_port
from tests.system.test_technician_tools import esp32_image

pytestmark = [pytest.mark.micropython, pytest.mark.slow]
GUIDE = Path(__file__).resolve().parents[2] / "docs" / "technicians.md"
VENV_BIN = Path(sys.executable).parent


def practice_lines():
    text = GUIDE.read_text()
    block = re.search(r"<!-- practice:.*?-->\s*```sh\n(.*?)```", text, re.S).group(1)
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


def test_the_practice_run_of_the_guide_works(tmp_path, provisioning_hub):
    lines = practice_lines()
    assert [line.split()[0] for line in lines][:3] == ["benchsim", "export", "bench"]
    stack = provisioning_hub
    argv = lines[0].replace("~/practice/board", str(tmp_path / "board")).split()
    device = subprocess.Popen([str(VENV_BIN / argv[0]), *argv[1:]], stdout=subprocess.PIPE, text=True)
    try:
        ports = dict(device.stdout.readline().strip().split(": ", 1) for _ in range(2))
        env = dict(os.environ, PATH=f"{VENV_BIN}:{os.environ['PATH']}", SERIAL=ports["serial"], ROM=ports["rom"],
                   HUB=stack.hub_url, HUB_TOKEN=stack.token,
                   FIRMWARE=str(esp32_image(tmp_path / "ESP32_GENERIC.bin")),
                   PORTAL_PORT=str(free_port()), DNS_PORT=str(free_port()))
        outputs = {}
        for line in lines[2:]:
            if line.startswith("hub broker-config"):
                stack.reload_broker()  # what the line asks of the hub's operator, on this stack's broker
                continue
            result = subprocess.run(["bash", "-c", line], env=env, capture_output=True, text=True, timeout=180,
                                    cwd=Path(__file__).resolve().parents[2])
            assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"
            outputs.setdefault(line.split()[1], []).append(result.stdout)
    finally:
        device.terminate()
        device.wait(10)
    assert "verified" in outputs["flash"][0]
    assert "has no valid config.json yet" in outputs["deploy"][0]
    assert "sent 0 file(s)" in outputs["deploy"][1] and "the bench is up" in outputs["deploy"][1]
    assert "LINK bench practice-1" in outputs["provision"][0] and "Wi-Fi (SSID)  LINK klupa · Tuzla" in outputs["provision"][0]
    assert outputs["doctor"][0].rstrip().endswith("verdict: healthy"), outputs["doctor"][0]
    # The bench, reset, boots and reaches the broker with the credentials provisioning gave it.
    assert "POWERON_RESET" not in outputs["logs"][0] and "SW_CPU_RESET" in outputs["logs"][0]
    assert "bench practice-1 (Tuzla)" in outputs["logs"][0] and "uplink: connected to 127.0.0.1" in outputs["logs"][0]
