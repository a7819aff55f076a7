#!/usr/bin/env bash
# Hub benchmark (make bench): 100,000 proposals and 1,000 benches, on SQLite and on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
dir=build/bench-hub; rm -rf "$dir"; mkdir -p "$dir"
echo "hub benchmark: SQLite (WAL)"
DATABASE_URL="sqlite:///$PWD/$dir/hub.sqlite3" $PY scripts/bench_hub.py
pg=${HUB_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
db=hub_bench_$$
if $PY -c "import psycopg,sys; psycopg.connect('$pg/postgres', connect_timeout=3, autocommit=True).execute('CREATE DATABASE $db')" 2>/dev/null; then
  echo "hub benchmark: PostgreSQL"
  DATABASE_URL="$pg/$db" $PY scripts/bench_hub.py || true
  $PY -c "import psycopg; psycopg.connect('$pg/postgres', autocommit=True).execute('DROP DATABASE $db WITH (FORCE)')"
else
  echo "hub benchmark: no PostgreSQL server answers at $pg; skipped"
fi
