#!/usr/bin/env bash
# make soak-train / make soak-test: the long-running checks of the gotch
# trainer's tensor lifetimes (docs/tensor-lifetimes.md). Benchmarks, not
# timed tests; results go in docs/benchmarks.md.
#
#   scripts/soak.sh train   TRIALS (1000) one-epoch tiny-model trials in one
#                           process (bench/train -trials -mix: every optimizer,
#                           pooling, loss and activation in turn); prints RSS
#                           along the way and its growth after WARM (50)
#                           warm-up trials. Fails if any trial fails or the
#                           process crashes.
#   scripts/soak.sh test    RUNS (20) consecutive `go test -race -tags gotch
#                           -count=1 ./model/... ./trainer` runs; stops at the
#                           first failure or crash and says which run.
# THREADS (2) is libtorch's intra-op thread count for the train soak.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
if [ -z "${LIBTORCH:-}" ]; then
  echo "soak: libtorch is not set up (run make libtorch)" >&2
  exit 1
fi

case "${1:-}" in
train)
  trials="${TRIALS:-1000}"
  warm="${WARM:-50}"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  go build -tags gotch -o "$tmp/bench-train" ./bench/train
  echo "# soak-train ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, libtorch $(basename "$LIBTORCH"), MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-unset}): $trials trials, warm-up $warm"
  "$tmp/bench-train" -trials "$trials" -warm "$warm" -mix -threads "${THREADS:-2}"
  ;;
test)
  runs="${RUNS:-20}"
  echo "# soak-test ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores): $runs runs of go test -race -tags gotch -count=1 ./model/... ./trainer"
  for i in $(seq 1 "$runs"); do
    start=$(date +%s)
    if ! go test -race -tags gotch -count=1 ./model/... ./trainer > "${TMPDIR:-/tmp}/soak-test-$i.log" 2>&1; then
      echo "run $i of $runs FAILED (log ${TMPDIR:-/tmp}/soak-test-$i.log):"
      grep -E '^(FAIL|--- FAIL|SIGSEGV|SIGBUS|fatal error|panic:|signal arrived)' "${TMPDIR:-/tmp}/soak-test-$i.log" | head -20
      exit 1
    fi
    echo "run $i of $runs ok ($(( $(date +%s) - start )) s)"
  done
  echo "all $runs runs passed, no crash"
  ;;
*)
  echo "usage: scripts/soak.sh train|test (see the header of $0)" >&2
  exit 2
  ;;
esac
