#!/usr/bin/env bash
# How long a dead or slow uplink stalls the portal (issue 5 target: never more than 200 ms at a time).
# One bench behind a fault proxy; GET /generate_204 every 20 ms for SECONDS (default 20) per
# condition: healthy, blackhole, blackhole_reconnect, refuse, delay_500ms, cut. Prints a table and
# writes the JSON to $OUT/uplink-stall.json. Timings are this machine's; compare with `healthy`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || PY=python3
OUT="${OUT:-test-artifacts/chaos}"
mkdir -p "$OUT"
"$PY" -m simulators.stall --seconds "${SECONDS_PER_CONDITION:-20}" --json > "$OUT/uplink-stall.json"
"$PY" - "$OUT/uplink-stall.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
print("%-20s %8s %8s %8s %8s %7s %6s" % ("condition", "requests", "median", "p99", "max", ">200ms", "errors"))
for cond, x in r.items():
    if cond == "bench":
        continue
    print("%-20s %8d %8s %8s %8s %7s %6d" % (cond, x["requests"], x.get("median_ms"), x.get("p99_ms"),
                                             x.get("max_ms"), x.get("over_200ms"), x["errors"]))
print("bench:", json.dumps(r["bench"]))
PYEOF
