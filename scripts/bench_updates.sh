#!/usr/bin/env bash
# Updates: the peak heap of a bench downloading a release while eight phones use its portal (host
# bytes; halve for the chip as docs/simulator.md explains), and a 12-bench fleet through a good
# release (good_seconds: rollout start to the last bench confirmed), a crashing one and a forged one,
# with power cuts during the downloads. First the update system tests marked soak, which `make test`
# deselects (a release that never reaches the hub, one out of heap: ~2 min). Long (~15-25 min on two
# shared cores).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "update soak tests (pytest -m soak: a release that never reaches the hub, one out of heap; not in make test):"
.venv/bin/pytest -m soak tests/updates -q -rs -p no:cacheprovider || echo "update soak tests: FAILED (see above)"
echo "download with eight phones:"
.venv/bin/benchsim rollout --download-heap --json
echo "12-bench rollout:"
.venv/bin/benchsim rollout --benches 12 --json
