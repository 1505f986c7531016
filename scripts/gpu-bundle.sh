#!/usr/bin/env bash
# scripts/gpu-bundle.sh: build, on a machine with Go, the binaries that
# scripts/gpu-check.sh --bundle runs on a GPU machine that has PyTorch but no
# Go toolchain and no network (the PyTorch install provides libtorch at run
# time). See README.md, "GPU machines".
#
#   scripts/gpu-bundle.sh [--torch-lib DIR] [--out DIR]
#
# --torch-lib: the GPU machine's torch/lib folder, recorded as the binaries'
#   RUNPATH (default /opt/torch/.venv/lib/python3.12/site-packages/torch/lib);
#   LD_LIBRARY_PATH overrides it there.
# --out: where the bundle goes (default _gpu-bundle; git ignores it).
#
# What it does:
#   1. Downloads once (PyPI) the torch==2.11.0 wheel (CUDA 13.0 build,
#      pre-built with the C++11 std::string ABI) and unpacks only its headers
#      and the shared libraries a link needs (libtorch_cpu, libtorch_cuda,
#      libc10, libc10_cuda, libtorch, libgomp) into
#      $SUPERMAX_CACHE/libtorch-2.11.0-link. The binaries must run against a
#      libtorch of this same version (2.11.x) on the GPU machine.
#   2. Compiles gotch v0.9.1 (written for libtorch 2.1) against it with our
#      forced-include header scripts/gotch-compat/torch-2.11.h (three private
#      ops changed signature; gotch's source is not edited). The header is
#      copied into the cache under its content hash, so a change to it is a
#      change of CGO_CXXFLAGS and the Go build cache recompiles.
#   3. Links with libtorch_cuda.so and libc10_cuda.so as NEEDED
#      (-Wl,--no-as-needed for those two), so the CUDA backend registers when
#      the binary starts; gotch's other hard-wired CUDA -l flags resolve to
#      empty stubs dropped by --as-needed; --allow-shlib-undefined because
#      the NVIDIA libraries libtorch_cuda needs exist only on the GPU machine.
#   4. Builds trainer.test (go test -c ./trainer) and bench-train
#      (./bench/train), stripped, xz-compressed, checks that both record
#      libtorch_cuda.so as NEEDED, and writes BUILD-INFO.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
# shellcheck source=scripts/libtorch.sh
. scripts/libtorch.sh

link_version=2.11.0
torch_lib=/opt/torch/.venv/lib/python3.12/site-packages/torch/lib
out=_gpu-bundle
while [ $# -gt 0 ]; do
  case "$1" in
    --torch-lib) [ $# -ge 2 ] || die "--torch-lib needs a folder"; torch_lib=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || die "--out needs a folder"; out=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$repo/scripts/gpu-bundle.sh" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "gpu-bundle: unknown argument $1 (see --help)" ;;
  esac
done
case "$torch_lib" in /*) ;; *) die "--torch-lib $torch_lib: want an absolute path" ;; esac
command -v xz >/dev/null || die "xz not found (apt-get install xz-utils)"

link_dir="$SUPERMAX_CACHE/libtorch-$link_version-link"
stub_dir="$SUPERMAX_CACHE/gotch-link-stubs-$link_version"

unpack_link_libtorch() {
  local whl tmp
  whl=$(py_version=312 platform=manylinux_2_28_x86_64 fetch_wheel "torch==$link_version" "torch-$link_version-cp312-cp312-manylinux_2_28_x86_64.whl")
  tmp="$link_dir.partial"
  rm -rf "$tmp" && mkdir -p "$tmp/lib"
  echo "libtorch: unpacking headers and link libraries of $whl into $link_dir"
  extract "$whl" "$tmp/wheel" 'torch/include/*' 'torch/lib/libc10.so' 'torch/lib/libc10_cuda.so' \
    'torch/lib/libtorch.so' 'torch/lib/libtorch_cpu.so' 'torch/lib/libtorch_cuda.so' 'torch/lib/libgomp.so.1'
  mv "$tmp/wheel/torch/include" "$tmp/include"
  mv "$tmp/wheel/torch/lib/"* "$tmp/lib/"
  rm -rf "$tmp/wheel" "$link_dir"
  mv "$tmp" "$link_dir"
}

[ -f "$link_dir/lib/libtorch_cuda.so" ] || unpack_link_libtorch
write_stubs "$link_dir"
hash=$(sha256sum scripts/gotch-compat/torch-2.11.h | cut -c1-12)
compat="$SUPERMAX_CACHE/gotch-compat/$hash/torch-2.11.h"
if [ ! -f "$compat" ]; then
  mkdir -p "$(dirname "$compat")"
  cp scripts/gotch-compat/torch-2.11.h "$compat.tmp" && mv "$compat.tmp" "$compat"
fi

inc="-I$link_dir/include -I$link_dir/include/torch/csrc/api/include"
export CGO_CFLAGS="-O2 -D_GLIBCXX_USE_CXX11_ABI=1 $inc"
export CGO_CXXFLAGS="-O2 -D_GLIBCXX_USE_CXX11_ABI=1 $inc -Wno-deprecated-declarations -include $compat"
export CGO_LDFLAGS="-Wl,--no-as-needed -L$link_dir/lib -ltorch_cuda -lc10_cuda -Wl,--as-needed -L$stub_dir -Wl,--allow-shlib-undefined -Wl,-rpath,$torch_lib"
export LD_LIBRARY_PATH=""
mkdir -p "$out"
rm -f "$out"/*
echo "gpu-bundle: building trainer.test and bench-train against libtorch $link_version (first build of gotch's C++: minutes)"
go test -c -tags gotch -ldflags='-s -w' -o "$out/trainer.test" ./trainer
go build -tags gotch -ldflags='-s -w' -o "$out/bench-train" ./bench/train
for bin in trainer.test bench-train; do
  readelf -d "$out/$bin" | grep -q 'NEEDED.*\[libtorch_cuda.so\]' ||
    die "$out/$bin does not need libtorch_cuda.so: CUDA would not register"
  xz -T1 -6 -f "$out/$bin"
done
cat >"$out/BUILD-INFO" <<INFO
built $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -m) from commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo "+changes")
go $(go env GOVERSION), gotch v0.9.1 against libtorch $link_version headers (PyPI torch $link_version wheel), compat header $hash
runtime libtorch (RUNPATH): $torch_lib; needs libtorch $link_version there
INFO
ls -la "$out"
echo "gpu-bundle: done; on the GPU machine: scripts/gpu-check.sh --bundle $out"
