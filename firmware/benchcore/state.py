"""Small facts the bench keeps across reboots (boot count, last command, current key), written
rarely and atomically: a new file, then a rename over the old one (atomic on littlefs)."""
import json
import os


def write_json_atomic(path, value):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(json.dumps(value))
    os.rename(tmp, path)


def read_json(path, default):
    try:
        with open(path) as f:
            value = json.loads(f.read())
        return value if isinstance(value, dict) else default
    except (OSError, ValueError):
        return default


class BenchState:
    def __init__(self, path="state.json"):
        self.path = path
        self._data = read_json(path, {})

    def get(self, key, default=None):
        return self._data.get(key, default)

    def update(self, **values):
        self._data.update(values)
        write_json_atomic(self.path, self._data)

    def next_boot(self):
        """Counts this boot: message sequence numbers are (boot, n), so they rise across reboots
        with one flash write per boot rather than one per message."""
        boot = self.get("boot", 0) + 1
        self.update(boot=boot)
        return boot
