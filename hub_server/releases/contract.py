"""The bench core's vocabulary and release check, imported from the firmware itself (one contract,
one place): the hub signs nothing a bench would refuse."""
import sys
from pathlib import Path

_FIRMWARE = Path(__file__).resolve().parents[2] / "firmware"
if str(_FIRMWARE) not in sys.path:
    sys.path.append(str(_FIRMWARE))

from benchcore import contract as bench_contract  # noqa: E402
from benchcore import protocol_updates as protocol  # noqa: E402
from benchcore import release as bench_release  # noqa: E402

__all__ = ["bench_contract", "protocol", "bench_release"]
