#!/usr/bin/env bash
# make libtorch: set up libtorch 2.1 for github.com/sugarme/gotch v0.9.1.
#
# Source of libtorch, in order:
#   1. LIBTORCH=/path/to/libtorch (lib/ and include/), e.g. an official CUDA
#      build on a GPU machine. libtorch_cuda.so in lib/ selects CUDA link flags.
#   2. else the PyPI wheel torch==2.1.2 (cp311, manylinux1_x86_64), downloaded
#      once into $SUPERMAX_CACHE/wheels. Only what a CPU build needs is unpacked
#      into $SUPERMAX_CACHE/libtorch-2.1.2: include/, libtorch_cpu.so, libc10.so
#      and their bundled libgomp. That wheel is a CUDA build: libtorch_cpu.so
#      itself needs libcudart.so.12 and libcupti.so.12 (loaded, never used on a
#      CPU), so the two small NVIDIA wheels that carry them are unpacked too.
#      libtorch.so is not used: it pulls in libtorch_cuda.so and all of CUDA.
#   3. `scripts/libtorch.sh --cuda` (or LIBTORCH_VARIANT=cu121): the CUDA 12.1
#      libtorch 2.1.2 for a GPU machine, in $SUPERMAX_CACHE/libtorch-2.1.2-cu121:
#      the same wheel's include/ and all its shared libraries but
#      libtorch_python, plus the libraries of the nvidia-*-cu12 wheels that
#      wheel requires (versions read from its METADATA: cuBLAS, cuDNN 8.9,
#      NCCL, cudart, cuFFT, cuRAND, cuSOLVER, cuSPARSE, NVRTC, NVTX, CUPTI;
#      and nvJitLink, which cuSPARSE needs), about 1.9 GB of downloads, all in
#      one lib/ folder (the wheel's RUNPATHs include $ORIGIN). Opt-in: CI and
#      `make test` never download it. The build links and runs on a machine
#      without a GPU; there, CUDA is simply unavailable and the trainer
#      refuses a cuda:N device with an error saying so.
#
# Link flags. gotch's libtch/lib.go hard-codes CUDA libraries in a #cgo line
# (-lcuda -lcudart -lcublas -lcudnn ... -ltorch_cuda -ltorch); gotch's own
# setup-gotch.sh rewrites that file inside the module cache. We leave gotch's
# code alone: the module cache is read-only and checksummed, and the go
# command refuses -overlay replacements of files under GOMODCACHE (tried:
# "Files beneath GOMODCACHE must not be replaced"). A go.work replace would
# need a copied module and bind every go command to one checkout path.
# Instead, environment only:
#   - for each library lib.go names that cannot be found, an empty stub
#     libNAME.so in $SUPERMAX_CACHE/gotch-link-stubs satisfies the linker;
#   - CGO_LDFLAGS (which cmd/go places before a package's #cgo LDFLAGS) starts
#     with -Wl,--as-needed on a CPU build, so the stubs are never recorded as
#     needed and the binary depends only on libtorch_cpu, libc10, libstdc++;
#   - CGO_CFLAGS/CGO_CXXFLAGS give the include paths and the wheel's
#     pre-C++11 ABI (-D_GLIBCXX_USE_CXX11_ABI=0, detected from libc10.so).
# A CUDA build (libtorch_cuda.so in lib/) puts -Wl,--no-as-needed
# -ltorch_cuda -lc10_cuda first, so those two stay NEEDED and libtorch_cuda
# registers the CUDA backend when the program starts (nothing calls into it
# directly, so --as-needed would drop it); the rest stays --as-needed.
#
# Output: $SUPERMAX_CACHE/libtorch.env (sourced by scripts/env.sh) exporting
# LIBTORCH, LD_LIBRARY_PATH, CGO_CFLAGS, CGO_CXXFLAGS, CGO_LDFLAGS and
# SUPERMAX_GOTCH_DEVICE (cpu|cuda). Idempotent; fast once cached. The last step
# builds and runs a tiny gotch program; failure prints its error and exits 1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# A LIBTORCH given by the caller wins; env.sh would set it from an older setup.
user_libtorch="${LIBTORCH:-}"
. scripts/env.sh

torch_version=2.1.2
cuda_libs_version=12.1.105
wheels="$SUPERMAX_CACHE/wheels"
stub_dir="$SUPERMAX_CACHE/gotch-link-stubs"
env_file="$SUPERMAX_CACHE/libtorch.env"
# Any python with pip will do; the project venv (scripts/python-env.sh) first.
python=python3
if [ -x "$SUPERMAX_CACHE/venv/bin/python" ]; then python="$SUPERMAX_CACHE/venv/bin/python"; fi
pip_download=("$python" -m pip download --quiet --disable-pip-version-check
  --no-deps --only-binary=:all: -d "$wheels")

die() { echo "libtorch: $*" >&2; exit 1; }

# fetch_wheel NAME==VERSION FILE-GLOB: download a wheel once into $wheels,
# for $platform (manylinux1_x86_64) and $py_version (311) unless set.
fetch_wheel() {
  local spec=$1 glob=$2
  if ! compgen -G "$wheels/$glob" >/dev/null; then
    mkdir -p "$wheels"
    echo "libtorch: downloading $spec from PyPI into $wheels" >&2
    "${pip_download[@]}" --platform "${platform:-manylinux1_x86_64}" \
      --python-version "${py_version:-311}" "$spec" || die "pip download $spec failed"
  fi
  compgen -G "$wheels/$glob" | head -n1
}

# extract WHEEL DEST GLOB...: the wheel's members matching a glob, with
# Python's zipfile (no unzip binary needed).
extract() {
  "$python" - "$@" <<'PY' || die "extracting from $1 failed"
import fnmatch, sys, zipfile
wheel, dest, globs = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if any(fnmatch.fnmatch(n, g) for g in globs)]
    if not names:
        sys.exit(f"no member of {wheel} matches {globs}")
    for n in names:
        z.extract(n, dest)
PY
}

# unpack_wheel_libtorch DIR: lay out a CPU libtorch from the wheels in DIR.
unpack_wheel_libtorch() {
  local dir=$1 tmp torch_whl rt_whl cupti_whl
  torch_whl=$(fetch_wheel "torch==$torch_version" "torch-$torch_version-cp311-cp311-manylinux1_x86_64.whl")
  rt_whl=$(fetch_wheel "nvidia-cuda-runtime-cu12==$cuda_libs_version" "nvidia_cuda_runtime_cu12-$cuda_libs_version-*.whl")
  cupti_whl=$(fetch_wheel "nvidia-cuda-cupti-cu12==$cuda_libs_version" "nvidia_cuda_cupti_cu12-$cuda_libs_version-*.whl")
  tmp="$dir.partial"
  rm -rf "$tmp" && mkdir -p "$tmp/lib"
  echo "libtorch: unpacking $torch_whl (CPU parts) into $dir"
  extract "$torch_whl" "$tmp/wheel" 'torch/include/*' 'torch/lib/libc10.so' \
    'torch/lib/libtorch_cpu.so' 'torch/lib/libgomp-*.so.1'
  extract "$rt_whl" "$tmp/wheel" '*/libcudart.so.12'
  extract "$cupti_whl" "$tmp/wheel" '*/libcupti.so.12'
  mv "$tmp/wheel/torch/include" "$tmp/include"
  find "$tmp/wheel" -name '*.so*' -type f -exec mv {} "$tmp/lib/" \;
  rm -rf "$tmp/wheel" "$dir"
  mv "$tmp" "$dir"
}

# unpack_cuda_libtorch DIR: lay out the CUDA libtorch from the torch wheel
# and the nvidia-*-cu12 wheels its METADATA pins (see the header).
unpack_cuda_libtorch() {
  local dir=$1 tmp torch_whl specs spec name whl
  torch_whl=$(fetch_wheel "torch==$torch_version" "torch-$torch_version-cp311-cp311-manylinux1_x86_64.whl")
  tmp="$dir.partial"
  rm -rf "$tmp" && mkdir -p "$tmp/lib"
  echo "libtorch: unpacking $torch_whl (CUDA build) into $dir"
  extract "$torch_whl" "$tmp/wheel" 'torch/include/*' 'torch/lib/lib*.so*'
  rm -f "$tmp/wheel/torch/lib/libtorch_python.so"
  # Requires-Dist: nvidia-cublas-cu12 (==12.1.3.1) ; platform_system == "Linux" ...
  specs=$("$python" - "$torch_whl" <<'PY'
import re, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
    for line in z.read(meta).decode().splitlines():
        m = re.match(r"Requires-Dist: (nvidia-[a-z0-9-]+-cu12) \(==([0-9.]+)\)", line)
        if m:
            print(f"{m[1]}=={m[2]}")
PY
  ) && [ -n "$specs" ] || die "reading the nvidia-*-cu12 requirements of $torch_whl failed"
  for spec in $specs "nvidia-nvjitlink-cu12==$cuda_libs_version"; do
    name=${spec%%==*}
    whl=$(fetch_wheel "$spec" "${name//-/_}-${spec##*==}-*.whl")
    extract "$whl" "$tmp/wheel" 'nvidia/*/lib/lib*.so*'
  done
  mv "$tmp/wheel/torch/include" "$tmp/include"
  find "$tmp/wheel" -name 'lib*.so*' -type f -exec mv {} "$tmp/lib/" \;
  rm -rf "$tmp/wheel" "$dir"
  mv "$tmp" "$dir"
}

# gotch_link_libs: the -l names in gotch v0.9.1's libtch/lib.go #cgo LDFLAGS.
gotch_link_libs() {
  local lib_go
  lib_go="$(go env GOMODCACHE)/github.com/sugarme/gotch@v0.9.1/libtch/lib.go"
  [ -f "$lib_go" ] || go mod download github.com/sugarme/gotch@v0.9.1 ||
    die "go mod download github.com/sugarme/gotch@v0.9.1 failed"
  grep '#cgo LDFLAGS' "$lib_go" | grep -o -- '-l[A-Za-z0-9_+-]*' | sed 's/^-l//' | sort -u
}

# write_stubs DIR: an empty shared library for every library that gotch's
# lib.go asks for and that neither DIR/lib nor the system linker can find.
# Kept when already built for the same libtorch folder, so a rerun never
# pulls libraries from under a build that is linking at that moment.
write_stubs() {
  local dir=$1 name tmp="$stub_dir.partial" stamp="$stub_dir/.for"
  [ "$(cat "$stamp" 2>/dev/null)" = "$dir" ] && return 0
  rm -rf "$tmp" && mkdir -p "$tmp"
  : >"$tmp/empty.c"
  for name in $(gotch_link_libs); do
    [ -e "$dir/lib/lib$name.so" ] && continue
    if gcc -shared -o "$tmp/probe.so" "-l$name" >/dev/null 2>&1; then continue; fi
    gcc -shared -fPIC -o "$tmp/lib$name.so" "$tmp/empty.c" "-Wl,-soname,lib$name.so" ||
      die "building stub lib$name.so failed"
  done
  rm -f "$tmp/empty.c" "$tmp/probe.so"
  echo "$dir" >"$tmp/.for"
  rm -rf "$stub_dir" && mv "$tmp" "$stub_dir"
}

# write_env DIR DEVICE: the environment every later go command needs.
write_env() {
  local dir=$1 device=$2 inc abi="" needed=-Wl,--as-needed
  inc="-I$dir/include -I$dir/include/torch/csrc/api/include"
  # The PyPI wheels use the pre-C++11 std::string ABI; the official
  # libtorch-cxx11-abi-* zips use the new one. Our C++ must match: read it
  # from c10's own exported symbols (_ZN3c10...; new-ABI ones taking a
  # std::string contain "__cxx11"). Only c10's count: libc10.so also exports
  # libstdc++'s transactional-memory std::logic_error constructors
  # (_ZGTt...__cxx11...) in both ABIs. And no `grep -q` after nm: under
  # pipefail nm then dies of SIGPIPE at random and the test flips.
  local new_abi
  new_abi=$(nm -D --defined-only "$dir/lib/libc10.so" 2>/dev/null |
    awk '$NF ~ /^_ZN3c10/ && $NF ~ /__cxx11/ {n++} END {print n+0}')
  if [ "$new_abi" -gt 0 ]; then
    abi="-D_GLIBCXX_USE_CXX11_ABI=1"
  else
    abi="-D_GLIBCXX_USE_CXX11_ABI=0"
  fi
  if [ "$device" = cuda ]; then needed="-Wl,--no-as-needed -L$dir/lib -ltorch_cuda -lc10_cuda -Wl,--as-needed"; fi
  cat >"$env_file.tmp" <<EOF
# Written by scripts/libtorch.sh; sourced by scripts/env.sh. Do not edit.
export LIBTORCH="$dir"
export SUPERMAX_GOTCH_DEVICE="$device"
case ":\${LD_LIBRARY_PATH:-}:" in *":$dir/lib:"*) ;; *) export LD_LIBRARY_PATH="$dir/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" ;; esac
export CGO_CFLAGS="-O2 $abi $inc"
export CGO_CXXFLAGS="-O2 $abi $inc"
export CGO_LDFLAGS="$needed -L$dir/lib -L$stub_dir -Wl,-rpath,$dir/lib -Wl,-rpath,$stub_dir"
EOF
  mv "$env_file.tmp" "$env_file"
}

# verify: build and run a tiny gotch program (add + matmul) with the new env.
verify() {
  local dir out
  dir=$(mktemp -d "${TMPDIR:-/tmp}/supermax-gotch-check.XXXXXX")
  # A throwaway module with our go.mod/go.sum, so gotch is pinned to v0.9.1.
  sed 's|^module .*|module supermaxgotchcheck|' go.mod >"$dir/go.mod"
  cp go.sum "$dir/go.sum"
  cat >"$dir/main.go" <<'EOF'
package main

import (
	"fmt"
	"os"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

func main() {
	a := ts.MustOfSlice([]float32{1, 2, 3, 4}).MustView([]int64{2, 2}, true)
	b := ts.MustOnes([]int64{2, 2}, gotch.Float, gotch.CPU)
	sum := a.MustAdd(b, false).Float64Values()
	prod := a.MustMatmul(a, false).Float64Values()
	want := []float64{2, 3, 4, 5, 7, 10, 15, 22}
	got := append(sum, prod...)
	for i := range want {
		if got[i] != want[i] {
			fmt.Fprintf(os.Stderr, "gotch check: got %v, want %v\n", got, want)
			os.Exit(1)
		}
	}
	fmt.Printf("add %v matmul %v cuda=%v\n", sum, prod, gotch.CUDA.IsAvailable())
}
EOF
  # -race: scripts/test.sh runs go test -race, so the minutes-long compile of
  # gotch's torch_api.cpp done here is the one the tests reuse from the cache.
  if ! out=$( (. "$env_file" && cd "$dir" && go run -race .) 2>&1); then
    rm -rf "$dir"
    echo "$out" >&2
    die "gotch check FAILED (libtorch at $(. "$env_file" && echo "$LIBTORCH")); the error is above"
  fi
  rm -rf "$dir"
  echo "libtorch: gotch check OK: $out"
}

# reference_venv: `scripts/libtorch.sh --reference-venv` builds
# $SUPERMAX_CACHE/torch-venv with PyTorch 2.1.2, its NVIDIA pip libraries
# and transformers, for regenerating model/testdata/reference (see its
# README). Opt-in: about 2.5 GB more, and only the wheel's CUDA libraries
# let `import torch` work at all (without them: "libcufft.so.11: cannot open
# shared object file"), so the tests never need it.
reference_venv() {
  local venv="$SUPERMAX_CACHE/torch-venv" want="torch==$torch_version transformers==4.46.3 numpy<2"
  if [ "$(cat "$venv/.supermax-requirements" 2>/dev/null)" != "$want" ]; then
    fetch_wheel "torch==$torch_version" "torch-$torch_version-cp311-cp311-manylinux1_x86_64.whl" >/dev/null
    "$python" -m venv "$venv" || die "python -m venv $venv failed"
    # shellcheck disable=SC2086
    "$venv/bin/pip" install --quiet --disable-pip-version-check --find-links "$wheels" $want ||
      die "pip install $want into $venv failed"
    echo "$want" >"$venv/.supermax-requirements"
  fi
  "$venv/bin/python" -c 'import torch, transformers; print("libtorch: reference venv", torch.__version__, "transformers", transformers.__version__)' ||
    die "import torch in $venv failed"
  echo "libtorch: SUPERMAX_REFERENCE_PYTHON=$venv/bin/python"
}

main() {
  local dir device variant="${LIBTORCH_VARIANT:-cpu}"
  case "${1:-}" in
    --reference-venv) reference_venv; return ;;
    --cuda) variant=cu121 ;;
    "") ;;
    *) die "unknown argument $1 (want --cuda, --reference-venv or none)" ;;
  esac
  case "$variant" in
    cpu|cu121) ;;
    *) die "LIBTORCH_VARIANT=$variant: want cpu or cu121" ;;
  esac
  if [ "$variant" = cu121 ]; then
    dir="$SUPERMAX_CACHE/libtorch-$torch_version-cu121"
    [ -f "$dir/lib/libtorch_cuda.so" ] || unpack_cuda_libtorch "$dir"
  elif [ -n "$user_libtorch" ] && [ "$user_libtorch" != "$SUPERMAX_CACHE/libtorch-$torch_version" ]; then
    dir=$(cd "$user_libtorch" 2>/dev/null && pwd) || die "LIBTORCH=$user_libtorch is not a folder"
    [ -d "$dir/lib" ] && [ -d "$dir/include" ] || die "LIBTORCH=$dir has no lib/ and include/"
  else
    dir="$SUPERMAX_CACHE/libtorch-$torch_version"
    [ -f "$dir/lib/libtorch_cpu.so" ] || unpack_wheel_libtorch "$dir"
  fi
  [ -f "$dir/lib/libtorch_cpu.so" ] || die "$dir/lib has no libtorch_cpu.so"
  device=cpu
  if [ -f "$dir/lib/libtorch_cuda.so" ]; then device=cuda; fi
  write_stubs "$dir"
  write_env "$dir" "$device"
  echo "libtorch: $dir ($device build), env in $env_file"
  verify
}

# scripts/gpu-bundle.sh sources this file for its functions.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
