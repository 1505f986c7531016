#!/usr/bin/env bash
# Opens the report test's generated 8,000-trial SQLite ledger in
# optuna-dashboard (PyPI) and loads its study page in headless Chromium.
# A one-off check, not run by make test; results: docs/benchmarks.md,
# "optuna-dashboard on our ledger". Needs python3, chromium, network to PyPI.
# Loopback only. Usage: scripts/optuna-dashboard-check.sh [WORKDIR]
set -euo pipefail
dir=${1:-/tmp/optuna-dashboard-check}
port=${PORT:-18181} devtools=${DEVTOOLS_PORT:-19222}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dir"
if [ ! -x "$dir/venv/bin/optuna-dashboard" ]; then
  python3 -m venv "$dir/venv"
  "$dir/venv/bin/pip" install -q optuna==5.0.0 optuna-dashboard websocket-client
fi
"$dir/venv/bin/pip" list 2>/dev/null | grep -i -E '^(optuna|optuna-dashboard|sqlalchemy) '
chromium --version 2>/dev/null
db="$dir/ledger.db"
if [ ! -f "$db" ]; then
  (cd "$root" && SUPERMAX_REPORT_LEDGER="$db" go test ./report -run TestWriteSQLiteLedger -count=1 -timeout 20m)
fi
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
"$dir/venv/bin/optuna-dashboard" "sqlite:///$db" --host 127.0.0.1 --port "$port" >"$dir/dashboard.log" 2>&1 &
pids+=($!)
sleep 5
curl -s -o /dev/null -w 'GET /api/studies: %{http_code}, %{size_download} bytes, %{time_total} s\n' "http://127.0.0.1:$port/api/studies"
curl -s -o /dev/null -w 'GET /api/studies/1: %{http_code}, %{size_download} bytes, %{time_total} s\n' "http://127.0.0.1:$port/api/studies/1"
chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
  --user-data-dir="$dir/profile" --remote-debugging-port="$devtools" --remote-allow-origins='*' \
  --window-size=1400,2000 about:blank >"$dir/chromium.log" 2>&1 &
pids+=($!)
"$dir/venv/bin/python" "$root/scripts/optuna-dashboard-cdp.py" "$devtools" \
  "http://127.0.0.1:$port/dashboard/studies/1" "$dir/study.png" 360
"$dir/venv/bin/python" "$root/scripts/optuna-dashboard-cdp.py" "$devtools" \
  "http://127.0.0.1:$port/dashboard" "$dir/list.png" 20
echo "screenshots: $dir/study.png $dir/list.png"
