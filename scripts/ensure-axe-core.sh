#!/usr/bin/env bash
# axe-core (MPL-2.0), the accessibility engine the portal's browser tests inject, from the npm
# registry into build/npm; skipped quietly where npm is missing (those tests then say why they skip).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/npm/node_modules/axe-core/axe.min.js ] && exit 0
command -v npm >/dev/null 2>&1 || { echo "setup: npm not found: browser accessibility checks will be skipped"; exit 0; }
mkdir -p build/npm
npm install --silent --no-audit --no-fund --prefix build/npm axe-core@4.11.0 >/dev/null
