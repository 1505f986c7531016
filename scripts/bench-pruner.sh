#!/usr/bin/env bash
# make bench-pruner: epochs spent and best value found by each pruner on
# simulated learning curves (family documented in bench/pruner/curves.go),
# and the serialized state size of each pruner for an 8,000-trial study.
# Pure Go, no setup needed; takes a few seconds. Extra arguments go to the
# bench (e.g. -trials 1000 -seeds 10); see `go run ./bench/pruner -h`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
echo "bench-pruner: $(date -u +%Y-%m-%dT%H:%MZ), $(uname -m), $(nproc) cores, $(go version | cut -d' ' -f3)"
go run ./bench/pruner "$@"
