# Runs after boot.py: start the bench.
import gc

# Load all code while a ballast block holds the bottom of the heap, then free it: the modules pack
# above it and the citizens' requests find one large free region instead of holes between modules.
_ballast = bytearray(40 * 1024)
for _name in ("benchcore.app", "benchcore.uplink", "benchcore.portal", "benchcore.server", "benchcore.pages",
              "benchcore.forms", "benchcore.protocol", "benchcore.downlink", "benchcore.keyring",
              "benchcore.power_task", "benchcore.power.monitor", "benchcore.dns", "benchcore.probes",
              "benchcore.hotspot", "umqtt.simple"):
    __import__(_name)
    gc.collect()
del _ballast, _name
gc.collect()

from benchcore.app import run  # noqa: E402

run()
