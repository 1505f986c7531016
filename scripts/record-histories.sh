#!/usr/bin/env bash
# Re-record the workflow histories that testsuite/replay_test.go replays:
# run a small study (simulated trainer, continue-as-new every 2 trials, so
# it has several runs) on a fresh dev server with two workers, then export
# every run of the study and a few trials with
#   temporal workflow show --workflow-id ID --run-id R --output json
# into testsuite/testdata/histories/. Run it after any change to the
# workflows that running studies would see, and commit the files: a change
# that breaks replay of these histories breaks running studies too.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
scripts/temporal.sh

out=testsuite/testdata/histories
scratch="$(mktemp -d "${TMPDIR:-/tmp}/supermax-record.XXXXXX")"
# Free loopback ports, so that two runs (or a make dev-server) never clash.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)"
ui_port="$(free_port)"
address="127.0.0.1:$port"
study=replay-study
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

TEMPORAL_DEV_PORT=$port TEMPORAL_DEV_UI_PORT=$ui_port TEMPORAL_DEV_DB="$scratch/temporal.db" \
  scripts/dev-server.sh >"$scratch/dev-server.log" 2>&1 &
pids+=($!)
for _ in $(seq 120); do
  "$TEMPORAL_CLI" operator cluster health --address "$address" >/dev/null 2>&1 && break
  sleep 0.5
done
go build -o "$scratch/worker" ./worker
go build -o "$scratch/starter" ./starter
for i in 1 2; do
  "$scratch/worker" --address "$address" --sim-epoch 200ms --sim-steps 2 --heartbeat-every 200ms \
    >"$scratch/worker-$i.log" 2>&1 &
  pids+=($!)
done

"$scratch/starter" --address "$address" --agent evidence --study "$study" --n-trials 6 --parallel 2 \
  --epochs 4 --patience 2 --trials-per-run 2 --trainer simulated --outdir "$scratch/out" --wait

# Only this recording's files are replaced; subfolders keep histories of
# older workflow code (copy the current files into one, e.g.
# $out/pre-<change>/, before re-recording after a GetVersion change).
mkdir -p "$out"
rm -f "$out"/study-run-*.json "$out"/trial-*.json
# Runs of the study, oldest first: run-1.json, run-2.json, ...
"$TEMPORAL_CLI" workflow list --address "$address" --query "WorkflowId = '$study'" --output json >"$scratch/runs.json"
python3 - "$scratch/runs.json" >"$scratch/runs.txt" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))
for r in sorted(runs, key=lambda r: r["startTime"]):
    print(r["execution"]["runId"])
PY
n=0
while read -r run; do
  n=$((n + 1))
  "$TEMPORAL_CLI" workflow show --address "$address" --workflow-id "$study" --run-id "$run" --output json \
    >"$out/study-run-$n.json"
done <"$scratch/runs.txt"
for trial in 0 1 5; do
  "$TEMPORAL_CLI" workflow show --address "$address" --workflow-id "$study/trial-$trial" --output json \
    >"$out/trial-$trial.json"
done
echo "recorded $n study runs and 3 trials into $out"
