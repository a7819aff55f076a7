import http.client
import socket

import pytest

from simulators.bench import BenchProcess, bench_config, prepare_flash
from simulators.stack import free_port


def start_bench(workdir, bench_id="portal-1", municipality="Tuzla", portal=None, **extra):
    """A bench alone, its uplink down (no broker listens): the portal and DNS must not care."""
    cfg = bench_config(bench_id, municipality, "127.0.0.1", free_port(), free_port(), **extra)
    cfg["portal"].update(portal or {})
    bench = BenchProcess(prepare_flash(workdir / bench_id, cfg), echo=None)
    bench.start()
    bench.wait_ready()
    return bench


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    # Many tests share this bench and most ask from 127.0.0.1: a larger request bucket than a phone's.
    b = start_bench(tmp_path_factory.mktemp("portal"), portal={"burst": 400})
    yield b
    b.stop()


class Phone:
    """An HTTP client that talks to the bench as a phone would, from its own loopback address."""

    def __init__(self, bench, source="127.0.0.1", timeout=10.0):
        self.port = bench.config["portal"]["port"]
        self.source = source
        self.timeout = timeout
        self.portal_host = "127.0.0.1:%d" % self.port

    def request(self, method, path, host=None, headers=None, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout,
                                          source_address=(self.source, 0))
        try:
            conn.request(method, path, body=body, headers={"Host": host or self.portal_host, **(headers or {})})
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()


def raw_exchange(port, data, timeout=10.0, source="127.0.0.1"):
    """Send raw bytes, read until the bench closes; returns what came back (b'' if dropped)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(source, 0)) as s:
        try:
            s.sendall(data)
        except OSError:
            pass
        out = b""
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                out += chunk
        except OSError:
            pass
        return out
