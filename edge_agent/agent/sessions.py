"""Who may use the internet now: citizens who submitted an idea or chose to continue.

A session is the client's address and the MAC it has on this network (read from the kernel's
neighbour table at the moment it is granted), held here and in the firewall's set, in memory
only: never written to disk, logged or sent to the hub (the hub sees only how many). It ends when
its time is up (the kernel drops the set element), or when the client leaves (prune(), every few
seconds: still_there)."""
import json
import os
import socket
import subprocess
import time

_GONE = ("FAILED", "INCOMPLETE")


def neighbour(lan_if, ip):
    """The MAC the kernel knows for ip on lan_if and its state, or (None, None)."""
    try:
        out = subprocess.run(["ip", "-j", "neigh", "show", ip, "dev", lan_if], capture_output=True, text=True,
                             timeout=5).stdout
        for entry in json.loads(out or "[]"):
            return entry.get("lladdr"), (entry.get("state") or ["?"])[0]
    except (OSError, ValueError, subprocess.TimeoutExpired):
        pass
    return None, None


def _poke(ip):
    """One empty datagram to the discard port: enough for the kernel to re-resolve the neighbour."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(b"", (ip, 9))
    except OSError:
        pass


def _run(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None


def still_there(lan_if, ip, mac):
    """Is the client still on the hotspot with that MAC? hostapd's interface knows its stations
    (iw); a bridge knows which port a MAC is on and whether that port is up; otherwise the
    neighbour table (an idle client's entry is re-checked by sending it an empty datagram)."""
    sysfs = "/sys/class/net/" + lan_if
    seen, state = neighbour(lan_if, ip)
    if seen and seen != mac:
        return False  # another device has the address now
    if os.path.exists(sysfs + "/phy80211"):
        done = _run(["iw", "dev", lan_if, "station", "get", mac])
        return done is None or done.returncode == 0
    if os.path.exists(sysfs + "/bridge"):
        done = _run(["bridge", "-j", "fdb", "show", "br", lan_if])
        if done is None:
            return True
        for entry in json.loads(done.stdout or "[]"):
            if entry.get("mac") == mac and _carrier(entry.get("ifname")):
                return True
        return False
    if state == "STALE":
        _poke(ip)
    return seen == mac and state not in _GONE


def _carrier(port):
    try:
        with open("/sys/class/net/%s/carrier" % port) as f:
            return f.read().strip() == "1"
    except (OSError, TypeError):
        return False


class Sessions:
    def __init__(self, firewall, lan_if, seconds, log=print, lookup=neighbour, present=still_there):
        self.firewall = firewall
        self.lan_if = lan_if
        self.seconds = seconds
        self._log = log
        self._lookup = lookup
        self._present = present
        self._open = {}  # ip -> (mac, monotonic end)

    @property
    def available(self):
        return self.firewall is not None and self.firewall.loaded

    def grant(self, ip):
        """Open the internet for the client at ip; False (and it stays captive) if that cannot be done."""
        if not self.available:
            return False
        mac, _ = self._lookup(self.lan_if, ip)
        if not mac:
            return False  # not on the hotspot (the wired side, loopback): nothing to open
        try:
            self.firewall.allow(ip, mac, self.seconds)
        except Exception as exc:
            self._log("sessions: could not open the internet for a client (%s)" % exc)
            return False
        self._open[ip] = (mac, time.monotonic() + self.seconds)
        self._log("sessions: internet opened for %d min (%d open)" % (self.seconds // 60, len(self._open)))
        return True

    def remaining(self, ip):
        """Seconds left of ip's session, 0 if it has none."""
        entry = self._open.get(ip)
        return max(0, int(entry[1] - time.monotonic())) if entry else 0

    def prune(self):
        now = time.monotonic()
        for ip, (mac, end) in list(self._open.items()):
            if now >= end:
                del self._open[ip]  # the kernel has dropped it already
                continue
            if not self._present(self.lan_if, ip, mac):
                del self._open[ip]
                self.firewall.revoke(ip, mac)
                self._log("sessions: a client left, its session ended (%d open)" % len(self._open))

    def __len__(self):
        return len(self._open)
