#!/usr/bin/env bash
# make temporal: build the official Temporal CLI (which embeds the dev server:
# Temporal server 1.29.1, Web UI 2.42.1) from the Go module proxy into
# $SUPERMAX_CACHE/bin/temporal. Idempotent: when that binary already exists and
# was built from the wanted module version, nothing is done. A build takes a
# few minutes on 2 cores and ~250 MB on disk.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

module=github.com/temporalio/cli
version=v1.5.1
bin="$SUPERMAX_CACHE/bin/temporal"

# `temporal --version` of a `go install` build says 0.0.0-DEV, so the module
# version is read from the build information Go embeds in the binary.
built_version() {
  go version -m "$1" 2>/dev/null | awk -v m="$module" '$1 == "mod" && $2 == m { print $3 }'
}

if [ -x "$bin" ] && [ "$(built_version "$bin")" = "$version" ]; then
  echo "temporal CLI $version ready: $bin $("$bin" --version | sed 's/^temporal version [^ ]* //')"
  exit 0
fi

if [ -e "$bin" ]; then
  echo "temporal CLI at $bin is not $module@$version (found: $(built_version "$bin" || true)); rebuilding"
fi
echo "building $module/cmd/temporal@$version into $SUPERMAX_CACHE/bin (a few minutes)"
mkdir -p "$SUPERMAX_CACHE/bin"
GOBIN="$SUPERMAX_CACHE/bin" go install "$module/cmd/temporal@$version"
echo "temporal CLI $version ready: $bin $("$bin" --version | sed 's/^temporal version [^ ]* //')"
