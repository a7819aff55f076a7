"""The bench's idea of the time: unix seconds once the hub (or NTP) has told it, else None."""
import time

from benchcore.compat import ticks_diff, ticks_ms

# Some ports count from 2000, others from 1970; the protocol speaks unix seconds.
_EPOCH_OFFSET = 946684800 if time.gmtime(0)[0] == 2000 else 0
_VALID_AFTER = 1735689600  # 2025-01-01: an earlier reading means the RTC was never set
_offset = [0]  # for a port whose RTC cannot be set (the unix simulator)


def now():
    t = int(time.time()) + _EPOCH_OFFSET + _offset[0]
    return t if t >= _VALID_AFTER else None


_up = [ticks_ms(), 0]  # last ticks seen, milliseconds counted (ticks_ms wraps after ~12 days)


def uptime():
    """Seconds since boot; unaffected when the clock is set."""
    t = ticks_ms()
    _up[1] += ticks_diff(t, _up[0])
    _up[0] = t
    return _up[1] // 1000


def set_time(unix_seconds):
    """Set the clock when it is unset or off by more than 2 s; returns True if it changed."""
    current = now()
    if current is not None and abs(current - unix_seconds) <= 2:
        return False
    try:
        import machine

        tm = time.gmtime(unix_seconds - _EPOCH_OFFSET)
        machine.RTC().datetime((tm[0], tm[1], tm[2], tm[6], tm[3], tm[4], tm[5], 0))
        _offset[0] = 0
    except (ImportError, AttributeError, OSError):
        _offset[0] += unix_seconds - (current if current is not None else int(time.time()) + _EPOCH_OFFSET)
    return True
