#!/usr/bin/env python3
"""Hugging Face token ids for the Go tokenizer tests (model/minilm_test.go).

Reads a tokenizer.json and a JSON file of texts and text pairs, and encodes
each with Hugging Face's `tokenizers` (the Rust library behind the fast
tokenizers of transformers): no padding, truncation to max_length with the
"longest_first" strategy, special tokens added by the file's post-processor.

Input JSON:  {"max_length": N, "pairs": [["text", "pair or empty"], ...]}
             (an empty pair means a single text)
Output JSON: {"source": "tokenizers X.Y.Z", "ids": [[...], ...], "type_ids": [[...], ...]}

Usage:
  scripts/tokenizer-reference.py --tokenizer DIR/tokenizer.json --inputs IN.json --out OUT.json
"""
import argparse
import json
import sys

import tokenizers


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokenizer", required=True, help="tokenizer.json")
    ap.add_argument("--inputs", required=True, help="JSON with max_length and pairs")
    ap.add_argument("--out", required=True, help="output JSON")
    args = ap.parse_args()
    with open(args.inputs) as f:
        inputs = json.load(f)
    tk = tokenizers.Tokenizer.from_file(args.tokenizer)
    tk.no_padding()
    tk.enable_truncation(inputs["max_length"], strategy="longest_first")
    ids, type_ids = [], []
    for text, pair in inputs["pairs"]:
        enc = tk.encode(text, pair) if pair else tk.encode(text)
        ids.append(enc.ids)
        type_ids.append(enc.type_ids)
    with open(args.out, "w") as f:
        json.dump({"source": f"tokenizers {tokenizers.__version__}", "ids": ids, "type_ids": type_ids}, f)
        f.write("\n")
    print(f"tokenizer-reference: {len(ids)} encodings -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
