"""Helpers shared by the system tests (importable as `tests.support`)."""
import time


def wait_for(predicate, timeout=30.0, interval=0.5):
    """Poll predicate until it returns something truthy; that value, or AssertionError at timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met within %.0f s" % timeout)
