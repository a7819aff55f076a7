"""The grant scheme's rules again on PostgreSQL (row locks, JSON fields, constraints), in a database made for
the run and dropped after it. Quick: only the grant scheme's service tests; the whole hub suite runs on
PostgreSQL in test_postgres.py (slow)."""
import os
import subprocess
import sys
import uuid

import pytest

from tests.hub.test_postgres import ROOT, _server_url


@pytest.mark.postgres
@pytest.mark.timeout(300)
@pytest.mark.skipif(os.environ.get("HUB_PG_INNER") == "1", reason="already the PostgreSQL run")
def test_the_grant_rules_hold_on_postgresql():
    psycopg = pytest.importorskip("psycopg")
    base = _server_url().rsplit("/", 1)[0]
    try:
        psycopg.connect(base + "/postgres", connect_timeout=3, autocommit=True).close()
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL server answers at {base} ({str(exc).strip().splitlines()[0]})")
    env = {**os.environ, "DATABASE_URL": f"{base}/grants_{uuid.uuid4().hex[:8]}", "HUB_PG_INNER": "1"}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "tests/hub/test_grants_services.py", "--create-db"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=280)
    tail = "\n".join(result.stdout.splitlines()[-15:])
    print(tail)
    assert result.returncode == 0, tail + result.stderr[-2000:]
    assert " passed" in tail and "skipped" not in tail
