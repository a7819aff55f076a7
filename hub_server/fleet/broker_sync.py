"""The broker follows the hub's benches: after a bench is registered or provisioned (committed), the
password file and ACL are rewritten from the database and Mosquitto is told to reread them
(settings.HUB_BROKER_DIR, HUB_BROKER_RELOAD). Without it a new bench's credentials, and the revocation
of a stolen bench's old ones, waited for an operator to run `hub broker-config` and reload."""
import fcntl
import logging
import shlex
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import transaction

log = logging.getLogger("hub.broker")


def broker_sync_on_commit() -> None:
    if settings.HUB_BROKER_DIR:
        transaction.on_commit(broker_sync)


def broker_sync() -> bool:
    """True if the broker has the database's credentials now. A failure is logged, never raised: the
    provisioning stays committed, and `bench doctor` shows the broker refusing until the next sync."""
    from hub_server.broker import hub_users, write_credentials
    from hub_server.fleet.models import Bench

    out = Path(settings.HUB_BROKER_DIR)
    try:
        # one writer at a time, each with what the database holds once it has the lock, so an older
        # snapshot can never overwrite a newer one (several web processes provision at once)
        with open(out / ".sync.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            hashes = dict(Bench.objects.values_list("id", "mqtt_password_hash"))
            write_credentials(out=out, hub_users=hub_users(), bench_hashes=hashes)
            if settings.HUB_BROKER_RELOAD:
                subprocess.run(shlex.split(settings.HUB_BROKER_RELOAD), check=True, capture_output=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        log.error("broker: could not hand it the benches' credentials (%s %s); run `hub broker-config` and "
                  "reload it", exc, detail.decode(errors="replace").strip()[:200])
        return False
    log.info("broker: credentials of %d benches written%s", len(hashes),
             " and reloaded" if settings.HUB_BROKER_RELOAD else "")
    return True
