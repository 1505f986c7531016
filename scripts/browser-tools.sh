#!/usr/bin/env bash
# Tools of the deployment and report tests: Debian's docker-compose (the test
# runs `docker-compose config`, which needs no container engine) and, for the
# report test, headless Chromium. Idempotent; installs the Debian packages
# non-interactively when a command is missing (root only).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "browser-tools.sh: missing ${need[*]} and not root; install Debian's packages ${need[*]}" >&2
    exit 1
  fi
  echo "browser-tools.sh: installing Debian's ${need[*]}"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null; then
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
  fi
fi
echo "docker-compose ready: $(docker-compose version --short 2>/dev/null || docker-compose --version)"
echo "chromium ready: $(chromium --version 2>/dev/null | head -n1)"
