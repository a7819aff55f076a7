"""How long from a citizen's submission on a bench to the idea on a reviewer's open queue page.

Runs what `make demo` runs (simulators.demo.demo_system): the real firmware on MicroPython, Mosquitto,
the hub's ingest and `hub serve`; a real Chromium holds the review queue open as a logged-in reviewer.
Each round posts the bench's form and times: the hub storing it (its public change marker moves,
read every 50 ms) and the row appearing on the open page (live.js polling, no reload).
"""
import json
import random
import statistics
import sys
import time
import urllib.request
import uuid

from simulators.demo import ROOT, demo_system
from simulators.hub_browser import chromium, log_in, submit_idea

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 12


def marker(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())["v"]


def main() -> int:
    stored, shown = [], []
    with demo_system(ROOT / "build" / "bench-live") as (stack, endpoints), chromium() as browser:
        hub = endpoints["hub"]
        page = browser.new_page()
        log_in(page, hub, endpoints["reviewer"])
        page.goto(hub + "review/")
        page.evaluate("window.notReloaded = true")
        poll = json.loads(urllib.request.urlopen(hub + "public/live.json").read())["poll"]
        benches = list(stack.benches.values())
        for n in range(ROUNDS):
            time.sleep(random.uniform(0.2, 2.5))  # land anywhere in the page's polling cycle
            title = f"Mjerenje {n} {uuid.uuid4().hex[:6]}"
            before = marker(hub + "public/live.json")
            start = time.monotonic()
            submit_idea(benches[n % len(benches)], title, "Koliko brzo stiže do recenzenta?")
            while marker(hub + "public/live.json") == before:
                time.sleep(0.05)
            stored.append(time.monotonic() - start)
            page.wait_for_selector(f"#queue tr:has-text('{title}')", timeout=60000)
            shown.append(time.monotonic() - start)
        assert page.evaluate("window.notReloaded === true"), "the queue page reloaded"

    def line(name, values):
        return (f"{name:<34} min {min(values):5.2f} s   median {statistics.median(values):5.2f} s   "
                f"max {max(values):5.2f} s")
    print(f"bench_live: {ROUNDS} ideas through 3 benches (real firmware, MQTT, ingest) to an open review queue")
    print(line("submission -> stored on the hub", stored))
    print(line("submission -> row on the open page", shown))
    print(line("stored -> row (page polling)", [b - a for a, b in zip(stored, shown)]))
    print(f"page polls the change marker every {poll} s; the marker read here every 0.05 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
