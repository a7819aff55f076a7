"""Benches without hardware: the firmware on the real MicroPython interpreter, shims, fleets."""
