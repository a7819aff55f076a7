"""The citizens' Wi-Fi on Linux: hostapd for the open network named after the bench, dnsmasq
for addresses and (for clients with a session) DNS. The agent writes their configuration under
run_dir (tmpfs) and runs them as its children; the power policy stops and starts them.

Without hostapd or dnsmasq installed the agent says so and goes on: the portal still serves on
the wired side and on lan_if, if something else brings that up."""
import shutil
import subprocess

from benchcore.hotspot import _bounded


def hostapd_conf(lan_if, ssid, channel, max_clients):
    # Open network (no wpa=): citizens join without a password, as on the ESP32's soft-AP.
    # ap_isolate: phones cannot reach each other, only the bench and (after the portal) the uplink.
    return ("interface=%s\ndriver=nl80211\nssid2=P\"%s\"\nutf8_ssid=1\ncountry_code=BA\nhw_mode=g\n"
            "channel=%d\nmax_num_sta=%d\nap_isolate=1\nignore_broadcast_ssid=0\nauth_algs=1\n"
            % (lan_if, ssid.replace("\\", "\\\\").replace('"', '\\"'), channel, max_clients))


def dnsmasq_conf(s):
    """DHCP for the hotspot with the captive-portal API in option 114 (RFC 8910), DNS for clients
    with a session. Leases are kept in dnsmasq's memory only (leasefile-ro) and routine DHCP is
    not logged (quiet-dhcp): no MAC address reaches the disk."""
    return "\n".join([
        "interface=%s" % s["lan_if"], "bind-interfaces", "except-interface=lo", "port=53",
        "dhcp-range=%s,%s,12h" % tuple(s["dhcp_range"]),
        "dhcp-option=option:router,%s" % s["ip"], "dhcp-option=option:dns-server,%s" % s["ip"],
        "dhcp-option=114,\"%s\"" % s["captive_api_url"],
        "dhcp-authoritative", "leasefile-ro", "quiet-dhcp", "no-hosts", "",
    ])


class LinuxHotspot:
    """What benchcore.power_task and benchcore.app expect of a hotspot (on, address(),
    apply_power(actions)), with hostapd and dnsmasq behind it."""

    def __init__(self, cfg, settings, log=print, run_dir=None):
        from pathlib import Path

        self.s = settings
        hs = cfg.get("hotspot", {})
        self.ssid = cfg.get("ssid") or "LINK klupa"
        self.channel = _bounded(int(hs.get("channel", 6)), 1, 13)
        self.max_clients = _bounded(int(hs.get("max_clients", 32)), 1, 64)
        self.run_dir = Path(run_dir or settings["run_dir"])
        self._log = log
        self._procs = {}
        self.missing = []
        self.on = False

    def address(self):
        return self.s["ip"]

    def clients(self):
        """Phones on the hotspot now (a count, as on the ESP32): hostapd's stations, if iw can tell."""
        if not self.on:
            return 0
        try:
            dump = subprocess.run(["iw", "dev", self.s["lan_if"], "station", "dump"], capture_output=True,
                                  text=True, timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            return 0
        return sum(1 for line in dump.stdout.splitlines() if line.startswith("Station "))

    def write_configs(self, max_clients=None):
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "hostapd.conf").write_text(
            hostapd_conf(self.s["lan_if"], self.ssid, self.channel, max_clients or self.max_clients))
        (self.run_dir / "dnsmasq.conf").write_text(dnsmasq_conf(self.s))

    def start(self):
        s = self.s
        self.write_configs()
        if s["manage_address"]:
            try:
                subprocess.run(["ip", "addr", "replace", s["address"], "dev", s["lan_if"]], capture_output=True)
            except OSError as exc:
                self._log("hotspot: cannot set the address of %s (%s)" % (s["lan_if"], exc))
        wanted = [("hostapd", ["hostapd", str(self.run_dir / "hostapd.conf")]) if s["hostapd"] else None,
                  ("dnsmasq", ["dnsmasq", "--keep-in-foreground", "--conf-file=" + str(self.run_dir / "dnsmasq.conf"),
                               "--pid-file=" + str(self.run_dir / "dnsmasq.pid")]) if s["dnsmasq"] else None]
        for name, argv in filter(None, wanted):
            if shutil.which(name) is None:
                if name not in self.missing:
                    self.missing.append(name)
                    self._log("hotspot: %s is not installed (apt-get install %s): %s; the portal still serves "
                              "at %s and on the wired side" % (name, name, "no Wi-Fi network" if name == "hostapd"
                                                              else "no DHCP or DNS for phones", s["portal_url"]))
                continue
            if name not in self._procs or self._procs[name].poll() is not None:
                proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                try:  # a daemon that cannot start says why at once
                    proc.wait(0.5)
                    self._log("hotspot: %s exited (%s): %s" % (name, proc.returncode, proc.stderr.read().strip()[:300]))
                except subprocess.TimeoutExpired:
                    self._procs[name] = proc
        self.on = True
        return self

    def stop(self):
        for proc in self._procs.values():
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
        self._procs = {}
        self.on = False

    def apply_power(self, actions):
        """The firmware's power policy decides (ap 0: off); hostapd takes a new station limit on restart."""
        want_on = actions.ap != 0
        if want_on != self.on:
            self._log("hotspot: %s (power policy)" % ("on" if want_on else "off"))
            if want_on:
                self.start()
            else:
                self.stop()
        if want_on:
            self.write_configs(_bounded(min(actions.max_clients, self.max_clients), 1, self.max_clients))
            try:
                subprocess.run(["iw", "dev", self.s["lan_if"], "set", "txpower", "fixed",
                                str(int(actions.txpower_dbm) * 100)], capture_output=True, timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass  # no iw, or a wired test bench: the policy's other actions still apply
