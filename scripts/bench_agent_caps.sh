#!/usr/bin/env bash
# The edge agent's per-phone bandwidth cap in network namespaces (root): two phones download 4 MB
# each at once, with the cap (256 kB/s) and with a cap too high to bite. Prints kB/s per phone.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || PY=python3
"$PY" -m simulators.agent_caps --rate-kbytes "${RATE_KBYTES:-256}" --size-kb "${SIZE_KB:-4096}"
