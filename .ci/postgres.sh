#!/usr/bin/env bash
# Start a local PostgreSQL server (loopback only) for the metrics store's tests and print its SQLAlchemy URL.
# Installs the Debian package when missing (as root). Prints nothing when no server can be started.
set -uo pipefail
if ! command -v pg_lsclusters >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null 2>&1 || exit 0
  else
    exit 0
  fi
fi
read -r version cluster _ < <(pg_lsclusters -h | head -1) || exit 0
pg_ctlcluster "$version" "$cluster" start >/dev/null 2>&1 || true
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -c "$1"; else sudo -n -u postgres sh -c "$1"; fi; }
for _ in $(seq 1 30); do as_pg "psql -qAtc 'select 1'" >/dev/null 2>&1 && break; sleep 0.5; done
as_pg "psql -qAtc \"select 1 from pg_roles where rolname='alignlab'\"" 2>/dev/null | grep -q 1 ||
  as_pg "psql -qc \"create role alignlab login password 'alignlab'\"" >/dev/null 2>&1 || exit 0
as_pg "psql -qAtc \"select 1 from pg_database where datname='alignlab_test'\"" 2>/dev/null | grep -q 1 ||
  as_pg "createdb -O alignlab alignlab_test" >/dev/null 2>&1 || exit 0
echo "postgresql+psycopg://alignlab:alignlab@127.0.0.1:5432/alignlab_test"
