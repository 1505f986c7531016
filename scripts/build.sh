#!/usr/bin/env bash
# make build: build bin/starter and bin/worker. The worker is built with
# -tags gotch (the libtorch trainer) when libtorch is set up (`make libtorch`
# wrote $SUPERMAX_CACHE/libtorch.env); otherwise it is built without it and
# trials that ask for the gotch trainer fail saying so. The starter never
# needs libtorch.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

mkdir -p bin
echo "building bin/starter"
go build -o bin/starter ./starter
if [ -n "${LIBTORCH:-}" ]; then
  echo "building bin/worker with the gotch trainer (libtorch: $LIBTORCH)"
  go build -tags gotch -o bin/worker ./worker
else
  echo "building bin/worker without the gotch trainer (no libtorch: run 'make libtorch' for it)"
  go build -o bin/worker ./worker
fi
