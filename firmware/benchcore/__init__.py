# The bench core: MicroPython first, and importable under CPython for tests and the edge agent.
VERSION = "0.1.0"
