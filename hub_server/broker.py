"""Mosquitto's configuration, written by the hub: per-bench passwords and ACLs, no anonymous access,
and a TLS listener whose CA and server certificate the hub generates and keeps (docs/protocol.md,
"Transport security")."""
import base64
import datetime
import getpass
import hashlib
import ipaddress
import os
from pathlib import Path

_ITERATIONS = 101  # mosquitto_passwd's own default for the $7$ (PBKDF2-SHA512) format

def _bench_acl() -> str:
    """Each bench may touch only its own topics; %u is the MQTT username, which is the bench id."""
    from benchcore import contract

    access = ((contract.proposal, "write"), (contract.telemetry, "write"), (contract.status, "readwrite"),
              (contract.ack, "read"), (contract.config, "read"), (contract.digest, "read"), (contract.cmd, "read"))
    return "".join(f"pattern {how} {contract.topic('%u', leaf)}\n" for leaf, how in access)


# A listener's setting (placed before any listener, Mosquitto would open a default one on 1883):
# the client id is the username, so nobody can take over another's session (kick the ingest or a
# bench off, fire its last will) with a password of their own.
_CLIENT_ID_IS_USERNAME = "use_username_as_clientid true"


def password_hash(password: str, salt: bytes | None = None) -> str:
    """A hash in mosquitto_passwd's $7$ format, so the broker checks passwords we never store."""
    salt = salt or os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, _ITERATIONS)
    return "$7$%d$%s$%s" % (_ITERATIONS, base64.b64encode(salt).decode(), base64.b64encode(digest).decode())


def render_config(*, port: int | None, data_dir: Path, host: str = "127.0.0.1",
                  tls_port: int | None = None, tls_host: str = "") -> str:
    """port None: no plain-text listener (production: TLS only). tls_port None: no TLS listener."""
    lines = [
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
    ]
    if port is not None:
        # Plain text: for the hub's own processes on loopback (and benches that run without TLS).
        lines += [f"listener {port} {host}", _CLIENT_ID_IS_USERNAME]
    if tls_port is not None:
        # Benches authenticate with their password inside the TLS session; no client certificates.
        lines += [
            f"listener {tls_port} {tls_host}".rstrip(),
            _CLIENT_ID_IS_USERNAME,
            f"cafile {data_dir / CA_CERT}",
            f"certfile {data_dir / SERVER_CERT}",
            f"keyfile {data_dir / SERVER_KEY}",
            "require_certificate false",
            "tls_version tlsv1.2",  # the minimum: TLS 1.2 and 1.3 are accepted
        ]
    return "\n".join(lines + [""])


def render_acl(*, hub_roles: dict) -> str:
    """hub_roles: {username: ((access, leaf), ...)} for the hub's processes (hub_server.mqtt)."""
    from hub_server.mqtt import topic_filter

    blocks = []
    for user, grants in sorted(hub_roles.items()):
        blocks.append(f"user {user}\n" + "".join(
            f"topic {how} {topic_filter(leaf)}\n" for how, leaf in grants))
    return "\n".join(blocks + [_bench_acl()])


def write_broker_files(*, out: Path, port: int | None, hub_users: dict, bench_hashes: dict,
                       host: str = "127.0.0.1", tls_port: int | None = None,
                       tls_host: str = "", tls_names: list | None = None) -> Path:
    """Write mosquitto.conf, passwd and acl (and, with tls_port, the CA and server certificate)
    into out; returns the path of mosquitto.conf. hub_users: {username: (password hash, grants)}."""
    out.mkdir(parents=True, exist_ok=True)
    if tls_port is not None:
        ensure_certificates(out, tls_names or [tls_host or host])
    write_credentials(out=out, hub_users=hub_users, bench_hashes=bench_hashes)
    conf = out / "mosquitto.conf"
    conf.write_text(render_config(port=port, data_dir=out.resolve(), host=host, tls_port=tls_port,
                                  tls_host=tls_host))
    return conf


def write_credentials(*, out: Path, hub_users: dict, bench_hashes: dict) -> None:
    """passwd and acl, each replaced whole: the broker may reread them at any moment."""
    lines = [f"{user}:{h}" for user, (h, _) in sorted(hub_users.items())]
    lines += [f"{bench}:{h}" for bench, h in sorted(bench_hashes.items()) if h]
    for name, text in (("passwd", "\n".join(lines) + "\n"),
                       ("acl", render_acl(hub_roles={u: g for u, (_, g) in hub_users.items()}))):
        tmp = out / f".{name}.{os.getpid()}.tmp"
        tmp.write_text(text)
        tmp.chmod(0o600 if name == "passwd" else 0o644)
        tmp.replace(out / name)


def hub_users() -> dict:
    """{username: (password hash, grants)} of the hub's own broker users (hub_server.mqtt roles)."""
    from hub_server import mqtt

    return {mqtt.role_user(role): (password_hash(mqtt.role_password(role)), mqtt.ROLES[role.split("-")[0]])
            for role in mqtt.role_names()}


# -- TLS: the hub's own CA and the broker's server certificate -------------------------------------
CA_CERT, CA_KEY = "ca.crt", "ca.key"
SERVER_CERT, SERVER_KEY = "server.crt", "server.key"
CA_DAYS = 20 * 365  # the CA's certificate sits in every bench's flash: long-lived, rotated deliberately
SERVER_DAYS = 825
RENEW_BEFORE_DAYS = 30


def _write_private(path: Path, data: bytes) -> None:
    """A key file readable by its owner only, from the moment it exists."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _san(names):
    from cryptography import x509

    entries = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


def _cert_names(cert) -> set:
    from cryptography import x509

    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    return {str(v) for v in san.get_values_for_type(x509.DNSName)} | {
        str(v) for v in san.get_values_for_type(x509.IPAddress)}


def _expires_soon(cert, now) -> bool:
    return cert.not_valid_after_utc - now < datetime.timedelta(days=RENEW_BEFORE_DAYS)


def _new_cert(subject, issuer, public_key, signing_key, days, now, *, ca: bool, names=()):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID

    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(hours=1))
               .not_valid_after(now + datetime.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False, encipher_only=False,
            decipher_only=False), critical=True)
    else:
        builder = (builder.add_extension(_san(names), critical=False)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                   .add_extension(x509.KeyUsage(
                       digital_signature=True, key_agreement=True, key_cert_sign=False, crl_sign=False,
                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                       encipher_only=False, decipher_only=False), critical=True))
    return builder.sign(signing_key, hashes.SHA256())


def ensure_certificates(out: Path, names: list, now: datetime.datetime | None = None) -> dict:
    """The CA (made once, kept) and the broker's certificate for names (host names and IPs, in its
    SAN): reused while valid for those names, renewed RENEW_BEFORE_DAYS before it expires.

    ECDSA P-256 keys: MicroPython's mbedTLS offers ECDHE only with ECDSA certificates (ECDHE_RSA is
    off in its config), so an RSA certificate would mean no forward secrecy; P-256 is also the
    curve the ESP32's hardware accelerates. Returns which files were written."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = now or datetime.datetime.now(datetime.timezone.utc)
    out.mkdir(parents=True, exist_ok=True)
    written = {"ca": False, "server": False}
    ca_cert_path, ca_key_path = out / CA_CERT, out / CA_KEY
    pem = serialization.Encoding.PEM
    ca_cert = ca_key = None
    if ca_cert_path.exists() and ca_key_path.exists():
        ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
        ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
        ca_key_path.chmod(0o600)
        if _expires_soon(ca_cert, now):
            # A new CA must reach every bench first (docs/protocol.md): refuse to swap it silently.
            raise RuntimeError(f"the broker CA {ca_cert_path} expires on {ca_cert.not_valid_after_utc:%Y-%m-%d}: "
                               "roll a new CA out to the benches before it does")
    if ca_cert is None:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "LINK benches"),
                          x509.NameAttribute(NameOID.COMMON_NAME, "LINK hub broker CA")])
        ca_cert = _new_cert(name, name, ca_key.public_key(), ca_key, CA_DAYS, now, ca=True)
        _write_private(ca_key_path, ca_key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
        ca_cert_path.write_bytes(ca_cert.public_bytes(pem))
        written["ca"] = True
    cert_path, key_path = out / SERVER_CERT, out / SERVER_KEY
    if cert_path.exists() and key_path.exists() and not written["ca"]:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        if (cert.issuer == ca_cert.subject and set(map(str, names)) <= _cert_names(cert)
                and not _expires_soon(cert, now)):
            key_path.chmod(0o600)
            return written
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "LINK benches"),
                         x509.NameAttribute(NameOID.COMMON_NAME, str(names[0]))])
    cert = _new_cert(subject, ca_cert.subject, key.public_key(), ca_key, SERVER_DAYS, now, ca=False, names=names)
    _write_private(key_path, key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(pem))
    written["server"] = True
    return written


def ca_certificate(out: Path) -> str:
    """The CA certificate (PEM) a bench needs in its config as mqtt.ca."""
    return (out / CA_CERT).read_text()
