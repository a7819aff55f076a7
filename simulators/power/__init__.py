"""Power simulation: INA219 register model, virtual I2C bus, solar/battery physics, energy runner.

ina219_model.py, virtual_i2c.py and live.py also import under MicroPython; the rest is CPython.
"""
try:
    import benchcore  # noqa: F401  (installed, or firmware/ already on the path)
except ImportError:  # running from a checkout: the firmware package lives in firmware/
    import os as _os
    import sys as _sys
    _sys.path.append(_os.path.join(_os.path.dirname(_os.path.dirname(
        _os.path.dirname(_os.path.abspath(__file__)))), "firmware"))
