#!/usr/bin/env bash
# make demo: build what is needed, start a Temporal dev server (unless one
# already answers on 127.0.0.1:7233) and workers in the background, run a
# small study, show its live progress, print the best trial, the Web UI
# address and the output folder, and stop everything it started.
#
# Trainer: the gotch (libtorch) trainer on the bundled ReDSM5 fixture when
# libtorch is set up (`make libtorch`); otherwise the simulated trainer, and
# the demo says so. With gotch, the models are those of HPO_MODELS_DIR (local
# Hugging Face folders; set HPO_MODEL_CHOICES to the ones it holds) or, when
# it is unset, a TINY randomly initialised BERT that `starter tiny-model`
# writes (pretrained weights cannot be downloaded here) — said on screen.
# Settings: DEMO_TRIALS (12), DEMO_EPOCHS (6), DEMO_PARALLEL (2).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

trials="${DEMO_TRIALS:-12}"
epochs="${DEMO_EPOCHS:-6}"
parallel="${DEMO_PARALLEL:-2}"
address=127.0.0.1:7233
outdir="$PWD/_runs/demo"
mkdir -p "$outdir"

scripts/temporal.sh
scripts/build.sh

pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  [ "${#pids[@]}" -eq 0 ] || echo "demo: stopped what it started (logs in $outdir)"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

healthy() { "$TEMPORAL_CLI" operator cluster health --address "$address" >/dev/null 2>&1; }

if healthy; then
  echo "demo: using the Temporal server already running on $address"
else
  echo "demo: starting a Temporal dev server (log: $outdir/dev-server.log)"
  TEMPORAL_DEV_DB=.dev-server/temporal.db scripts/dev-server.sh >"$outdir/dev-server.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 120); do healthy && break; sleep 0.5; done
  healthy || { echo "demo: the dev server did not come up; see $outdir/dev-server.log" >&2; exit 1; }
fi

if [ -n "${LIBTORCH:-}" ] && go version -m bin/worker | grep -q -- '-tags=gotch'; then
  # One worker per slot, one libtorch thread each; MALLOC_ARENA_MAX keeps
  # glibc from growing an arena per thread (docs/benchmarks.md, bench-train).
  trainer=gotch agent=criteria workers="$parallel"
  export MALLOC_ARENA_MAX=2
  echo "demo: trainer gotch (libtorch $LIBTORCH) on the bundled fixture data/testdata/redsm5-fixture"
  if [ -n "${HPO_MODELS_DIR:-}" ]; then
    echo "      models from $HPO_MODELS_DIR (HPO_MODEL_CHOICES=${HPO_MODEL_CHOICES:-all nine})"
  else
    bin/starter tiny-model --data-dir data/testdata/redsm5-fixture "$outdir/tiny-bert" >/dev/null
    export HPO_MODEL_CHOICES="$outdir/tiny-bert"
    echo "      model: a TINY randomly initialised BERT written by 'starter tiny-model' into $outdir/tiny-bert"
    echo "      (no pretrained weights offline; set HPO_MODELS_DIR to local Hugging Face models for real ones)"
  fi
else
  trainer=simulated agent=evidence workers="$parallel"
  echo "demo: trainer SIMULATED — deterministic learning curves, no training"
  echo "      (the gotch trainer needs 'make libtorch' and HPO_MODELS_DIR with local Hugging Face models)"
fi

for i in $(seq "$workers"); do
  bin/worker --address "$address" --devices cpu --threads 1 --sim-epoch 1s --heartbeat-every 1s --stop-timeout 10s \
    --data-dir data/testdata/redsm5-fixture --outdir "$outdir" >"$outdir/worker-$i.log" 2>&1 &
  pids+=($!)
done
echo "demo: started $workers worker(s) (logs: $outdir/worker-*.log)"

study="demo-$agent-$(date +%Y%m%d-%H%M%S)"
bin/starter --address "$address" --agent "$agent" --study "$study" --n-trials "$trials" --parallel "$parallel" \
  --epochs "$epochs" --patience 3 --trainer "$trainer" --outdir "$outdir"
echo
bin/starter watch --address "$address" --study "$study"
echo
echo "best trial (from the ledger $outdir/supermax.db):"
bin/starter best --storage "sqlite:///$outdir/supermax.db" --study-name "$study"
echo "Web UI: http://127.0.0.1:8233/namespaces/default/workflows/$study"
echo "outdir: $outdir"
echo "(the dev server stops with the demo; 'make dev-server' serves the same data again)"
