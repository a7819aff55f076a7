# `network` for the simulated bench: a Wi-Fi model that logs what the firmware asks of the radio.
STA_IF = 0
AP_IF = 1
AUTH_OPEN = 0
STAT_GOT_IP = 1010


class WLAN:
    _instances = {}

    def __new__(cls, interface=STA_IF):
        if interface not in cls._instances:
            obj = object.__new__(cls)
            obj._if = interface
            obj._active = False
            obj._config = {"essid": "", "channel": 1, "txpower": 20, "max_clients": 4}
            cls._instances[interface] = obj
        return cls._instances[interface]

    def __init__(self, interface=STA_IF):
        pass

    def active(self, state=None):
        if state is None:
            return self._active
        if bool(state) != self._active:
            print("network: %s %s" % ("ap" if self._if == AP_IF else "sta", "up" if state else "down"))
        self._active = bool(state)

    def config(self, *args, **kwargs):
        if args:
            return self._config[args[0]]
        self._config.update(kwargs)
        if self._if == AP_IF and "essid" in kwargs:
            print("network: ap essid=%s" % kwargs["essid"])

    def connect(self, ssid=None, key=None):
        self._config["ssid"] = ssid

    def disconnect(self):
        pass

    def isconnected(self):
        return self._active

    def status(self, param=None):
        if param == "stations":
            return []  # simulated phones reach the portal over loopback, not by joining the AP
        return STAT_GOT_IP if self._active else 0

    def ifconfig(self, config=None):
        return ("127.0.0.1", "255.0.0.0", "127.0.0.1", "127.0.0.1")
