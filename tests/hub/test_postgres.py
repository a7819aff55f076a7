"""The whole hub suite again on PostgreSQL, in a database made for the run and dropped after it.

Uses DATABASE_URL if it names PostgreSQL, else postgres://postgres@127.0.0.1:5432; skips with the
reason when no server answers.
"""
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else "postgres://postgres@127.0.0.1:5432/postgres"


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.skipif(os.environ.get("HUB_PG_INNER") == "1", reason="already the PostgreSQL run")
def test_the_hub_suite_passes_on_postgresql():
    psycopg = pytest.importorskip("psycopg")
    base = _server_url().rsplit("/", 1)[0]
    try:
        psycopg.connect(base + "/postgres", connect_timeout=3, autocommit=True).close()
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL server answers at {base} ({str(exc).strip().splitlines()[0]}); "
                    "the hub suite ran on SQLite only")
    name = f"hub_ci_{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": f"{base}/{name}", "HUB_PG_INNER": "1"}
    # pytest-django makes (and drops) test_<name>; the named database itself is never created.
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not browser",
                             "tests/hub", "--create-db"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=870)
    tail = "\n".join(result.stdout.splitlines()[-25:])
    print(tail)
    assert result.returncode == 0, tail + result.stderr[-2000:]
    assert " passed" in tail
