"""Network namespaces for the edge agent's tests and benchmarks: two phones on the hotspot side (a bridge on the
bench stands in for hostapd's wlan0), the bench, and an "internet" host with a web server and a
resolver. Names carry the test process's id, so parallel runs do not meet; all is removed after."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager

LAN_NET = "10.77.0"
WAN_BENCH, WAN_HOST = "198.51.100.1", "198.51.100.2"  # TEST-NET-2: never a real address
PORTAL = LAN_NET + ".1"


def _until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise TimeoutError("%s: not within %.0f s" % (what, timeout))


def _ip(*args, ns=None, check=True):
    argv = ["ip"] + (["-n", ns] if ns else []) + list(args)
    return subprocess.run(argv, capture_output=True, text=True, check=check)


def unavailable():
    """Why namespaces cannot be made here (None if they can)."""
    if os.geteuid() != 0:
        return "network namespaces need root (CI runs as root)"
    if shutil.which("ip") is None:
        return "iproute2 is not installed (scripts/ensure-system-packages.sh)"
    probe = "i13probe%d" % os.getpid()
    made = _ip("netns", "add", probe, check=False)
    if made.returncode:
        return "cannot create a network namespace: %s" % made.stderr.strip()
    _ip("netns", "del", probe, check=False)
    return None


class Topology:
    def __init__(self):
        tag = "%d" % (os.getpid() % 100000)
        self.bench, self.inet = "lb%s-bench" % tag, "lb%s-inet" % tag
        self.phones = ["lb%s-p1" % tag, "lb%s-p2" % tag]
        self.namespaces = [self.bench, self.inet] + self.phones
        self.phone_ip = ["%s.11" % LAN_NET, "%s.12" % LAN_NET]

    def build(self):
        for ns in self.namespaces:
            _ip("netns", "add", ns)
            _ip("link", "set", "lo", "up", ns=ns)
            # `ip netns exec` mounts this over /etc/resolv.conf: phones ask the bench (as its DHCP
            # says), the bench (its dnsmasq) asks the internet host.
            resolver = WAN_HOST if ns in (self.bench, self.inet) else PORTAL
            os.makedirs("/etc/netns/" + ns, exist_ok=True)
            with open("/etc/netns/%s/resolv.conf" % ns, "w") as f:
                f.write("nameserver %s\n" % resolver)
        b = self.bench
        _ip("link", "add", "lan0", "type", "bridge", ns=b)
        _ip("link", "set", "lan0", "up", ns=b)
        for i, ns in enumerate(self.phones):
            _ip("link", "add", "wifi%d" % i, "netns", b, "type", "veth", "peer", "name", "wlan", "netns", ns)
            _ip("link", "set", "wifi%d" % i, "master", "lan0", "up", ns=b)
            _ip("addr", "add", "%s/24" % self.phone_ip[i], "dev", "wlan", ns=ns)
            _ip("link", "set", "wlan", "up", ns=ns)
            _ip("route", "add", "default", "via", "%s.1" % LAN_NET, ns=ns)
        _ip("link", "add", "wan0", "netns", b, "type", "veth", "peer", "name", "eth0", "netns", self.inet)
        _ip("addr", "add", WAN_BENCH + "/24", "dev", "wan0", ns=b)
        _ip("link", "set", "wan0", "up", ns=b)
        _ip("addr", "add", WAN_HOST + "/24", "dev", "eth0", ns=self.inet)
        _ip("link", "set", "eth0", "up", ns=self.inet)
        return self

    def destroy(self):
        for ns in self.namespaces:
            for pid in subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout.split():
                try:
                    os.kill(int(pid), 9)
                except (ProcessLookupError, ValueError):
                    pass
            _ip("netns", "del", ns, check=False)
            shutil.rmtree("/etc/netns/" + ns, ignore_errors=True)

    def popen(self, ns, argv, **kw):
        return subprocess.Popen(["ip", "netns", "exec", ns] + argv, **kw)

    def python(self, ns, code, timeout=20):
        """Run Python code in ns; its stdout."""
        proc = subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", code], capture_output=True,
                              text=True, timeout=timeout)
        if proc.returncode:
            raise AssertionError("in %s: %s" % (ns, proc.stderr[-800:]))
        return proc.stdout.strip()


# Code run inside a phone's namespace: what a phone does.
HTTP_GET = """
import http.client, sys
c = http.client.HTTPConnection(%r, 80, timeout=5)
try:
    c.request("GET", %r, headers={"Host": %r})
    r = c.getresponse()
    print(r.status, r.getheader("Location") or "", r.read(8000).decode("utf-8", "replace").replace("\\n", " "))
except OSError as exc:
    print("ERR", type(exc).__name__)
"""
DNS_A = """
import dns.message, dns.query
q = dns.message.make_query(%r, "A")
try:
    r = dns.query.udp(q, %r, timeout=3)
    print(" ".join("%%s %%d" %% (rr.address, rrset.ttl) for rrset in r.answer for rr in rrset) or "EMPTY")
except Exception as exc:
    print("ERR", type(exc).__name__)
"""
TCP_CONNECT = """
import socket
s = socket.socket(); s.settimeout(5)
try:
    s.connect((%r, %d)); print("OPEN")
except OSError as exc:
    print("ERR", type(exc).__name__)
"""
POST_FORM = """
import http.client, urllib.parse
c = http.client.HTTPConnection(%r, 80, timeout=10)
c.request("POST", %r, body=urllib.parse.urlencode(%r), headers={"Content-Type": "application/x-www-form-urlencoded", "Host": %r})
r = c.getresponse(); print(r.status, r.read().decode()[:4000].replace("\\n", " "))
"""


@contextmanager
def internet(size_bytes=0):
    """The topology with the internet host serving / (and /big: size_bytes) and resolving every
    name to itself; removed on exit."""
    topology = Topology().build()
    www = tempfile.mkdtemp(prefix="lb-inet-")
    with open(www + "/index.html", "w") as f:
        f.write("<h1>the internet host</h1>")
    if size_bytes:
        with open(www + "/big", "wb") as f:
            f.write(os.urandom(size_bytes))
    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    servers = [topology.popen(topology.inet, [sys.executable, "-m", "http.server", "80", "--bind", WAN_HOST,
                                              "--directory", www], **quiet),
               topology.popen(topology.inet, ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
                                              "--no-hosts", "--listen-address=" + WAN_HOST, "--bind-interfaces",
                                              "--address=/#/" + WAN_HOST, "--pid-file=" + www + "/dns.pid"], **quiet)]
    try:
        _until(lambda: "internet host" in topology.python(topology.inet, HTTP_GET % (WAN_HOST, "/", WAN_HOST)),
               20, "the internet host's web server")
        yield topology
    finally:
        for proc in servers:
            proc.terminate()
        topology.destroy()
        shutil.rmtree(www, ignore_errors=True)


def agent_config(tmp, **agent):
    """A bench whose uplink is down (nothing listens for MQTT on the internet host)."""
    return {"bench_id": "netns-1", "municipality": "Tuzla", "mqtt": {"host": WAN_HOST, "port": 1883},
            "portal": {"host": "0.0.0.0", "port": 80, "burst": 400},
            "agent": dict({"data_dir": str(tmp / "data"), "run_dir": str(tmp / "run"), "lan_if": "lan0",
                           "wan_if": "wan0", "address": PORTAL + "/24"}, **agent)}


class Agent:
    """`bench run` in the bench's namespace; its log in tmp/agent.log."""

    def __init__(self, net, tmp, env_path=None, **agent):
        self.net = net
        self.config = tmp / "config.json"
        self.config.write_text(json.dumps(agent_config(tmp, **agent)))
        self.log = tmp / "agent.log"
        env = ["env", "PATH=" + env_path] if env_path else []
        with open(self.log, "w") as log:
            self.proc = net.popen(net.bench, env + [sys.executable, "-m", "edge_agent.cli", "run", "--config",
                                                    str(self.config)], stdout=log, stderr=subprocess.STDOUT)
        _until(lambda: "portal listening" in self.text() or self.proc.poll() is not None, 60, "the agent's portal")
        if self.proc.poll() is not None:
            raise RuntimeError("the agent exited:\n" + self.text())
        _until(self.status, 30, "the agent's /status.json")

    def text(self):
        return self.log.read_text()

    def status(self):
        out = self.net.python(self.net.phones[0], HTTP_GET % (PORTAL, "/status.json", PORTAL))
        return json.loads(out.split(" ", 2)[2]) if out.startswith("200") else None

    def stop(self):
        self.proc.terminate()
        self.proc.wait(20)
