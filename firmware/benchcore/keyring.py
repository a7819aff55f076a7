"""The bench's signing key: from config.json at provisioning, replaced by rotation (key.json)."""
from binascii import unhexlify

from benchcore import signing
from benchcore.state import read_json, write_json_atomic


class Keyring:
    def __init__(self, cfg, path="key.json"):
        self.path = path
        rotated = read_json(path, {})
        self.key_id = rotated.get("key_id") or cfg.get("key_id", "k1")
        self.key = unhexlify(rotated.get("key") or cfg.get("key", ""))
        previous = rotated.get("previous")
        # The hub may still sign with the previous key until it has seen the new one in use.
        self.keys = {self.key_id: self.key}
        if previous:
            self.keys[previous[0]] = unhexlify(previous[1])

    @property
    def usable(self):
        return len(self.key) >= 16

    def rotate(self, key_id, nonce):
        from binascii import hexlify

        new_key = signing.derive_key(self.key, key_id, nonce)
        write_json_atomic(self.path, {"key_id": key_id, "key": hexlify(new_key).decode(),
                                      "previous": [self.key_id, hexlify(self.key).decode()]})
        self.keys = {key_id: new_key, self.key_id: self.key}
        self.key_id, self.key = key_id, new_key
