"""Run one bench as the edge agent (`bench run`, CPython) instead of the firmware on MicroPython:
the same config.json, the same data on "flash", the same /status.json, so tests and the stack
treat both runtimes alike. Without a hotspot interface: no hostapd, dnsmasq or nftables here
(the netns tests start the agent with those, tests/agent/test_netns.py)."""
import os
import subprocess
import sys
import threading
from pathlib import Path

from simulators.bench import BenchProcess

LOOPBACK_AGENT = {"address": "127.0.0.1/8", "lan_if": "none", "manage_address": False, "hostapd": False, "dnsmasq": False}


def agent_flash(flash: Path, config: dict) -> Path:
    """The agent's data directory with its config.json (agent section for a loopback bench)."""
    import json

    flash.mkdir(parents=True, exist_ok=True)
    agent = dict(LOOPBACK_AGENT, data_dir=str(flash), run_dir=str(flash / "run"), **config.get("agent", {}))
    (flash / "config.json").write_text(json.dumps(dict(config, agent=agent), ensure_ascii=False, indent=1))
    return flash


class AgentProcess(BenchProcess):
    runtime = "cpython"

    def start(self):
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen([sys.executable, "-m", "edge_agent.cli", "run", "--config",
                                      str(self.flash / "config.json")], cwd=self.flash, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._reader = threading.Thread(target=self._read_output, args=(self.proc,), daemon=True)
        self._reader.start()
        return self
