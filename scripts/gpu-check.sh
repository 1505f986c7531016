#!/usr/bin/env bash
# scripts/gpu-check.sh: the one check a GPU machine runs (README.md, "GPU
# machines"): set-up, the trainer tests on a CUDA device, training step time
# and GPU memory of BERT-Small and all-MiniLM-L6-v2 at batch 32 / sequence
# 256, with and without bfloat16 autocast, next to PyTorch eager on the same
# model folders when a PyTorch with CUDA is at hand.
#
#   scripts/gpu-check.sh [--bundle DIR] [--torch-lib DIR] [--python PY]
#                        [--device cuda:N] [--steps N] [--minilm DIR] [--report DIR]
#
# Two ways to get the binaries:
#   (default) from this clone, with Go: scripts/libtorch.sh --cuda assembles
#     the CUDA libtorch 2.1.2 from PyPI (about 2.5 GB of wheels; cached in
#     $SUPERMAX_CACHE), then go test / go build with -tags gotch.
#   --bundle DIR: prebuilt by scripts/gpu-bundle.sh on another machine, for a
#     GPU machine without Go or network that has PyTorch 2.11 installed;
#     --torch-lib is that install's torch/lib (default: the binaries' RUNPATH).
# --python PY: a Python with torch (CUDA) and transformers for the PyTorch
#   column (default: $SUPERMAX_CACHE/torch-venv/bin/python if present; without
#   one the column is skipped, saying so).
# --minilm DIR: the real all-MiniLM-L6-v2 folder (default: the first of
#   $HPO_MODELS_DIR/all-MiniLM-L6-v2 and $SUPERMAX_CACHE/models/all-MiniLM-L6-v2
#   with a config.json; from a clone, scripts/models.sh when present fetches
#   it); without it the benchmark trains that model's shape with random
#   weights and says so.
# --report DIR: keep every log there (default: a temporary folder, removed).
# GPU_CHECK_TEST_TIMEOUT caps the trainer tests (Go duration, default 5m).
# GPU_CHECK_NVIDIA_SMI and GPU_CHECK_GO name the nvidia-smi and go commands
# (tests point them at fakes).
#
# Everything that can be missing is checked first, before any download or
# build, and the script stops at the first absence with exit status 2 and a
# line "gpu-check: FAIL: ..." naming it. A failing test or benchmark later
# gives exit status 1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD

fail() { echo "gpu-check: FAIL: $*" >&2; exit 2; }
say() { echo "gpu-check: $*"; }
usage() { sed -n '2,/^set -euo/p' "$repo/scripts/gpu-check.sh" | sed '$d; s/^# \{0,1\}//'; }

bundle="" torch_lib="" python="" device=cuda:0 steps=20 minilm="" report=""
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --bundle|--torch-lib|--python|--device|--steps|--minilm|--report)
      [ $# -ge 2 ] && [ -n "$2" ] || fail "$1 needs a value (see --help)"
      case "$1" in
        --bundle) bundle=$2 ;; --torch-lib) torch_lib=$2 ;; --python) python=$2 ;;
        --device) device=$2 ;; --steps) steps=$2 ;; --minilm) minilm=$2 ;; --report) report=$2 ;;
      esac
      shift 2 ;;
    *) fail "unknown argument $1 (see --help)" ;;
  esac
done
[[ $device =~ ^cuda:([0-9]+)$ ]] || fail "--device $device: want cuda:N"
index=${BASH_REMATCH[1]}
test_timeout=${GPU_CHECK_TEST_TIMEOUT:-5m}
[[ $test_timeout =~ ^[0-9]+(s|m)$ ]] || fail "GPU_CHECK_TEST_TIMEOUT=$test_timeout: want a duration such as 90s or 5m"
[[ $steps =~ ^[1-9][0-9]*$ ]] && [ "$steps" -le 1000 ] || fail "--steps $steps: want a whole number from 1 to 1000"

# --- what must be present -------------------------------------------------
smi=${GPU_CHECK_NVIDIA_SMI:-nvidia-smi}
command -v "$smi" >/dev/null 2>&1 || fail "$smi not found: no NVIDIA driver on this machine (this check needs a GPU machine)"
if ! gpus=$("$smi" --query-gpu=index,name,memory.total,driver_version --format=csv,noheader 2>&1); then
  fail "$smi cannot reach a GPU: $(echo "$gpus" | head -n3)"
fi
gpus=$(echo "$gpus" | sed '/^[[:space:]]*$/d')
[ -n "$gpus" ] || fail "$smi lists no GPU"
gpu=$(echo "$gpus" | awk -F', *' -v i="$index" '$1 == i' | head -n1)
[ -n "$gpu" ] || fail "no GPU $index ($device); $smi lists: $(echo "$gpus" | tr '\n' ';')"

go_cmd=${GPU_CHECK_GO:-go}
if [ -n "$bundle" ]; then
  [ -d "$bundle" ] || fail "--bundle $bundle is not a folder (build one with scripts/gpu-bundle.sh)"
  for b in trainer.test bench-train; do
    [ -f "$bundle/$b" ] || [ -f "$bundle/$b.xz" ] || fail "--bundle $bundle has no $b or $b.xz (build it with scripts/gpu-bundle.sh)"
  done
  if compgen -G "$bundle/*.xz" >/dev/null; then
    command -v xz >/dev/null || fail "xz not found, needed to unpack $bundle"
  fi
  if [ -z "$torch_lib" ] && [ -f "$bundle/BUILD-INFO" ]; then
    torch_lib=$(sed -n 's/^runtime libtorch (RUNPATH): \([^;]*\);.*/\1/p' "$bundle/BUILD-INFO")
  fi
  [ -n "$torch_lib" ] || fail "--bundle: give --torch-lib (PyTorch's torch/lib folder)"
  [ -f "$torch_lib/libtorch_cuda.so" ] || fail "--torch-lib $torch_lib has no libtorch_cuda.so (a CUDA PyTorch's torch/lib is needed)"
else
  command -v "$go_cmd" >/dev/null 2>&1 ||
    fail "Go toolchain ($go_cmd) not found: install Go (go.mod's version), or build a bundle elsewhere with scripts/gpu-bundle.sh and pass --bundle"
  [ -z "$torch_lib" ] || fail "--torch-lib is for --bundle only"
fi

# shellcheck source=scripts/env.sh
. scripts/env.sh
py_note=""
if [ -z "$python" ] && [ -x "$SUPERMAX_CACHE/torch-venv/bin/python" ]; then
  # The reference venv is the default only where its PyTorch sees CUDA.
  if "$SUPERMAX_CACHE/torch-venv/bin/python" -c 'import sys, torch; sys.exit(not torch.cuda.is_available())' >/dev/null 2>&1; then
    python="$SUPERMAX_CACHE/torch-venv/bin/python"
  else
    py_note=" ($SUPERMAX_CACHE/torch-venv/bin/python sees no CUDA)"
  fi
fi
if [ -n "$python" ]; then
  [ -x "$python" ] || command -v "$python" >/dev/null || fail "--python $python not found"
  pyinfo=$("$python" -c 'import torch, transformers; print(torch.__version__, "transformers", transformers.__version__, "cuda", torch.cuda.is_available())' 2>&1) ||
    fail "--python $python cannot import torch and transformers: $(echo "$pyinfo" | tail -n1)"
  case "$pyinfo" in *"cuda True") ;; *) fail "--python $python: PyTorch sees no CUDA ($pyinfo)" ;; esac
fi
if [ -z "$minilm" ]; then
  for cand in "${HPO_MODELS_DIR:-/nonexistent}/all-MiniLM-L6-v2" "$SUPERMAX_CACHE/models/all-MiniLM-L6-v2"; do
    if [ -f "$cand/config.json" ]; then minilm=$cand; break; fi
  done
fi
if [ -n "$minilm" ]; then
  [ -f "$minilm/config.json" ] || fail "--minilm $minilm has no config.json"
  minilm=$(cd "$minilm" && pwd)
fi

# --- run ----------------------------------------------------------------------
if [ -n "$report" ]; then
  mkdir -p "$report" || fail "--report $report: cannot create it"
  report=$(cd "$report" && pwd)
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
else
  work=$(mktemp -d)
  report=$work/logs
  mkdir -p "$report"
  trap 'rm -rf "$work"' EXIT
fi
status=0
start=$SECONDS
say "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, GPU $gpu"
[ -z "$python" ] || say "PyTorch column: $python ($pyinfo)"
[ -n "$python" ] || say "PyTorch column skipped: no --python and no usable $SUPERMAX_CACHE/torch-venv$py_note (scripts/libtorch.sh --reference-venv builds one)"

# 1. set-up
if [ -n "$bundle" ]; then
  for b in trainer.test bench-train; do
    if [ -f "$bundle/$b.xz" ]; then xz -dc "$bundle/$b.xz" >"$work/$b"; else cp "$bundle/$b" "$work/$b"; fi
    chmod +x "$work/$b"
  done
  export LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  say "set-up: bundle $bundle ($(head -n1 "$bundle/BUILD-INFO" 2>/dev/null || echo "no BUILD-INFO")), libtorch from $torch_lib ($((SECONDS - start)) s)"
else
  scripts/libtorch.sh --cuda >"$report/libtorch.log" 2>&1 || { tail -n 20 "$report/libtorch.log" >&2; fail "scripts/libtorch.sh --cuda failed (log above)"; }
  . scripts/env.sh
  "$go_cmd" build -tags gotch -o "$work/bench-train" ./bench/train >"$report/build.log" 2>&1 ||
    { cat "$report/build.log" >&2; fail "go build ./bench/train failed"; }
  if [ -z "$minilm" ] && [ -x scripts/models.sh ]; then
    if scripts/models.sh >"$report/models.log" 2>&1 && [ -f "$SUPERMAX_CACHE/models/all-MiniLM-L6-v2/config.json" ]; then
      minilm="$SUPERMAX_CACHE/models/all-MiniLM-L6-v2"
    else
      say "scripts/models.sh did not provide all-MiniLM-L6-v2 ($(tail -n1 "$report/models.log")); its shape is used instead"
    fi
  fi
  say "set-up: $(tail -n1 "$report/libtorch.log") ($((SECONDS - start)) s)"
fi

# 2. the trainer tests on the device
t0=$SECONDS
if [ -n "$bundle" ]; then
  (cd trainer && SUPERMAX_TEST_DEVICE=$device "$work/trainer.test" -test.count=1 -test.timeout="$test_timeout" -test.v) >"$report/trainer-tests.log" 2>&1 && rc=0 || rc=$?
else
  SUPERMAX_TEST_DEVICE=$device "$go_cmd" test -tags gotch -count=1 -timeout="$test_timeout" -v ./trainer >"$report/trainer-tests.log" 2>&1 && rc=0 || rc=$?
fi
passed=$(grep -c '^--- PASS' "$report/trainer-tests.log" || true)
failed=$(grep -c '^--- FAIL' "$report/trainer-tests.log" || true)
skipped=$(grep -c '^--- SKIP' "$report/trainer-tests.log" || true)
if [ "$rc" -eq 0 ]; then
  say "trainer tests on $device: ok, $passed passed, $skipped skipped ($((SECONDS - t0)) s)"
else
  status=1
  say "trainer tests on $device: FAILED (exit $rc), $passed passed, $failed failed ($((SECONDS - t0)) s); failures:"
  if grep -qE '^(--- FAIL|panic|fatal error|SIGSEGV)|_test.go:[0-9]+:' "$report/trainer-tests.log"; then
    grep -E '^(--- FAIL|panic|fatal error|SIGSEGV)|_test.go:[0-9]+:' "$report/trainer-tests.log" | head -n 30 | sed 's/^/    /'
  else
    tail -n 15 "$report/trainer-tests.log" | sed 's/^/    /'
  fi
fi

# gpu_peak LOG CMD...: run CMD, its output to LOG and stdout, sampling the
# GPU's used memory every 0.2 s; prints "peak GPU memory" above the idle level.
gpu_peak() {
  local log=$1 pid base peak used rc
  shift
  base=$("$smi" --query-gpu=memory.used --format=csv,noheader,nounits -i "$index" | tr -dc '0-9')
  peak=$base
  "$@" >"$log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    used=$("$smi" --query-gpu=memory.used --format=csv,noheader,nounits -i "$index" 2>/dev/null | tr -dc '0-9')
    [ -z "$used" ] || [ "$used" -le "$peak" ] || peak=$used
    sleep 0.2
  done
  wait "$pid" && rc=0 || rc=$?
  if [ "$rc" -ne 0 ]; then
    status=1
    echo "    FAILED (exit $rc): $*"
    tail -n 5 "$log" | sed 's/^/    /'
    return 0
  fi
  echo "    $(tail -n1 "$log"); GPU memory peak $((peak - base)) MiB above idle"
}

# 3. step time and memory
batch=32 seq=256
for shape in small minilm; do
  t0=$SECONDS
  model_dir="$work/model-$shape"
  if [ "$shape" = minilm ] && [ -n "$minilm" ]; then
    model_dir=$minilm
    say "$shape: all-MiniLM-L6-v2 checkpoint $minilm, batch $batch, seq $seq, $steps steps"
  else
    "$work/bench-train" -write-model "$model_dir" -shape "$shape" -seq "$seq" >"$report/write-$shape.log" 2>&1 ||
      { status=1; say "$shape: writing the model failed: $(tail -n1 "$report/write-$shape.log")"; continue; }
    what="BERT-Small shape (L4 H512 A8), random weights"
    [ "$shape" = small ] || what="all-MiniLM-L6-v2 shape (L6 H384 A12, vocabulary 30,522), random weights: no --minilm checkpoint"
    say "$shape: $what, batch $batch, seq $seq, $steps steps"
  fi
  for amp in off bf16; do
    flag=()
    [ "$amp" = off ] || flag=(-amp)
    echo "  gotch amp=$amp:"
    gpu_peak "$report/gotch-$shape-$amp.log" "$work/bench-train" -model "$model_dir" -device "$device" "${flag[@]}" \
      -batch "$batch" -seq "$seq" -steps "$steps" -warmup 5 -threads 4
    if [ -n "$python" ]; then
      for attn in eager sdpa; do
        [ "$amp" = off ] || [ "$attn" = eager ] || continue
        echo "  pytorch amp=$amp attn=$attn:"
        gpu_peak "$report/pytorch-$shape-$amp-$attn.log" "$python" bench/train/pytorch_step.py --model "$model_dir" \
          --shape "$shape" --device "$device" --amp "$amp" --attn "$attn" --batch "$batch" --seq "$seq" \
          --steps "$steps" --warmup 5 --threads 4
      done
    fi
  done
  say "$shape done ($((SECONDS - t0)) s)"
done

say "logs in $report"
if [ "$status" -eq 0 ]; then
  say "OK ($((SECONDS - start)) s)"
else
  say "FAILED: see above ($((SECONDS - start)) s)"
fi
exit "$status"
