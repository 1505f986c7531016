#!/usr/bin/env bash
# Shared settings for every script: the download cache and the tools it holds.
# Source it; it changes nothing on disk.
export SUPERMAX_CACHE="${SUPERMAX_CACHE:-$HOME/.cache/supermax-hpo}"
export TEMPORAL_CLI="${TEMPORAL_CLI:-$SUPERMAX_CACHE/bin/temporal}"
# libtorch.env is written by scripts/libtorch.sh once libtorch is set up.
if [ -f "$SUPERMAX_CACHE/libtorch.env" ]; then
  # shellcheck disable=SC1091
  . "$SUPERMAX_CACHE/libtorch.env"
fi
