"""`bench run` with a bad or missing config says what is wrong (exit 78, EX_CONFIG) and starts
nothing; the dnsmasq configuration it writes passes dnsmasq's own syntax check."""
import json
import shutil
import subprocess
import sys

import pytest

from edge_agent.agent import use_firmware

use_firmware()

from edge_agent.agent.hotspot import dnsmasq_conf, hostapd_conf  # noqa: E402
from edge_agent.agent.settings import agent_settings  # noqa: E402

BASE = {"bench_id": "cfg-1", "municipality": "Tuzla", "mqtt": {"host": "127.0.0.1", "port": 1883}}


def run(tmp_path, cfg):
    path = tmp_path / "config.json"
    if cfg is not None:
        path.write_text(cfg if isinstance(cfg, str) else json.dumps(cfg))
    return subprocess.run([sys.executable, "-m", "edge_agent.cli", "run", "--config", str(path)],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("cfg,message", [
    (None, "is missing: provision the bench"),
    ("{not json", "is not valid JSON"),
    (dict(BASE, agent={"sesion_s": 60}), "unknown key(s) sesion_s"),
    (dict(BASE, agent={"address": "10.0.0.1"}), "agent.address: an IPv4 address with its network"),
    (dict(BASE, agent={"lan_if": "wlan0; rm -rf /"}), "agent.lan_if: not an interface name"),
    (dict(BASE, agent={"session_s": 0}), "agent.session_s: a positive whole number"),
])
def test_a_bad_config_is_refused_with_the_reason(tmp_path, cfg, message):
    result = run(tmp_path, cfg)
    assert result.returncode == 78, result.stdout + result.stderr
    assert "config error:" in result.stdout and message in result.stdout, result.stdout


@pytest.mark.skipif(shutil.which("dnsmasq") is None, reason="dnsmasq is not installed (scripts/ensure-system-packages.sh)")
def test_the_dnsmasq_config_passes_dnsmasqs_own_check_and_keeps_no_leases_on_disk(tmp_path):
    s = agent_settings(dict(BASE, portal={"port": 80}, agent={"lan_if": "wlan0", "address": "10.77.0.1/24"}))
    conf = tmp_path / "dnsmasq.conf"
    conf.write_text(dnsmasq_conf(s))
    check = subprocess.run(["dnsmasq", "--test", "--conf-file=" + str(conf)], capture_output=True, text=True)
    assert check.returncode == 0 and "syntax check OK" in check.stderr + check.stdout, check.stderr
    text = conf.read_text()
    assert 'dhcp-option=114,"http://10.77.0.1/api/captive"' in text  # RFC 8910
    assert "dhcp-range=10.77.0.10,10.77.0.250,12h" in text and "leasefile-ro" in text and "quiet-dhcp" in text


def test_the_hostapd_config_is_an_open_network_named_after_the_bench():
    text = hostapd_conf("wlan0", 'LINK klupa · "Mostar"', 6, 32)
    assert 'ssid2=P"LINK klupa · \\"Mostar\\""' in text and "utf8_ssid=1" in text
    assert "wpa=" not in text and "ap_isolate=1" in text and "country_code=BA" in text
