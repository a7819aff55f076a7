#!/usr/bin/env bash
# Grant scheme benchmark (make bench): a call with 200 evaluated applications, on SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build/bench-grants; rm -rf "$dir"; mkdir -p "$dir"
echo "grant scheme benchmark: SQLite (WAL)"
DATABASE_URL="sqlite:///$PWD/$dir/hub.sqlite3" HUB_EMAIL_HOST= HUB_GRANT_FILES="$PWD/$dir/files" \
  .venv/bin/python scripts/bench_grants.py
