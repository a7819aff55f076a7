#!/usr/bin/env bash
# Portal benchmark: eight phones submitting at once on the real MicroPython interpreter at the
# simulated ESP32 heap, with sync running; a DNS flood (answers per second over the time from the
# first query to the last answer); an HTTP flood of 1,000 hostile requests. Prints the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pytest -q -s -p no:cacheprovider tests/portal/test_phones_and_heap.py \
  "tests/portal/test_captive.py::test_a_dns_flood_does_not_stop_the_bench" \
  "tests/portal/test_hostile_inputs.py::test_a_flood_of_a_thousand_requests_gets_4xx_and_the_bench_keeps_serving" \
  | grep -E "eight phones|dns flood|flood:|passed|failed"
