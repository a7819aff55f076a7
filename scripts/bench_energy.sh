#!/usr/bin/env bash
# Energy benchmark (issue 3 targets): 31 days x 12 municipalities, firmware policy vs naive
# always-on, December and June, reference hardware.  Writes JSON and PNGs to $OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || PY=python3
OUT="${OUT:-test-artifacts/energy}"
mkdir -p "$OUT"
for m in 12 6; do
  echo "== month $m"
  /usr/bin/time -f "elapsed %e s" "$PY" -m simulators.power.cli energy --month "$m" --days 31 \
    --json --full --plot "$OUT" > "$OUT/energy-m$m.json"
  "$PY" - "$OUT/energy-m$m.json" "$m" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1])); m = int(sys.argv[2])
for p in ("firmware", "naive"):
    x = r[p]
    print("%-8s availability_min %.4f  brownouts %d  soc_error_max %.2f" % (
        p, x["availability_min"], x["brownouts"], x["soc_error_max"]))
f = r["firmware"]
ok = f["availability_min"] >= (1.0 if m == 6 else 0.95)
if m == 12:
    ok = ok and f["brownouts"] == 0 and f["soc_error_max"] <= 5
print("targets met" if ok else "TARGETS MISSED")
sys.exit(0 if ok else 1)
PYEOF
done
