"""The agent's settings: config.json as the firmware reads it (benchcore.config) plus an "agent"
section. Every key has a default, so a bench's config.json runs unchanged on a Linux board."""
import ipaddress

DEFAULTS = {
    "data_dir": "/var/lib/link-bench",   # outbox, state, key, digest: what the ESP32 keeps on flash
    "lan_if": "wlan0",                   # the citizens' side (hostapd's interface)
    "wan_if": None,                      # the uplink (4G modem, wired); None: any other interface
    "address": "10.77.0.1/24",           # the bench on the citizens' side
    "dhcp_range": None,                  # default: .10 to .250 of the address's network
    "dns_port": 5300,                    # the firmware's captive DNS, for clients still captive
    "manage_address": True,              # ip addr replace <address> dev <lan_if>
    "hostapd": True, "dnsmasq": True,    # start them (if installed)
    "session_s": 3600,                   # internet for this long after a submission or "continue"
    "rate_kbytes": 256,                  # per client and direction, kbytes/second
    "captive_api_url": None,             # DHCP option 114 (RFC 8910); default http://<address>/api/captive
    "modem": {},                         # {"off": [argv], "on": [argv]}: the power policy may stop the modem
    "run_dir": "/run/link-bench",        # generated hostapd/dnsmasq configs (tmpfs: nothing persists)
}


class SettingsError(ValueError):
    pass


def agent_settings(cfg):
    """The agent section with defaults filled in, checked; SettingsError says what is wrong."""
    given = cfg.get("agent") or {}
    unknown = set(given) - set(DEFAULTS)
    if unknown:
        raise SettingsError("config.json agent: unknown key(s) %s" % ", ".join(sorted(unknown)))
    s = dict(DEFAULTS, **given)
    try:
        iface = ipaddress.ip_interface(s["address"])
    except ValueError as exc:
        raise SettingsError("config.json agent.address: %s" % exc)
    if iface.version != 4 or iface.network.prefixlen > 29:
        raise SettingsError("config.json agent.address: an IPv4 address with its network, e.g. 10.77.0.1/24")
    s["ip"] = str(iface.ip)
    s["network"] = str(iface.network)
    if not s["dhcp_range"]:
        net = iface.network
        last = min(net.network_address + 250, net.broadcast_address - 1)
        s["dhcp_range"] = [str(min(net.network_address + 10, last)), str(last)]
    for key in ("session_s", "rate_kbytes", "dns_port"):
        if not isinstance(s[key], int) or isinstance(s[key], bool) or s[key] <= 0:
            raise SettingsError("config.json agent.%s: a positive whole number" % key)
    for key in ("lan_if", "wan_if"):
        name = s[key]
        if name is not None and (not isinstance(name, str) or not 0 < len(name) < 16
                                 or not all(c.isalnum() or c in "-_." for c in name)):
            raise SettingsError("config.json agent.%s: not an interface name" % key)
    port = cfg["portal"]["port"]
    s["portal_url"] = "http://%s%s/" % (s["ip"], "" if port == 80 else ":%d" % port)
    s["captive_api_url"] = s["captive_api_url"] or s["portal_url"] + "api/captive"
    return s
