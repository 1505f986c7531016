#!/bin/sh
# Entry point of the Docker image: load libtorch's library path (written by
# scripts/libtorch.sh at build time), then run the command (worker or starter).
set -e
if [ -f /opt/supermax/libtorch.env ]; then
  # shellcheck disable=SC1091
  . /opt/supermax/libtorch.env
fi
exec "$@"
