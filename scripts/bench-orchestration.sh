#!/usr/bin/env bash
# make bench-orchestration: start a fresh Temporal dev server (the flags of
# scripts/dev-server.sh, a throw-away SQLite file, free ports) and run
# bench/orchestration against it: N trials x E epochs of duration d at
# parallelism P with the simulated trainer, printing slot efficiency and
# epoch gaps. Settings (env): BENCH_TRIALS (1000), BENCH_EPOCHS (1),
# BENCH_EPOCH (1s), BENCH_PARALLEL (16), BENCH_TRIALS_PER_RUN (100). The
# server is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
scripts/temporal.sh

scratch="$(mktemp -d "${TMPDIR:-/tmp}/supermax-bench.XXXXXX")"
# Free loopback ports, so that two runs (or a make dev-server) never clash.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)"
ui_port="$(free_port)"
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

TEMPORAL_DEV_PORT=$port TEMPORAL_DEV_UI_PORT=$ui_port TEMPORAL_DEV_DB="$scratch/temporal.db" \
  scripts/dev-server.sh >"$scratch/dev-server.log" 2>&1 &
server_pid=$!
for _ in $(seq 120); do
  "$TEMPORAL_CLI" operator cluster health --address "127.0.0.1:$port" >/dev/null 2>&1 && break
  sleep 0.5
done
go build -o "$scratch/orchestration" ./bench/orchestration
echo "== bench-orchestration on $(nproc) cores, dev server 127.0.0.1:$port"
"$scratch/orchestration" --address "127.0.0.1:$port" --dir "$scratch" "$@"
