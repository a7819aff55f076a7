# The bench core: MicroPython first, and importable under CPython for tests and the edge agent.
VERSION = "0.1.0"
# The running application tree ("" for the factory tree at the flash's root, "app/<seq>/" for a
# release; chosen at boot by bootslot.py): files of the tree (www/) are read under it.
import sys

APP_ROOT = sys.modules["bootslot"].ROOT if "bootslot" in sys.modules else ""
del sys
