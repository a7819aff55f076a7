"""Hub-wide singletons: a periodic job (fleet-check, downlink) runs in one process however many are started.

    with singleton("fleet-check"):      # waits (standby) until no other process holds it
        run_the_loop()

PostgreSQL: a session advisory lock on a connection of its own (Django's may be closed between
requests); the database frees it when the holder dies, and a standby takes over within poll_s.
SQLite (one machine): an flock on a file beside the database, freed by the kernel the same way.
"""
import fcntl
import hashlib
import logging
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

log = logging.getLogger("hub.jobs")


def _key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(b"hub-job:" + name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def singleton(name: str, poll_s: float = 2.0, on_wait=None):
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        import psycopg

        conn = psycopg.connect(dbname=db["NAME"], user=db.get("USER") or None, password=db.get("PASSWORD") or None,
                               host=db.get("HOST") or None, port=db.get("PORT") or None, autocommit=True)
        try:
            _wait(lambda: conn.execute("SELECT pg_try_advisory_lock(%s)", (_key(name),)).fetchone()[0],
                  name, poll_s, on_wait)
            yield
        finally:
            conn.close()
    else:
        path = Path(str(db["NAME"]) + f".{name}.lock")
        with open(path, "a+") as f:
            def take():
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    return False

            _wait(take, name, poll_s, on_wait)
            yield


def _wait(take, name, poll_s, on_wait):
    said = False
    while not take():
        if not said:
            log.info("%s runs in another process: standing by", name)
            if on_wait:
                on_wait()
            said = True
        time.sleep(poll_s)
