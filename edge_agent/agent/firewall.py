"""nftables rules for the citizens' hotspot: captive until the agent grants a session.

A client on lan_if whose (IPv4, MAC) pair is not in the set @sessions has its DNS (udp/tcp 53)
sent to the firmware's captive DNS and its HTTP (tcp 80) to the portal, whatever address it asked
for, and nothing of it is forwarded: the portal opens whether the uplink is up or not, and HTTPS
fails at once (reset) instead of hanging. A pair in @sessions is forwarded (masqueraded on the
uplink) at most rate_kbytes per second each way; the kernel drops the element when its timeout
ends, so expiry needs no timer of ours. The pair binds the session to the MAC the client has on
this network as well as the address it leased: another phone taking over the address is still
captive. Nothing is written to disk: the set lives in the kernel, for the session's life.

Same ideas as openNDS (nftables since 10.1), own rules. IPv6 from clients is not forwarded."""
import os
import shutil
import subprocess

TABLE = "link_bench"


class FirewallError(RuntimeError):
    """nft is missing or refused the rules: no session can be granted (never an open internet)."""


def ruleset(lan_if, wan_if, portal_ip, network, portal_port, dns_port, rate_kbytes):
    """The whole table, replaced at once (nft -f is atomic)."""
    out = 'oifname "%s" ' % wan_if if wan_if else ""
    rate = "%d kbytes/second" % rate_kbytes
    return """table inet {t}
delete table inet {t}
table inet {t} {{
  set sessions {{ type ipv4_addr . ether_addr; flags timeout; }}
  set up_caps {{ type ipv4_addr; size 256; flags dynamic,timeout; timeout 1m; }}
  set down_caps {{ type ipv4_addr; size 256; flags dynamic,timeout; timeout 1m; }}
  chain captive {{
    type nat hook prerouting priority dstnat; policy accept;
    iifname "{lan}" ip saddr . ether saddr @sessions return
    iifname "{lan}" meta l4proto {{ tcp, udp }} th dport 53 dnat ip to {ip}:{dns}
    iifname "{lan}" tcp dport 80 dnat ip to {ip}:{port}
  }}
  chain guard {{
    type filter hook input priority filter; policy accept;
    iifname "{lan}" ct state established,related accept
    iifname "{lan}" udp dport {{ 67, 53, {dns} }} accept
    iifname "{lan}" tcp dport {{ 53, {port} }} accept
    iifname "{lan}" icmp type echo-request accept
    iifname "{lan}" drop
  }}
  chain forward {{
    type filter hook forward priority filter; policy accept;
    iifname "{lan}" meta nfproto ipv4 ip saddr . ether saddr @sessions {out}jump session_up
    oifname "{lan}" ct state established,related meta nfproto ipv4 jump session_down
    iifname "{lan}" meta l4proto tcp reject with tcp reset
    iifname "{lan}" reject with icmpx admin-prohibited
    oifname "{lan}" drop
  }}
  chain session_up {{
    add @up_caps {{ ip saddr limit rate over {rate} }} drop
    accept
  }}
  chain session_down {{
    add @down_caps {{ ip daddr limit rate over {rate} }} drop
    accept
  }}
  chain uplink_nat {{
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr {net} {out}masquerade
  }}
}}
""".format(t=TABLE, lan=lan_if, ip=portal_ip, port=portal_port, dns=dns_port, out=out, rate=rate,
           net=network)


class Firewall:
    def __init__(self, settings, portal_port, dns_port=None, log=print):
        self.s = settings
        self.portal_port = portal_port
        self.dns_port = dns_port or settings["dns_port"]
        self._log = log
        self.loaded = False
        self._was_forwarding = False

    def _nft(self, *args, text=None):
        if shutil.which("nft") is None:
            raise FirewallError("nftables is not installed (apt-get install nftables): citizens stay captive, "
                                "no internet is shared")
        proc = subprocess.run(["nft", *args], input=text, capture_output=True, text=True)
        if proc.returncode:
            raise FirewallError("nft %s failed: %s" % (" ".join(args[:3]), proc.stderr.strip()[:400]))
        return proc.stdout

    def load(self):
        """Install the table, then turn on forwarding; on failure forwarding is turned off."""
        s = self.s
        if not os.path.exists("/sys/class/net/%s" % s["lan_if"]):
            raise FirewallError("no interface %s: no hotspot side, nothing is shared" % s["lan_if"])
        self._was_forwarding = _forwarding(None)
        text = ruleset(s["lan_if"], s["wan_if"], s["ip"], s["network"], self.portal_port, self.dns_port,
                       s["rate_kbytes"])
        try:
            self._nft("-f", "-", text=text)
        except FirewallError:
            _forwarding(False)
            raise
        _forwarding(True)
        self.loaded = True

    def unload(self):
        if self.loaded:
            _forwarding(self._was_forwarding)
            self._nft("delete", "table", "inet", TABLE)
            self.loaded = False

    def allow(self, ip, mac, seconds):
        self._nft("add", "element", "inet", TABLE, "sessions", "{ %s . %s timeout %ds }" % (ip, mac, seconds))

    def revoke(self, ip, mac):
        try:
            self._nft("delete", "element", "inet", TABLE, "sessions", "{ %s . %s }" % (ip, mac))
        except FirewallError:
            pass  # already expired in the kernel


def _forwarding(on):
    """Set IPv4 forwarding (None: only read it); returns the value it had."""
    path = "/proc/sys/net/ipv4/ip_forward"
    try:
        with open(path) as f:
            was = f.read().strip() == "1"
        if on is not None:
            with open(path, "w") as f:
                f.write("1\n" if on else "0\n")
        return was
    except OSError:
        return False  # not root: nothing is forwarded by us anyway
