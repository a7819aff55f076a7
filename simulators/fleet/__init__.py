"""`benchsim fleet`: a scenario's benches, citizens, weather and faults on one machine (see docs/simulator.md)."""
import importlib
import sys
from pathlib import Path

FIRMWARE = Path(__file__).resolve().parents[2] / "firmware"


def benchcore(module: str):
    """A firmware module (benchcore.protocol, benchcore.signing) on CPython: one contract, one place."""
    if str(FIRMWARE) not in sys.path:
        sys.path.insert(0, str(FIRMWARE))
    return importlib.import_module("benchcore." + module)
