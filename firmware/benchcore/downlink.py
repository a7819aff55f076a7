"""What the hub sends a bench, already verified: commands, settings, the digest of ideas.

Each kind carries a number that only grows (cmd "n", config and digest "version"): the bench
applies a message once and refuses an older one, so a replayed capture changes nothing.
"""
from benchcore import clock, contract
from benchcore.state import read_json, write_json_atomic

DIGEST_PATH = "digest.json"
HUB_CONFIG_PATH = "hub_config.json"


def stored_settings():
    """The settings of the last config the hub sent, as kept on flash: the bench applies them at
    every boot (a deep sleep is a reboot), before the retained copy arrives or even without it."""
    settings = read_json(HUB_CONFIG_PATH, {}).get("settings")
    try:
        return contract.check(settings, contract.SPECS[contract.settings])
    except ValueError:
        return {}


class Downlink:
    def __init__(self, state, keyring, log=print, on_config=None, reset=None):
        self.state = state
        self.keyring = keyring
        self._log = log
        self.on_config = on_config
        self._reset = reset
        self.reboot_requested = False

    def handle(self, leaf, msg):
        if leaf == contract.cmd:
            self._command(contract.check(msg, contract.SPECS[contract.cmd]))
        elif leaf == contract.config:
            contract.check(msg, contract.SPECS[contract.config])
            contract.check(msg[contract.settings], contract.SPECS[contract.settings])
            self._versioned(msg, "config_version", HUB_CONFIG_PATH, self.on_config)
        elif leaf == contract.digest:
            self._versioned(contract.check(msg, contract.SPECS[contract.digest]), "digest_version", DIGEST_PATH, None)
        else:
            raise ValueError("unexpected topic %s" % leaf)

    def _versioned(self, msg, state_key, path, then):
        version = msg[contract.version]
        if version <= self.state.get(state_key, 0):
            return  # the retained copy we already have, or an old one replayed
        write_json_atomic(path, msg)
        self.state.update(**{state_key: version})
        self._log("downlink: %s version %d stored" % (path, version))
        if then:
            then(msg["settings"])

    def _command(self, msg):
        n = msg[contract.n]
        if n <= self.state.get("cmd_n", 0):
            raise ValueError("command number %r is not new (replay?)" % (n,))
        name = msg["cmd"]
        self.state.update(cmd_n=n)  # first: a command that reboots must not run again after it
        if name == contract.rotate_key:
            key_id, nonce = msg.get("key_id"), msg.get("nonce")
            if not isinstance(key_id, str) or not isinstance(nonce, str) or not key_id or key_id in self.keyring.keys:
                raise ValueError("rotate_key needs a new key_id and a nonce")
            self.keyring.rotate(key_id, nonce)
            self._log("downlink: signing key rotated to %s" % key_id)
        elif name == contract.time:
            if isinstance(msg.get("now"), int) and clock.set_time(msg["now"]):
                self._log("downlink: clock set")
        elif name == contract.reboot:
            self._log("downlink: reboot requested by the hub")
            self.reboot_requested = True
        else:
            raise ValueError("unknown command %r" % (name,))
