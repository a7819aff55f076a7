"""Mosquitto's configuration, written by the hub: per-bench passwords and ACLs, no anonymous access."""
import base64
import hashlib
import getpass
import os
from pathlib import Path

_ITERATIONS = 101  # mosquitto_passwd's own default for the $7$ (PBKDF2-SHA512) format

# Each bench may touch only its own topics; %u is the MQTT username, which is the bench id.
_BENCH_ACL = """\
pattern write link/v1/b/%u/proposal
pattern write link/v1/b/%u/telemetry
pattern readwrite link/v1/b/%u/status
pattern read link/v1/b/%u/ack
pattern read link/v1/b/%u/config
pattern read link/v1/b/%u/digest
pattern read link/v1/b/%u/cmd
"""


def password_hash(password: str, salt: bytes | None = None) -> str:
    """A hash in mosquitto_passwd's $7$ format, so the broker checks passwords we never store."""
    salt = salt or os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, _ITERATIONS)
    return "$7$%d$%s$%s" % (_ITERATIONS, base64.b64encode(salt).decode(), base64.b64encode(digest).decode())


def render_config(*, port: int, data_dir: Path, host: str = "127.0.0.1") -> str:
    return "\n".join([
        "# Written by `hub broker-config`; edit the generator, not this file.",
        # Started as root, mosquitto would switch to its own user and lose access to these files.
        f"user {getpass.getuser()}",
        "per_listener_settings false",
        "allow_anonymous false",
        f"password_file {data_dir / 'passwd'}",
        f"acl_file {data_dir / 'acl'}",
        "persistence true",
        f"persistence_location {data_dir}/",
        "autosave_interval 10",
        "max_inflight_messages 20",
        "max_queued_messages 10000",
        "max_packet_size 20000",
        "log_dest stdout",
        "log_type error",
        "log_type warning",
        "log_type notice",
        f"listener {port} {host}",
        "",
    ])


def render_acl(*, hub_user: str) -> str:
    return f"user {hub_user}\ntopic readwrite link/v1/b/#\n\n{_BENCH_ACL}"


def write_broker_files(*, out: Path, port: int, hub_user: str, hub_password_hash: str,
                       bench_hashes: dict, host: str = "127.0.0.1") -> Path:
    """Write mosquitto.conf, passwd and acl into out; returns the path of mosquitto.conf."""
    out.mkdir(parents=True, exist_ok=True)
    lines = [f"{hub_user}:{hub_password_hash}"] + [f"{bench}:{h}" for bench, h in sorted(bench_hashes.items()) if h]
    passwd = out / "passwd"
    passwd.write_text("\n".join(lines) + "\n")
    passwd.chmod(0o600)
    (out / "acl").write_text(render_acl(hub_user=hub_user))
    conf = out / "mosquitto.conf"
    conf.write_text(render_config(port=port, data_dir=out.resolve(), host=host))
    return conf
