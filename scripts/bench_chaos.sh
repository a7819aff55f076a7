#!/usr/bin/env bash
# Chaos benchmark (issue 5): 12 MicroPython benches, 2,000 proposals through their portals while
# benches lose power (SIGKILL), the broker and the ingest worker restart and links are cut, delayed,
# blackholed and refused. Prints the JSON; fails unless lost = duplicates = out_of_order = 0 and
# every outbox is empty. BENCHES, PROPOSALS, DURATION (seconds) and SEED override the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || PY=python3
OUT="${OUT:-test-artifacts/chaos}"
mkdir -p "$OUT"
args=(--benches "${BENCHES:-12}" --proposals "${PROPOSALS:-2000}" --json)
[ -n "${DURATION:-}" ] && args+=(--duration "$DURATION")
[ -n "${SEED:-}" ] && args+=(--seed "$SEED")
echo "== chaos: ${args[*]}" >&2
rc=0
/usr/bin/time -f "chaos: elapsed %e s" "$PY" -m simulators.cli chaos "${args[@]}" > "$OUT/chaos.json" || rc=$?
cat "$OUT/chaos.json"
[ "$rc" = 0 ] && echo "chaos: lost 0, duplicates 0, out_of_order 0, outboxes empty" >&2 || echo "chaos: FAILED (exit $rc)" >&2
exit "$rc"
