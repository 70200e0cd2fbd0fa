#!/usr/bin/env bash
# Install (Debian package) and start a local PostgreSQL server for the test
# suite, and print the URL of a superuser-owned database to test against.
# Idempotent: a second run reuses the running server.
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
  log "installing postgresql from Debian"
  bash "$(dirname "$0")/apt-install.sh" postgresql >&2
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q .; then
  log "creating cluster $version/main"
  pg_createcluster "$version" main >&2
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
  log "starting cluster $version/main"
  pg_ctlcluster "$version" main start >&2
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')

for _ in $(seq 1 30); do
  su postgres -c "pg_isready -q -p $port" && break
  sleep 1
done

su postgres -c "psql -q -p $port -v ON_ERROR_STOP=1" >&2 <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hotline') THEN
    CREATE ROLE hotline LOGIN SUPERUSER PASSWORD 'hotline';
  END IF;
END \$\$;
SQL
if ! su postgres -c "psql -p $port -lqt" | cut -d'|' -f1 | grep -qw hotline_test; then
  su postgres -c "createdb -p $port -O hotline hotline_test" >&2
fi
echo "postgresql+psycopg://hotline:hotline@127.0.0.1:$port/hotline_test"
