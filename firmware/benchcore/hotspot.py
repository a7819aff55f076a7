"""The citizens' soft-AP: an open network named after the bench, sized by the power policy."""
from benchcore.compat import const

# ESP-IDF's soft-AP takes at most 10 stations (ESP_WIFI_MAX_CONN_NUM); lwIP has 16 sockets in all.
MAX_STATIONS = const(10)
_AUTH_OPEN = const(0)


def _bounded(value, low, high):
    return low if value < low else high if value > high else value


class Hotspot:
    def __init__(self, cfg, log=print):
        import network

        self._network = network
        hs = cfg.get("hotspot", {})
        self.ssid = cfg.get("ssid") or "LINK klupa"
        self.channel = _bounded(int(hs.get("channel", 6)), 1, 13)  # 1-13: the band in BiH (ETSI)
        self.max_clients = _bounded(int(hs.get("max_clients", 8)), 1, MAX_STATIONS)
        self.txpower_dbm = _bounded(int(hs.get("txpower_dbm", 17)), 2, 20)
        self.ap = network.WLAN(network.AP_IF)
        self._log = log
        self.on = False

    def start(self):
        self.ap.active(True)
        self.ap.config(essid=self.ssid, authmode=getattr(self._network, "AUTH_OPEN", _AUTH_OPEN),
                       channel=self.channel, max_clients=self.max_clients)
        self._txpower(self.txpower_dbm)
        self.on = True
        return self

    def _txpower(self, dbm):
        try:
            self.ap.config(txpower=dbm)
        except (ValueError, OSError):
            pass  # some radios only take it once the AP is up; the next apply tries again

    def clients(self):
        """How many phones are on the hotspot now (a count: their MAC addresses are not kept)."""
        if not self.on:
            return 0
        try:
            return len(self.ap.status("stations"))
        except (ValueError, OSError, TypeError):
            return None

    def address(self):
        """The AP's IPv4 address: what the captive DNS answers and the portal redirects to."""
        return self.ap.ifconfig()[0]

    def apply_power(self, actions):
        """Follow the power policy's Actions (ap: 0 off, 1 reduced, 2 full; txpower_dbm; max_clients)."""
        want_on = actions.ap != 0
        if want_on != self.on:
            self.ap.active(want_on)
            self.on = want_on
            self._log("hotspot: %s (power policy)" % ("on" if want_on else "off"))
            if want_on:
                self.ap.config(essid=self.ssid, authmode=_AUTH_OPEN, channel=self.channel)
        if want_on:
            clients = _bounded(min(actions.max_clients, self.max_clients), 1, MAX_STATIONS)
            self.ap.config(max_clients=clients)
            self._txpower(_bounded(min(actions.txpower_dbm, self.txpower_dbm), 2, 20))
