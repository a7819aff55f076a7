"""The whole hub suite again on PostgreSQL, in a database made for the run and dropped after it.

Uses DATABASE_URL if it names PostgreSQL, else postgres://postgres@127.0.0.1:5432; skips with the
reason when no server answers. The run starts with the session, beside the other tests (its pytest
and PostgreSQL use the core the rest of the run mostly leaves idle), and is read at the end.
"""
import os
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else "postgres://postgres@127.0.0.1:5432/postgres"


def _start_hub_suite_on_postgresql():
    if os.environ.get("HUB_PG_INNER") == "1":
        return "already the PostgreSQL run"
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed: the hub suite ran on SQLite only"
    base = _server_url().rsplit("/", 1)[0]
    try:
        psycopg.connect(base + "/postgres", connect_timeout=3, autocommit=True).close()
    except psycopg.OperationalError as exc:
        return (f"no PostgreSQL server answers at {base} ({str(exc).strip().splitlines()[0]}); "
                "the hub suite ran on SQLite only")
    # pytest-django makes (and drops) test_<name>; the named database itself is never created.
    env = {**os.environ, "DATABASE_URL": f"{base}/hub_ci_{uuid.uuid4().hex[:8]}", "HUB_PG_INNER": "1"}
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not browser", "tests/hub",
            "--create-db"]
    return argv, env, 1500


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.timeout(1600)
@pytest.mark.skipif(os.environ.get("HUB_PG_INNER") == "1", reason="already the PostgreSQL run")
@pytest.mark.background(start=_start_hub_suite_on_postgresql)
def test_the_hub_suite_passes_on_postgresql(background):
    code, output = background
    tail = "\n".join(output.splitlines()[-25:])
    print(tail)
    assert code == 0, output[-5000:]
    assert " passed" in tail
