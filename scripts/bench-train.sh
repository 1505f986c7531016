#!/usr/bin/env bash
# make bench-train: the gotch training step of the criteria agent (encoder
# forward, head, loss, backward, AdamW update) on a tiny (L2 H32) and a
# BERT-Small (L4 H512 A8) shape, then a worker's memory over many short
# one-epoch trials of the real trainer on the project fixture.
# Then the evidence agent's step (span head per token, qa_ce, AdamW) on the
# MiniLM shape (the real all-MiniLM-L6-v2 of scripts/models.sh when it is in
# $SUPERMAX_CACHE/models, else its shape with random weights) and BERT-Small.
# Overrides: THREADS (2), BATCH (16), SEQ (128), STEPS (20), TRIALS (200; 0
# skips the memory check), SHAPES ("tiny small"), EVIDENCE_SHAPES ("minilm
# small"; "" skips the evidence step). MALLOC_ARENA_MAX=1 (glibc)
# halves gotch's peak RSS on BERT-Small; see docs/benchmarks.md (bench-train).
#
# PyTorch eager column: for each shape, bench/train/pytorch_step.py trains the
# same model folder (written by `bench-train -write-model`) with the same step,
# batch, sequence length and thread count, with Hugging Face's "eager"
# attention (the same math as our encoder) and with "sdpa" (its default). It
# runs on the reference venv $SUPERMAX_CACHE/torch-venv (torch 2.1.2,
# transformers 4.46.3), built by the opt-in `scripts/libtorch.sh
# --reference-venv` (about 4.9 GB); without that venv the column is skipped
# with a message saying how to build it.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
if [ -z "${LIBTORCH:-}" ]; then
  scripts/libtorch.sh
  . scripts/env.sh
fi

threads="${THREADS:-2}"
batch="${BATCH:-16}"
seq="${SEQ:-128}"
steps="${STEPS:-20}"
trials="${TRIALS:-200}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

go build -tags gotch -o "$tmp/bench-train" ./bench/train
py="$SUPERMAX_CACHE/torch-venv/bin/python"
echo "# bench-train ($(date -u +%Y-%m-%d), $(nproc) cores, libtorch $(basename "$LIBTORCH"))"
if [ ! -x "$py" ]; then
  echo "(PyTorch eager column skipped: no $py; build it with scripts/libtorch.sh --reference-venv, about 4.9 GB)"
fi
for shape in ${SHAPES:-tiny small}; do
  "$tmp/bench-train" -shape "$shape" -batch "$batch" -seq "$seq" -steps "$steps" -threads "$threads"
  if [ -x "$py" ]; then
    "$tmp/bench-train" -write-model "$tmp/$shape" -shape "$shape" -seq "$seq"
    for attn in eager sdpa; do
      "$py" bench/train/pytorch_step.py --model "$tmp/$shape" --shape "$shape" --attn "$attn" \
        --batch "$batch" --seq "$seq" --steps "$steps" --threads "$threads"
    done
  fi
done
minilm="$SUPERMAX_CACHE/models/all-MiniLM-L6-v2"
for shape in ${EVIDENCE_SHAPES-minilm small}; do
  if [ "$shape" = minilm ] && [ -f "$minilm/config.json" ]; then
    model=(-model "$minilm")
    dir="$minilm"
  else
    model=(-shape "$shape")
    dir="$tmp/evidence-$shape"
  fi
  "$tmp/bench-train" -agent evidence "${model[@]}" -batch "$batch" -seq "$seq" -steps "$steps" -threads "$threads"
  if [ -x "$py" ]; then
    if [ "$dir" != "$minilm" ]; then
      "$tmp/bench-train" -write-model "$dir" -shape "$shape" -seq "$seq"
    fi
    "$py" bench/train/pytorch_step.py --agent evidence --model "$dir" --shape "$shape" --attn eager \
      --batch "$batch" --seq "$seq" --steps "$steps" --threads "$threads"
  fi
done
if [ "$trials" -gt 0 ]; then
  echo "memory over $trials one-epoch trials (tiny model, fixture, MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-unset}):"
  "$tmp/bench-train" -trials "$trials" -threads "$threads"
fi
