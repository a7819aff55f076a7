"""The technicians' device commands (flash, deploy, provision, doctor, console, logs), each a public
function over one device transport (edge_agent.device.transport), as esptool and mpremote are built."""
try:
    import benchcore  # noqa: F401  (installed, or firmware/ already on the path)
except ImportError:  # running from a checkout: the firmware package lives in firmware/
    import os as _os
    import sys as _sys
    _sys.path.append(_os.path.join(_os.path.dirname(_os.path.dirname(
        _os.path.dirname(_os.path.abspath(__file__)))), "firmware"))
