#!/usr/bin/env bash
# make lint: go vet, gofmt, staticcheck and Temporal's workflowcheck.
# The analyzers run with `go run module@version` from the Go module proxy (built
# once, then cached by Go); both versions below build with Go 1.26.
# Exits non-zero on the first finding.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

staticcheck=honnef.co/go/tools/cmd/staticcheck@v0.8.2
workflowcheck=go.temporal.io/sdk/contrib/tools/workflowcheck@v0.6.0

# The gotch trainer is only compiled with -tags gotch, which needs libtorch.
tags=()
if [ -n "${LIBTORCH:-}" ]; then tags=(-tags gotch); fi

echo "== go vet"
go vet "${tags[@]}" ./...

echo "== gofmt -l"
unformatted="$(gofmt -l .)"
if [ -n "$unformatted" ]; then
  echo "not gofmt-formatted (run gofmt -w):" >&2
  echo "$unformatted" >&2
  exit 1
fi

echo "== staticcheck ($staticcheck)"
go run "$staticcheck" "${tags[@]}" ./...

# workflowcheck flags non-deterministic calls (time.Now, map range, native
# goroutines, ...) reachable from workflow functions.
if [ -d workflows ]; then
  echo "== workflowcheck ($workflowcheck)"
  go run "$workflowcheck" ./workflows/...
fi
echo "lint clean"
