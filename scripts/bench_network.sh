#!/usr/bin/env bash
# Network benchmark (make bench): 20,000 forwarded ideas in 12 municipalities, on SQLite and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
dir=build/bench-network; rm -rf "$dir"; mkdir -p "$dir"
echo "network benchmark: SQLite (WAL)"
DATABASE_URL="sqlite:///$PWD/$dir/hub.sqlite3" HUB_EMAIL_HOST= $PY scripts/bench_network.py
pg=${HUB_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
db=hub_bench_network_$$
if $PY -c "import psycopg,sys; psycopg.connect('$pg/postgres', connect_timeout=3, autocommit=True).execute('CREATE DATABASE $db')" 2>/dev/null; then
  echo "network benchmark: PostgreSQL"
  DATABASE_URL="$pg/$db" $PY scripts/bench_network.py || true
  $PY -c "import psycopg; psycopg.connect('$pg/postgres', autocommit=True).execute('DROP DATABASE $db WITH (FORCE)')"
else
  echo "network benchmark: no PostgreSQL server answers at $pg; skipped"
fi
