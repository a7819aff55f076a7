"""Helpers shared by the system tests (importable as `tests.support`)."""
import time


def wait_for(predicate, timeout=60.0, interval=0.3):
    """Poll predicate until it returns something truthy; that value, or AssertionError at timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met within %.0f s" % timeout)


def status_of(raw):
    """The status code of a raw HTTP answer, or None if the bench just closed."""
    if not raw.startswith(b"HTTP/1."):
        return None
    return int(raw.split(b" ", 2)[1])
