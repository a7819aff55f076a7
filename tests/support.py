"""Helpers shared by the system tests (importable as `tests.support`)."""
import sys
import time
import types
from contextlib import contextmanager


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


@contextmanager
def running_hub(workdir, **stack_options):
    """A Stack with its database migrated, its broker and its ingest worker running."""
    from simulators.stack import Stack

    with Stack(workdir, **stack_options) as stack:
        stack.migrate()
        stack.start_broker()
        stack.start_ingest()
        yield stack


@contextmanager
def hub_with_bench(workdir, bench_id, municipality, runtime="micropython"):
    """running_hub plus one bench whose uplink is up (stack.bench); runtime "cpython": the edge agent."""
    with running_hub(workdir) as stack:
        stack.bench = stack.add_bench(bench_id, municipality, runtime=runtime)
        wait_for(lambda: stack.bench.status()["uplink"], timeout=30)
        yield stack


def adafruit_ina219_without_blinka(monkeypatch):
    """Adafruit's adafruit_ina219 importable without Blinka (requirements-nodeps.txt installs it
    alone): it needs `micropython.const`, and its helpers name `busio.I2C` and
    `circuitpython_typing` buffer types in their annotations. The simulated bus (VirtualI2C)
    implements the busio.I2C calls the library makes."""
    import pytest

    stubs = {"micropython": {"const": lambda x: x}, "busio": {"I2C": object},
             "circuitpython_typing": {"ReadableBuffer": bytes, "WriteableBuffer": bytearray},
             "circuitpython_typing.device_drivers": {"I2CDeviceDriver": object}}
    for name, attrs in stubs.items():
        if name == "micropython" or name not in sys.modules:
            mod = types.ModuleType(name)
            mod.__dict__.update(attrs)
            monkeypatch.setitem(sys.modules, name, mod)
    for name in ("adafruit_ina219", "adafruit_bus_device.i2c_device"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    return pytest.importorskip("adafruit_ina219")


def refuse_inserts(table: str, condition: str = "TRUE") -> None:
    """A real database refusal for the rows of `table` that meet `condition` (SQL over NEW, the same on
    SQLite and PostgreSQL): a trigger raising 'refused by the test', on the test's connection."""
    from django.db import connection

    name = f"refuse_{table}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                           f"IF {condition} THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$")
            cursor.execute(f"CREATE TRIGGER {name} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()")
        else:
            cursor.execute(f"CREATE TRIGGER {name} BEFORE INSERT ON {table} WHEN {condition} "
                           "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
