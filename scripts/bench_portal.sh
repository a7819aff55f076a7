#!/usr/bin/env bash
# Portal benchmark: eight phones submitting at once on the real MicroPython interpreter at the
# simulated ESP32 heap, with sync running; then a DNS flood. Prints the peak heap and DNS figures.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pytest -q -s -p no:cacheprovider tests/portal/test_phones_and_heap.py \
  "tests/portal/test_captive.py::test_a_dns_flood_does_not_stop_the_bench" | grep -E "eight phones|dns flood|passed|failed"
