"""The edge agent: the bench core (firmware/benchcore) on a Linux board, plus what only Linux can
do there: a hotspot that gives citizens the internet once they have passed the portal.

Modules, one job each: settings (the agent's part of config.json), firewall (nftables: captive
until a session is granted), sessions (who may use the internet, in memory only), hotspot
(hostapd and dnsmasq), mqtt (the firmware's Uplink on paho-mqtt), power (INA219 through
Adafruit's driver into the firmware's PowerMonitor), runner (puts them together: `bench run`).
docs/edge-agent.md is the guide."""
import sys
from pathlib import Path

FIRMWARE = Path(__file__).resolve().parents[2] / "firmware"
SHIMS = Path(__file__).resolve().parent / "shims"


def use_firmware():
    """Make the firmware's benchcore importable (the agent runs those modules, not copies), and
    the MicroPython modules it uses that CPython lacks (shims/: cryptolib), as the simulator's
    shims stand in for machine and network."""
    for path in (FIRMWARE, SHIMS):
        if str(path) not in sys.path:
            sys.path.insert(0 if path == FIRMWARE else len(sys.path), str(path))
    from edge_agent.agent import streams

    streams.install()
