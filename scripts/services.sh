#!/usr/bin/env bash
# Start the local PostgreSQL and Redis that the integration tests use (Debian's packages),
# and print the environment that points the platform at them.
#   eval "$(scripts/services.sh)"
set -euo pipefail

PG_USER=techbridge
PG_PASSWORD=techbridge

missing=()
command -v pg_lsclusters >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
if ((${#missing[@]})); then
  echo "Missing Debian packages: ${missing[*]} (run: make deps)" >&2
  exit 1
fi

# PostgreSQL: the packaged cluster, started without systemd.
read -r version cluster port status _ < <(pg_lsclusters --no-header | head -n 1)
if [[ "$status" != online* ]]; then
  pg_ctlcluster "$version" "$cluster" start >&2
fi
as_postgres() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
if ! as_postgres psql -p "$port" -tAc "SELECT 1 FROM pg_roles WHERE rolname='$PG_USER'" | grep -q 1; then
  # CREATEDB is what the test runner needs to make its throwaway database.
  as_postgres psql -p "$port" -qc "CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD'" >&2
  as_postgres createdb -p "$port" -O "$PG_USER" techbridge >&2
fi

# Redis on its default port, daemonized.
if ! redis-cli -p 6379 ping >/dev/null 2>&1; then
  redis-server --port 6379 --daemonize yes --save "" --appendonly no >&2
  for _ in $(seq 50); do redis-cli -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

echo "export DATABASE_URL=postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$port/techbridge"
echo "export REDIS_URL=redis://127.0.0.1:6379/0"
