#!/usr/bin/env bash
# Python virtualenv for interop tests and benchmarks: optuna (the system our
# users come from), psycopg2 for its PostgreSQL storage, and Hugging Face's
# tokenizers/transformers/sentencepiece (+ protobuf for transformers' slow-to-
# fast converters) that made the tokenizer parity references
# (model/testdata/tokenizers/make_parity.py). Private to the
# project, in $SUPERMAX_CACHE/venv; idempotent. Other scripts may install more
# into it (scripts/libtorch.sh adds torch for reference activations).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
venv="$SUPERMAX_CACHE/venv"
want="optuna==5.0.0 psycopg2-binary==2.9.13 tokenizers==0.20.3 transformers==4.46.3 sentencepiece==0.2.0 protobuf==5.28.3"
stamp="$venv/.supermax-requirements"
# optuna_version prints the venv's optuna version, or fails saying why: the
# Optuna cross-checks of `make test` need it, and they must never turn into
# skips unnoticed (a failure inside $(...) would not stop this script).
optuna_version() {
  "$venv/bin/python" -c 'import optuna; print(optuna.__version__)'
}
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  if version="$(optuna_version)"; then
    echo "python venv ready: $venv (optuna $version)"
    exit 0
  fi
  echo "python venv $venv: optuna cannot be imported; reinstalling" >&2
  rm -f "$stamp"
fi
mkdir -p "$SUPERMAX_CACHE"
python3 -m venv "$venv"
# shellcheck disable=SC2086
"$venv/bin/pip" install --quiet --disable-pip-version-check $want
if ! version="$(optuna_version)"; then
  echo "python venv $venv: optuna cannot be imported after installing $want" >&2
  exit 1
fi
echo "$want" > "$stamp"
echo "python venv ready: $venv (optuna $version)"
