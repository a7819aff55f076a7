# `esp32` for the simulated bench: the OTA partitions of the ESP32, modelled on files.
#
# Partitions ota_0 and ota_1 are files in BENCHSIM_PARTITIONS (outside the bench's filesystem, as on
# the chip); "otadata" says which one boots and its state. The bootloader's rollback
# (CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE) is modelled at import, which is once per boot: a new image
# boots once as "pending verify"; if it is booted again without mark_app_valid_cancel_rollback(), the
# previous one boots instead. The interpreter itself does not change here (the simulator has one).
import json
import os

_DIR = os.getenv("BENCHSIM_PARTITIONS") or "partitions"
_SIZE = 0x180000  # 1.5 MB app partitions, as MicroPython's 4 MB OTA partition table
_BLOCK = 4096


def _otadata_path():
    return _DIR + "/otadata.json"


def _load():
    try:
        with open(_otadata_path()) as f:
            return json.load(f)
    except OSError:
        return {"boot": "ota_0", "state": "valid", "previous": None}


def _save(d):
    try:
        os.mkdir(_DIR)
    except OSError:
        pass
    with open(_otadata_path() + ".tmp", "w") as f:
        f.write(json.dumps(d))
    os.rename(_otadata_path() + ".tmp", _otadata_path())


def _boot():
    d = _load()
    if d["state"] == "new":
        d["state"] = "pending_verify"
        print("esp32: booting new image %s (pending verify)" % d["boot"])
    elif d["state"] == "pending_verify":
        print("esp32: %s was not marked valid: rollback to %s" % (d["boot"], d["previous"]))
        d["boot"], d["state"] = d["previous"], "aborted"
    _save(d)
    return d["boot"]


_running = _boot()


class Partition:
    BOOT = 0
    RUNNING = 1
    TYPE_APP = 0
    TYPE_DATA = 1

    def __init__(self, id, block_size=_BLOCK):
        if id == Partition.RUNNING:
            id = _running
        elif id == Partition.BOOT:
            id = _load()["boot"]
        if id not in ("ota_0", "ota_1"):
            raise ValueError("no partition %r" % (id,))
        self.label = id
        self.block_size = block_size

    def info(self):
        return (Partition.TYPE_APP, 0x10 + int(self.label[-1]), 0x10000 + int(self.label[-1]) * _SIZE, _SIZE,
                self.label, False)

    def _path(self):
        return _DIR + "/" + self.label + ".bin"

    def get_next_update(self):
        return Partition("ota_1" if self.label == "ota_0" else "ota_0")

    def ioctl(self, cmd, arg):
        if cmd == 4:
            return _SIZE // self.block_size
        if cmd == 5:
            return self.block_size
        if cmd == 6:
            self.writeblocks(arg, b"\xff" * self.block_size)
        return 0

    def readblocks(self, block_num, buf, offset=0):
        try:
            with open(self._path(), "rb") as f:
                f.seek(block_num * self.block_size + offset)
                n = f.readinto(buf)
        except OSError:
            n = 0
        for i in range(n or 0, len(buf)):
            buf[i] = 0xFF  # erased flash

    def writeblocks(self, block_num, buf, offset=None):
        if len(buf) + block_num * self.block_size + (offset or 0) > _SIZE:
            raise OSError(28)
        try:
            os.mkdir(_DIR)
        except OSError:
            pass
        try:
            f = open(self._path(), "r+b")
        except OSError:
            f = open(self._path(), "wb")
        with f:
            f.seek(block_num * self.block_size + (offset or 0))
            f.write(buf)

    def set_boot(self):
        d = _load()
        d["previous"], d["boot"], d["state"] = _running, self.label, "new"
        _save(d)

    @classmethod
    def mark_app_valid_cancel_rollback(cls):
        d = _load()
        if d["state"] == "pending_verify":
            d["state"] = "valid"
            _save(d)
