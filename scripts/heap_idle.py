"""Idle heap of one simulated bench: free bytes and the largest free block after boot.

Runs the real firmware image on the real interpreter at the simulated ESP32 heap, as the tests do
(broker, hub ingest, keys; tests.support.running_hub), with main.py unchanged except that, once the portal is up and idle for a few seconds, a probe
collects garbage and prints gc.mem_free() and the largest bytearray the heap can still hold (the
block a citizen's long form body needs). Host bytes; halve for an upper-bound ESP32 estimate.

    .venv/bin/python scripts/heap_idle.py [--runs 3]
"""
import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from edge_agent.devicelibs import compile_to_mpy  # noqa: E402
from simulators.bench import ESP32_HEAP  # noqa: E402
from tests.support import running_hub  # noqa: E402

# Wraps asyncio.run so the probe runs beside the bench's own tasks; imported after main.py's ballast
# is freed, just before run(), so the module layout is the one the bench has.
PROBE = """
import asyncio, gc, sys
_run = asyncio.run

async def _probe():
    await asyncio.sleep(8)  # connected, status and first telemetry sent
    gc.collect()
    free = gc.mem_free()
    low, high = 0, free
    while low < high:
        size = (low + high + 1) // 2
        try:
            block = bytearray(size)
            del block
            low = size
        except MemoryError:
            high = size - 1
    import micropython
    micropython.qstr_info()
    print("HEAP_IDLE", free, low)
    sys.exit(0)

def run(main):
    async def both():
        asyncio.create_task(_probe())
        await main
    _run(both())

asyncio.run = run
"""


def measure() -> dict:
    """One bench as the tests run it: broker and hub ingest up, signing and seal keys, uplink on."""
    with tempfile.TemporaryDirectory() as tmp, running_hub(Path(tmp) / "stack") as stack:
        bench = stack.add_bench("heap-idle", "Zenica", start=False)
        # precompiled like the firmware, so the probe's own local names are not interned
        (Path(tmp) / "heap_probe.py").write_text(PROBE)
        compile_to_mpy(Path(tmp) / "heap_probe.py", bench.flash / "heap_probe.mpy")
        main = (bench.flash / "main.py").read_text()
        assert "\nrun()" in main, "main.py no longer ends with run()"
        (bench.flash / "main.py").write_text(main.replace("\nrun()", "\nimport heap_probe  # noqa\nrun()"))
        bench.start()
        bench.proc.wait(timeout=60)
        bench._reader.join(timeout=5)
        out = list(bench.lines)
    for line in out:
        if "HEAP_IDLE " in line:
            _, free, largest = line[line.index("HEAP_IDLE "):].split()
            return {"heap_free": int(free), "largest_free_block": int(largest),
                    "qstr": [x for x in out if "qstr pool" in x]}
    raise SystemExit("no HEAP_IDLE line; bench said:\n" + "\n".join(out[-40:]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = [measure() for _ in range(parser.parse_args().runs)]
    print(json.dumps({"heap": int(ESP32_HEAP), "runs": runs}))
