#!/usr/bin/env bash
# make bench-sampler: our TPE (Optuna 4.x defaults; multivariate+group+liar)
# and random search against Optuna's TPESampler (multivariate+group+liar) on
# the twelve problems of bench/sampler/problems.go: best-value quartiles and
# mean ranks at 50, 100 and 200 trials with paired Wilcoxon signed-rank
# tests against Optuna (computed in Go, bench/sampler/stats.go); then the
# time per suggestion at 1,000 and 8,000 observed trials.
# Prints a markdown report. Overrides: SEEDS (30), TRIALS (200),
# TIMING_REPS (10, 0 skips timing), OPTUNA_TIMING_AT (1000,8000; comma
# list, 0 skips Optuna's timing; 8000 alone takes about 2 minutes),
# OPTUNA_TIMING_REPS (3), BATCH (4,16: the batch sizes compared with
# sequential suggestion under the constant liar; empty skips that part),
# BATCH_PROBLEMS (hartmann-6,levy-10,mixed-10,cond-tree).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

seeds="${SEEDS:-30}"
trials="${TRIALS:-200}"
py="$SUPERMAX_CACHE/venv/bin/python"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/bench-sampler" ./bench/sampler

batch="${BATCH-4,16}"
batch_problems="${BATCH_PROBLEMS:-hartmann-6,levy-10,mixed-10,cond-tree}"
optuna_flag=()
batch_flag=()
if [ -x "$py" ] && "$py" -c 'import optuna' 2>/dev/null; then
  echo "bench-sampler: running Optuna $("$py" -c 'import optuna; print(optuna.__version__)') ($seeds seeds x $trials trials)..." >&2
  "$py" bench/sampler/optuna_bench.py --seeds "$seeds" --trials "$trials" \
    --timing-at "${OPTUNA_TIMING_AT:-1000,8000}" --timing-reps "${OPTUNA_TIMING_REPS:-3}" >"$tmp/optuna.json"
  optuna_flag=(-optuna "$tmp/optuna.json")
  if [ -n "$batch" ]; then
    echo "bench-sampler: running Optuna in batches of $batch..." >&2
    "$py" bench/sampler/optuna_bench.py --seeds "$seeds" --trials "$trials" \
      --batch "$batch" --batch-problems "$batch_problems" >"$tmp/optuna-batch.json"
    batch_flag=(-optuna-batch "$tmp/optuna-batch.json")
  fi
else
  echo "bench-sampler: optuna cannot be imported from $py (run scripts/python-env.sh); skipping the Optuna rows" >&2
fi

echo "bench-sampler: running ours..." >&2
"$tmp/bench-sampler" -seeds "$seeds" -trials "$trials" -timing-reps "${TIMING_REPS:-10}" "${optuna_flag[@]}"
if [ -n "$batch" ]; then
  echo "bench-sampler: running ours in batches of $batch..." >&2
  "$tmp/bench-sampler" -seeds "$seeds" -trials "$trials" -batch "$batch" \
    -batch-problems "$batch_problems" "${optuna_flag[@]}" "${batch_flag[@]}"
fi
