"""A whole system on one machine: Mosquitto, the hub (ingest + web) and simulated benches.

The demo, the tests and the chaos runner all start their systems through this module, each in
its own directory and on free ports, so several can run side by side with any other broker.
"""
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from simulators.bench import ESP32_HEAP, ESP32_HEAP_KEEPALIVE, BenchProcess, bench_config, prepare_flash


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mosquitto_binary() -> str:
    found = shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if os.path.exists(p)), None)
    if not found:
        raise RuntimeError("mosquitto is not installed: install the Debian package 'mosquitto' (make setup does)")
    return found


def wait_for_port(port: int, timeout: float = 15.0, proc=None, what="service") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{what} did not listen on port {port} within {timeout:.0f} s")


def _migrated_template_path() -> Path:
    """Named by the migrations' contents and the Django and SQLite versions, so any change migrates anew."""
    import hashlib
    import sqlite3

    import django

    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(f"{django.get_version()} {sqlite3.sqlite_version}".encode())
    for migration in sorted((root / "hub_server").glob("*/migrations/*.py")):
        digest.update(str(migration.relative_to(root)).encode() + b"\0" + migration.read_bytes())
    return root / "build" / "cache" / f"hub-migrated-{digest.hexdigest()[:16]}.sqlite3"


def _keep_as_template(database: Path, template: Path) -> None:
    """A consistent copy (the backup API reads through the WAL), renamed into place whole."""
    import sqlite3

    template.parent.mkdir(parents=True, exist_ok=True)
    partial = template.with_name(f"{template.name}.{os.getpid()}.partial")
    source, copy = sqlite3.connect(database), sqlite3.connect(partial)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    os.replace(partial, template)


class Stack:
    def __init__(self, workdir: Path, echo=None, tls: bool = False):
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.echo = echo
        self.broker_port = free_port()
        # tls: the broker also gets a TLS listener (hub-made CA) and benches connect through it.
        self.tls_port = free_port() if tls else None
        self.hub_password = secrets.token_urlsafe(12)
        self.database_url = os.environ.get("STACK_DATABASE_URL") or "sqlite:///" + str(self.dir / "hub.sqlite3")
        self.web_port = None
        self.extra_env = {}  # settings for the hub's processes started from now on
        self.broker = self.ingest = self.web = self.downlink = self.release_worker = None
        self.benches: dict[str, BenchProcess] = {}
        self._logs = []

    # -- hub ----------------------------------------------------------------
    def hub_env(self) -> dict:
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": self.database_url, "MQTT_HOST": "127.0.0.1", "MQTT_PORT": str(self.broker_port),
            "MQTT_USER": "hub", "MQTT_PASSWORD": self.hub_password,
            "HUB_STATIC_ROOT": str(self.dir / "static"), "PYTHONUNBUFFERED": "1",
            "HUB_RELEASES_DIR": str(self.dir / "releases"), "HUB_RELEASE_KEY_FILE": str(self.dir / "release_key.pem"),
        })
        env.update(self.extra_env)
        if self.web_port:
            env["HUB_RELEASES_URL"] = f"http://127.0.0.1:{self.web_port}/releases/"
        return env

    def hub_login(self, role: str) -> tuple[str, str]:
        """(username, password) of one of the hub's broker users (hub_server.mqtt: ingest,
        downlink, cmd, monitor)."""
        from hub_server.mqtt import role_password

        return f"hub-{role}", role_password(role, self.hub_password)

    def hub(self, *args: str) -> str:
        """Run a `hub` command to completion; returns its standard output."""
        result = subprocess.run([sys.executable, "-m", "hub_server.cli", *args], env=self.hub_env(),
                                capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"hub {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def _spawn(self, name: str, argv: list) -> subprocess.Popen:
        log = open(self.dir / f"{name}.log", "ab")
        self._logs.append(log)
        return subprocess.Popen(argv, env=self.hub_env(), stdout=log, stderr=subprocess.STDOUT, cwd=self.dir)

    def migrate(self) -> None:
        """A new SQLite database starts as a copy of one migrated once per set of migrations (build/cache):
        migrating takes ~4 s, and every test's stack, benchmark and demo needs a fresh database."""
        path = Path(self.database_url[len("sqlite:///"):]) if self.database_url.startswith("sqlite:///") else None
        template = _migrated_template_path()
        if path is None or path.exists():
            self.hub("migrate", "--noinput", "-v", "0")
        elif template.exists():
            shutil.copyfile(template, path)
        else:
            self.hub("migrate", "--noinput", "-v", "0")
            _keep_as_template(path, template)

    def proposals(self) -> list:
        return json.loads(self.hub("proposals", "--json"))

    def add_administrator(self, username: str) -> dict:
        return json.loads(self.hub("admin-add", username))

    # -- broker -------------------------------------------------------------
    def write_broker_config(self) -> Path:
        tls = (["--tls-port", str(self.tls_port), "--tls-host", "127.0.0.1", "--tls-name", "127.0.0.1",
                "--tls-name", "localhost"] if self.tls_port else ["--no-tls"])
        return Path(self.hub("broker-config", "--out", str(self.dir / "broker"),
                             "--port", str(self.broker_port), *tls).strip())

    @property
    def ca_pem(self) -> str:
        return self.hub("broker-ca", "--out", str(self.dir / "broker"))

    def start_broker(self) -> None:
        for attempt in range(3):
            conf = self.write_broker_config()
            self.broker = self._spawn("broker", [mosquitto_binary(), "-c", str(conf)])
            try:
                wait_for_port(self.broker_port, proc=self.broker, what="mosquitto")
                break
            except RuntimeError:
                # free_port() races with other processes on this machine: another port, before
                # anything has been told this one (benches and hub processes start later)
                if attempt == 2 or self.benches:
                    raise
                self.broker_port = free_port()
        if self.tls_port:
            wait_for_port(self.tls_port, proc=self.broker, what="mosquitto (TLS)")

    def reload_broker(self) -> None:
        """New benches: rewrite the password file and ACL, then SIGHUP makes mosquitto reread them."""
        self.write_broker_config()
        self.broker.send_signal(signal.SIGHUP)
        time.sleep(0.3)

    def broker_follows_hub(self) -> None:
        """The hub's processes started from now on hand the broker new benches' credentials themselves
        (HUB_BROKER_DIR, HUB_BROKER_RELOAD: hub_server/fleet/broker_sync.py), as a production hub does."""
        self.extra_env.update(HUB_BROKER_DIR=str(self.dir / "broker"), HUB_BROKER_RELOAD=f"kill -HUP {self.broker.pid}")

    def stop_broker(self) -> None:
        _stop(self.broker)
        self.broker = None

    # -- hub processes ------------------------------------------------------
    def start_ingest(self) -> None:
        log = self.dir / "ingest.log"
        self._ingest_log_from = log.stat().st_size if log.exists() else 0
        self.ingest = self._spawn("ingest", [sys.executable, "-m", "hub_server.cli", "ingest"])

    def wait_ingest_subscribed(self, timeout: float = 30) -> None:
        """Until this run of the worker has subscribed: stopped before that, it leaves no persistent
        session, and what benches send meanwhile waits for their 20 s resend instead of for the worker."""
        deadline = time.monotonic() + timeout
        while self.ingest.poll() is None and time.monotonic() < deadline:
            with open(self.dir / "ingest.log", "rb") as log:
                log.seek(self._ingest_log_from)
                if b"listening for benches" in log.read():
                    return
            time.sleep(0.1)

    def stop_ingest(self, kill: bool = False) -> None:
        if self.ingest and self.ingest.poll() is None:
            self.wait_ingest_subscribed()
        if kill and self.ingest and self.ingest.poll() is None:
            self.ingest.kill()
            self.ingest.wait()
        _stop(self.ingest)
        self.ingest = None

    def start_downlink(self) -> None:
        """The worker that publishes queued digests and configs to the benches."""
        self.downlink = self._spawn("downlink", [sys.executable, "-m", "hub_server.cli", "downlink"])

    def start_release_worker(self, every: float = 1.0) -> None:
        """The rollout worker (`hub release worker`): update commands, confirmations, halts."""
        self.release_worker = self._spawn("releases", [sys.executable, "-m", "hub_server.cli", "release", "worker",
                                                       "--every", str(every)])

    def release_key(self) -> str:
        """The hub's release public key (made on first use): what benches get as release_key."""
        if not getattr(self, "_release_key", None):
            self._release_key = self.hub("release", "key").strip()
        return self._release_key

    def start_web(self) -> str:
        self.web_port = free_port()
        self.web = self._spawn("web", [sys.executable, "-m", "hub_server.cli", "serve", "--port", str(self.web_port)])
        wait_for_port(self.web_port, timeout=60, proc=self.web, what="hub web")
        return self.hub_url

    @property
    def hub_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}/"

    # -- benches ------------------------------------------------------------
    def add_bench(self, bench_id: str, municipality: str, start: bool = True, tls_ca: str | None = None,
                  supervise: bool = False, keepalive: bool = False, runtime: str = "micropython",
                  **config_extra) -> BenchProcess:
        """On a TLS stack the bench connects to the TLS listener with the hub's CA (tls_ca: another
        CA's PEM instead)."""
        creds = json.loads(self.hub("bench-add", bench_id, "--municipality", municipality))
        if self.broker is not None:
            self.reload_broker()
        tls = {"tls": True, "ca": tls_ca or self.ca_pem, "server_hostname": "localhost"} if self.tls_port else {}
        cfg = bench_config(bench_id, municipality, "127.0.0.1", self.tls_port or self.broker_port, free_port(),
                           mqtt_user=creds["mqtt_user"], mqtt_password=creds["mqtt_password"],
                           key=creds["key"], key_id=creds["key_id"], mqtt_tls=tls,
                           seal_key=creds["seal_key"], **config_extra)
        if keepalive:  # watchdog, safe mode and updates: the hub's release key, and the heap they need
            cfg.setdefault("release_key", self.release_key())
        if runtime == "cpython":  # the edge agent (bench run) with the same config
            from simulators.agent import AgentProcess, agent_flash

            bench = AgentProcess(agent_flash(self.dir / "benches" / bench_id, cfg), echo=self.echo)
        else:
            bench = BenchProcess(prepare_flash(self.dir / "benches" / bench_id, cfg, keepalive=keepalive),
                                 echo=self.echo, supervise=supervise,
                                 heap=ESP32_HEAP_KEEPALIVE if keepalive else ESP32_HEAP)
        self.benches[bench_id] = bench
        if start:
            bench.start()
            bench.wait_ready()
        return bench

    def restart_bench(self, bench_id: str) -> BenchProcess:
        old = self.benches[bench_id]
        old.stop()
        bench = type(old)(old.flash, heap=old.heap, echo=self.echo)
        bench.peak_heap = old.peak_heap
        self.benches[bench_id] = bench
        bench.start()
        bench.wait_ready()
        return bench

    def stop(self) -> None:
        for bench in self.benches.values():
            bench.stop()
        _stop(self.web)
        _stop(self.downlink)
        _stop(self.release_worker)
        self.stop_ingest()
        self.stop_broker()
        for log in self._logs:
            log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _stop(proc, timeout: float = 10.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def post_form(url: str, fields: dict, headers: dict | None = None, timeout: float = 10.0):
    """POST an urlencoded form like a phone's browser; returns (status, body text)."""
    import urllib.error
    import urllib.parse

    data = urllib.parse.urlencode(fields).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                          **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()
