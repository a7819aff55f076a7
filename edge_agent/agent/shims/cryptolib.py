"""MicroPython's cryptolib.aes on CPython (the `cryptography` package), for the firmware's
benchcore.seal under the edge agent: same calls, same bytes. Modes 1 (ECB) and 2 (CBC), as
MicroPython numbers them; data in whole 16-byte blocks (the caller pads)."""
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

_MODES = {1: lambda iv: modes.ECB(), 2: lambda iv: modes.CBC(bytes(iv))}


class aes:  # noqa: N801 - MicroPython's name
    def __init__(self, key, mode, iv=None):
        if mode not in _MODES:
            raise ValueError("mode")
        self._cipher = Cipher(algorithms.AES(bytes(key)), _MODES[mode](iv))
        self._enc = self._dec = None

    def encrypt(self, data):
        self._enc = self._enc or self._cipher.encryptor()
        return self._enc.update(bytes(data))

    def decrypt(self, data):
        self._dec = self._dec or self._cipher.decryptor()
        return self._dec.update(bytes(data))
