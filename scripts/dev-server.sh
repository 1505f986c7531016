#!/usr/bin/env bash
# make dev-server: run a Temporal dev server in the foreground (Ctrl-C stops
# it) — server 1.29.1 with SQLite persistence in .dev-server/temporal.db, the
# Web UI on http://127.0.0.1:8233 and our search attributes registered.
#
# It listens on loopback only. To listen elsewhere, set TEMPORAL_DEV_IP (e.g.
# 0.0.0.0 — the dev server has no authentication, so only on a trusted
# network). Other settings: TEMPORAL_DEV_PORT (gRPC, default 7233),
# TEMPORAL_DEV_UI_PORT (default 8233), TEMPORAL_DEV_DB (SQLite file, default
# .dev-server/temporal.db). It execs the server, so its PID is the script's.
#
# testsuite/devserver.go starts the same binary with the same flags for the
# integration tests; TestDevServerScriptMatches keeps the two in sync.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

if [ ! -x "$TEMPORAL_CLI" ]; then
  echo "no Temporal CLI at $TEMPORAL_CLI: run 'make temporal' first" >&2
  exit 1
fi

ip="${TEMPORAL_DEV_IP:-127.0.0.1}"
port="${TEMPORAL_DEV_PORT:-7233}"
ui_port="${TEMPORAL_DEV_UI_PORT:-8233}"
db="${TEMPORAL_DEV_DB:-.dev-server/temporal.db}"
mkdir -p "$(dirname "$db")"

args=(
  server start-dev
  --db-filename "$db"
  --ip "$ip" --port "$port" --ui-port "$ui_port"
  # Search attributes the workflows upsert (workflows.SearchAttributes):
  # the Web UI lists and filters studies and trials by them.
  --search-attribute SupermaxKind=Keyword
  --search-attribute SupermaxStudy=Keyword
  --search-attribute SupermaxAgent=Keyword
  --search-attribute SupermaxState=Keyword
  --search-attribute SupermaxTrial=Int
  --search-attribute SupermaxBest=Double
  --search-attribute SupermaxEpochs=Int
  # The dev server has one history shard, and its history service reads the
  # transfer queue through a token bucket of 20 reads/s by default; every
  # activity or child-workflow hop needs two reads, so all workflows together
  # would get ~10 hops/s (~100 ms per hop). 1000 lifts that cap.
  --dynamic-config-value history.transferProcessorMaxPollRPS=1000
  # One task-queue partition: with the default 4, a task that lands on a
  # partition without a waiting poller stalls until the 2 s forwarding
  # timeout. One partition is plenty for one dev server.
  --dynamic-config-value matching.numTaskqueueReadPartitions=1
  --dynamic-config-value matching.numTaskqueueWritePartitions=1
  # Eager activity execution: a workflow task that schedules an activity on
  # its own task queue gets the activity back in the same response when the
  # worker has a free slot, saving a round trip through matching.
  --dynamic-config-value system.enableActivityEagerExecution=true
)
echo "Temporal dev server: gRPC $ip:$port, Web UI http://$ip:$ui_port, data $db"
exec "$TEMPORAL_CLI" "${args[@]}"
