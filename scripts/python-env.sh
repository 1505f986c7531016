#!/usr/bin/env bash
# Python virtualenv for interop tests and benchmarks: optuna (the system our
# users come from) and psycopg2 for its PostgreSQL storage. Private to the
# project, in $SUPERMAX_CACHE/venv; idempotent. Other scripts may install more
# into it (scripts/libtorch.sh adds torch for reference activations).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
venv="$SUPERMAX_CACHE/venv"
want="optuna==5.0.0 psycopg2-binary==2.9.13"
stamp="$venv/.supermax-requirements"
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "python venv ready: $venv (optuna $("$venv/bin/python" -c 'import optuna; print(optuna.__version__)'))"
  exit 0
fi
mkdir -p "$SUPERMAX_CACHE"
python3 -m venv "$venv"
# shellcheck disable=SC2086
"$venv/bin/pip" install --quiet --disable-pip-version-check $want
echo "$want" > "$stamp"
echo "python venv ready: $venv"
