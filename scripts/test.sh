#!/usr/bin/env bash
# make test: install what the tests need (cached), then run every test.
# Each setup step is idempotent and fast once its download is cached in
# $SUPERMAX_CACHE. Nothing here is skipped silently: a setup step that
# cannot work stops the run with its error.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

echo "== setup: Temporal CLI (dev server)"
scripts/temporal.sh
echo "== setup: PostgreSQL server binaries"
scripts/postgres.sh
echo "== setup: Python venv with optuna (interop tests, references)"
scripts/python-env.sh
echo "== setup: libtorch for gotch"
scripts/libtorch.sh
. scripts/env.sh

tags=()
if [ -n "${LIBTORCH:-}" ]; then tags=(-tags gotch); fi

echo "== go vet"
go vet "${tags[@]}" ./...
echo "== go test -race"
go test -race "${tags[@]}" -timeout 60m -count=1 ./... 2>&1 | tee "${TMPDIR:-/tmp}/supermax-test.log"
