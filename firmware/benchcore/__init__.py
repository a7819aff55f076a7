# The bench core: MicroPython first, and importable under CPython for tests and the edge agent.
VERSION = "0.1.0"
# The running application tree ("" for the factory tree at the flash's root, "app/<seq>/" for a
# release; chosen at boot by bootslot.py): files of the tree (www/) are read under it.
import sys as _sys

APP_ROOT = _sys.modules["bootslot"].ROOT if "bootslot" in _sys.modules else ""
del _sys
