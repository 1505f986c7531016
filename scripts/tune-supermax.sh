#!/usr/bin/env bash
# make tune-<agent>-supermax: the whole Super-Max run on this machine, as
# `starter tune-supermax "$@"`. It builds what is missing (the Temporal CLI
# when no TEMPORAL_ADDRESS is set, bin/starter and bin/worker), then execs
# the starter, which starts or re-attaches the study (its server and workers
# run in the background; Ctrl-C detaches). Every HPO_* variable reaches the
# starter and the workers through the environment.
#
# SUPERMAX_BIN=DIR uses the starter and worker binaries in DIR and builds
# nothing (tests build their own).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

bin="${SUPERMAX_BIN:-}"
if [ -z "$bin" ]; then
  if [ -z "${TEMPORAL_ADDRESS:-}" ]; then scripts/temporal.sh; fi
  scripts/build.sh
  bin=bin
fi
exec "$bin/starter" tune-supermax --worker-bin "$bin/worker" "$@"
