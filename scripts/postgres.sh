#!/usr/bin/env bash
# PostgreSQL server binaries for the ledger's PostgreSQL tests. The tests
# themselves start a throwaway server (initdb into a temp dir, postgres on a
# free loopback port) with these binaries; this script only makes sure they
# exist, and, when run as root, that the unprivileged "postgres" user the
# server must run as exists. Idempotent; installs Debian's postgresql package
# non-interactively when initdb is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

find_bindir() {
  local d
  for d in ${PG_BINDIR:-} /usr/lib/postgresql/*/bin /usr/local/bin /usr/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
      echo "$d"
      return 0
    fi
  done
  return 1
}

if ! bindir="$(find_bindir)"; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "postgres.sh: initdb/pg_ctl not found and not root; install Debian's postgresql package" >&2
    exit 1
  fi
  echo "postgres.sh: installing Debian's postgresql package"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null; then
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null
  fi
  bindir="$(find_bindir)" || { echo "postgres.sh: postgresql installed but initdb not found" >&2; exit 1; }
fi

if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --no-create-home --shell /usr/sbin/nologin postgres
fi
echo "postgresql ready: $("$bindir/postgres" --version) in $bindir"
