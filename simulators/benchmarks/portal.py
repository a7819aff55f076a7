"""The portal on the real MicroPython interpreter at the ESP32 heap, with sync running.

heap: eight phones (own loopback addresses) load the form and submit at once, `rounds` times; the
bench's peak GC heap in host bytes and chip-equivalent bytes (host / HOST_HEAP_SCALE: the upper-bound
ESP32 estimate docs/simulator.md defines).
page_bytes: every page a phone loads (form, thanks, ideas, status, probes), gzip accepted as phones
do; the largest response on the wire, head and body.
p95_ratio: GET / on the portal vs a microdot hello-world on the same interpreter, heap and libraries,
`requests` sequential requests each; p95 of the portal over p95 of hello-world.
"""
import os
import socket
import subprocess
import threading
import time
from pathlib import Path

from simulators.bench import ESP32_HEAP, HOST_HEAP_SCALE, micropython_binary
from simulators.fleet.citizens import Citizen, corpus
from simulators.fleet.report import percentile
from simulators.stack import Stack, free_port, wait_for_port

_HELLO = """
from microdot import Microdot
app = Microdot()

@app.route('/')
async def index(request):
    return 'Hello, world!'

app.run(host='127.0.0.1', port=%d)
"""


def _wire_bytes(port, path, source, body=None, extra=""):
    method = "POST" if body else "GET"
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\nAccept-Language: bs\r\n"
            f"Connection: close\r\n{extra}")
    if body:
        head += f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=15, source_address=(source, 0)) as s:
        s.sendall(head.encode() + b"\r\n" + (body or b""))
        total = 0
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return total
            total += len(chunk)


def _timed_get(port, source, path="/"):
    start = time.perf_counter()
    _wire_bytes(port, path, source)
    return (time.perf_counter() - start) * 1000


def measure(workdir: Path, rounds=3, requests=200) -> dict:
    stack = Stack(workdir)
    out = {}
    try:
        stack.migrate()
        stack.start_broker()
        stack.start_ingest()
        bench = stack.add_bench("portal-1", "Zenica")
        port = bench.config["portal"]["port"]
        ideas = corpus()
        # -- eight phones at once
        barrier, results = threading.Barrier(8), []

        def phone(i):
            for r in range(rounds):
                barrier.wait()
                idea = ideas["sr-Cyrl" if i % 2 else "bs"][(i + r) % 16]
                results.append(Citizen(bench.portal_url, f"127.0.1.{10 + i}", timeout=60).visit("bs", idea))

        threads = [threading.Thread(target=phone, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        peak = max(bench.peak_heap, bench.status()["heap_peak"])
        out.update(phones=8, rounds=rounds, receipts=sum(1 for r in results if r["receipt"]),
                   heap_peak_host_bytes=peak, heap_peak_chip_bytes=peak // HOST_HEAP_SCALE, heap=int(ESP32_HEAP))
        # -- the largest page on the wire
        body = "title=Klupa&body=Hvala+za+klupu&category=other".encode()
        pages = {path: _wire_bytes(port, path, "127.0.2.%d" % k) for k, path in
                 enumerate(("/", "/?lang=sr-Cyrl", "/?lang=en", "/ideas", "/status", "/status.json", "/generate_204",
                            "/hotspot-detect.html"), start=1)}
        pages["POST /proposals"] = _wire_bytes(port, "/proposals", "127.0.2.99", body=body)
        out["page_bytes"] = max(pages.values())
        out["pages"] = pages
        # -- p95: the portal's form vs hello-world, same interpreter
        portal_ms = [_timed_get(port, "127.0.3.%d" % (1 + k % 250)) for k in range(requests)]
        hello_ms = _hello_world(bench.flash / "lib", requests)
        out.update(portal_p50_ms=round(percentile(portal_ms, 50), 2), hello_p50_ms=round(percentile(hello_ms, 50), 2),
                   portal_p95_ms=round(percentile(portal_ms, 95), 2), hello_p95_ms=round(percentile(hello_ms, 95), 2),
                   p95_ratio=round(percentile(portal_ms, 95) / percentile(hello_ms, 95), 2), requests=requests)
    finally:
        stack.stop()
    return out


def _hello_world(lib: Path, requests) -> list:
    port = free_port()
    env = dict(os.environ, MICROPYPATH=os.pathsep.join([".frozen", str(lib)]))
    proc = subprocess.Popen([micropython_binary(), "-X", "heapsize=" + ESP32_HEAP, "-c", _HELLO % port],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, proc=proc, what="microdot hello-world")
        return [_timed_get(port, "127.0.4.%d" % (1 + k % 250)) for k in range(requests)]
    finally:
        proc.terminate()
        proc.wait(5)
