"""Who may use the internet now: citizens who submitted an idea or chose to continue.

A session is the client's address and the MAC it has on this network (read from the kernel's
neighbour table at the moment it is granted), held here and in the firewall's set, in memory
only: never written to disk, logged or sent to the hub (the hub sees only how many). It ends when
its time is up (the kernel drops the set element), or when the client leaves (prune(), every few
seconds, with one look at the hotspot per round: Presence). grant() and prune() run commands
(ip, nft, iw): the agent calls them off its event loop, so a lock keeps them apart."""
import json
import os
import socket
import subprocess
import threading
import time

_GONE = ("FAILED", "INCOMPLETE")


def _run(argv):
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=5)
        return done if done.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired):
        return None


def _json(argv):
    done = _run(argv)
    try:
        return json.loads(done.stdout or "[]") if done else None
    except ValueError:
        return None


class Presence:
    """One look at the hotspot side: the neighbour table, and who is associated. hostapd's
    interface knows its stations (iw); a bridge knows which port a MAC is on and whether that
    port is up; otherwise the neighbour table alone (an idle client's entry is re-checked by
    sending it an empty datagram, so one that left fails by the next look)."""

    def __init__(self, lan_if):
        self.neighbours = {}  # ip -> (mac, state)
        for entry in _json(["ip", "-j", "neigh", "show", "dev", lan_if]) or []:
            if "dst" in entry:
                self.neighbours[entry["dst"]] = (entry.get("lladdr"), (entry.get("state") or ["?"])[0])
        self.associated = None  # set of MACs, or None: this interface cannot tell
        sysfs = "/sys/class/net/" + lan_if
        if os.path.exists(sysfs + "/phy80211"):
            dump = _run(["iw", "dev", lan_if, "station", "dump"])
            if dump is not None:
                self.associated = {line.split()[1].lower() for line in dump.stdout.splitlines()
                                   if line.startswith("Station ")}
        elif os.path.exists(sysfs + "/bridge"):
            fdb = _json(["bridge", "-j", "fdb", "show", "br", lan_if])
            if fdb is not None:
                self.associated = {e["mac"] for e in fdb if "mac" in e and _carrier(e.get("ifname"))}

    def mac_of(self, ip):
        return self.neighbours.get(ip, (None, None))[0]

    def still_there(self, ip, mac):
        seen, state = self.neighbours.get(ip, (None, None))
        if seen and seen != mac:
            return False  # another device has the address now
        if self.associated is not None:
            return mac in self.associated
        if state == "STALE":
            _poke(ip)
        return seen == mac and state not in _GONE


def _poke(ip):
    """One empty datagram to the discard port: enough for the kernel to re-resolve the neighbour."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(b"", (ip, 9))
    except OSError:
        pass


def _carrier(port):
    try:
        with open("/sys/class/net/%s/carrier" % port) as f:
            return f.read().strip() == "1"
    except (OSError, TypeError):
        return False


class Sessions:
    def __init__(self, firewall, lan_if, seconds, log=print):
        self.firewall = firewall
        self.lan_if = lan_if
        self.seconds = seconds
        self._log = log
        self._open = {}  # ip -> (mac, monotonic end)
        self._lock = threading.Lock()

    @property
    def available(self):
        return self.firewall is not None and self.firewall.loaded

    def grant(self, ip):
        """Open the internet for the client at ip; False (and it stays captive) if that cannot be done."""
        if not self.available:
            return False
        with self._lock:
            mac = Presence(self.lan_if).mac_of(ip)
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
        if not self._open:
            return
        with self._lock:
            now = time.monotonic()
            look = Presence(self.lan_if)
            for ip, (mac, end) in list(self._open.items()):
                if now >= end:
                    del self._open[ip]  # the kernel has dropped it already
                elif not look.still_there(ip, mac):
                    del self._open[ip]
                    self.firewall.revoke(ip, mac)
                    self._log("sessions: a client left, its session ended (%d open)" % len(self._open))

    def __len__(self):
        return len(self._open)
