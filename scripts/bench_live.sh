#!/usr/bin/env bash
# Time from a bench submission to its appearance on an open review-queue page (live updates).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python scripts/bench_live.py "${1:-12}"
