"""`make demo`'s program: starts everything, writes endpoints.json, stops by itself with DEMO_SECONDS."""
import json
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.micropython
def test_the_demo_starts_a_broker_a_hub_and_three_benches_and_stops_cleanly():
    endpoints_file = ROOT / "build" / "demo" / "endpoints.json"
    proc = subprocess.Popen([sys.executable, "-m", "simulators.demo"], cwd=ROOT, env={**__import__("os").environ,
                            "DEMO_SECONDS": "8"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = {}

    def watch():
        for line in proc.stdout:
            seen.setdefault("lines", []).append(line)
            if line.startswith("Endpoints written") and "checked" not in seen:
                endpoints = json.loads(endpoints_file.read_text())
                seen["endpoints"] = endpoints
                seen["form"] = [urllib.request.urlopen(b["portal"], timeout=5).read().decode()
                                for b in endpoints["benches"].values()]
                seen["hub"] = urllib.request.urlopen(endpoints["hub"], timeout=5).geturl()
                seen["checked"] = True

    reader = threading.Thread(target=watch)
    reader.start()
    assert proc.wait(timeout=180) == 0, "".join(seen.get("lines", []))
    reader.join(5)
    endpoints = seen["endpoints"]
    assert set(endpoints) >= {"hub", "broker", "database", "benches"}
    assert len(endpoints["benches"]) >= 3
    assert all('name="title"' in page for page in seen["form"])
    assert "/accounts/login/" in seen["hub"]
    output = "".join(seen["lines"])
    assert "login: reviewer /" in output and "peak heap" in output
