#!/usr/bin/env python3
"""Reference activations for the Go encoder tests (model/reference_test.go).

Reads a Hugging Face model folder (config.json, model.safetensors) and a JSON
file of token inputs, runs the encoder, and writes the last hidden state as
JSON:  {"backend": ..., "shape": [B, T, H], "values": [...]}  (row-major).

Input JSON: {"ids": [[...], ...], "type_ids": [[...], ...], "mask": [[...], ...]}
(already tokenized and padded by the Go side: this checks the encoder, the
tokenizer has its own tests).

Backends:
  transformers  Hugging Face's own model classes (AutoModel) on PyTorch, in
                float64. Used when `import torch, transformers` works.
  numpy         an independent float64 implementation of the same
                architecture written here. Used otherwise: the PyPI torch
                2.1.2 wheel is a CUDA build that cannot even be imported on a
                machine without its CUDA pip packages (libcufft, libcublas,
                ... ~2.5 GB), see scripts/libtorch.sh.
--backend picks one explicitly; --backend auto (default) prefers transformers.

Usage:
  scripts/model-reference.py --model DIR --inputs IN.json --out OUT.json [--backend auto|transformers|numpy]
"""
import argparse
import json
import math
import struct
import sys

import numpy as np

FAMILIES = {"bert": "bert", "electra": "electra", "roberta": "roberta", "xlm-roberta": "roberta",
            "deberta-v2": "deberta"}
PREFIXES = {"bert": ["bert."], "electra": ["electra."], "roberta": ["roberta.", "xlm_roberta."],
            "deberta": ["deberta."]}
DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64}


def read_safetensors(path):
    """The floating-point tensors of a .safetensors file as float64 numpy arrays.

    Integer buffers (position_ids, token_type_ids: I64 in real checkpoints)
    are not weights and are left out, as the Go loader does."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] not in DTYPES and entry["dtype"] != "BF16":
            continue
        begin, end = entry["data_offsets"]
        if entry["dtype"] == "BF16":
            bits = np.frombuffer(data[begin:end], dtype="<u2").astype(np.uint32) << 16
            arr = bits.view(np.float32)
        else:
            arr = np.frombuffer(data[begin:end], dtype=np.dtype(DTYPES[entry["dtype"]]).newbyteorder("<"))
        out[name] = arr.astype(np.float64).reshape(entry["shape"])
    return out


class Weights:
    """Looks tensors up by base-model name, with checkpoint prefixes and gamma/beta."""

    def __init__(self, tensors, family):
        self.tensors = tensors
        self.prefixes = [""] + PREFIXES[family]

    def __getitem__(self, name):
        names = [name]
        if name.endswith("LayerNorm.weight"):
            names.append(name[: -len("weight")] + "gamma")
        if name.endswith("LayerNorm.bias"):
            names.append(name[: -len("bias")] + "beta")
        for cand in names:
            for p in self.prefixes:
                if p + cand in self.tensors:
                    return self.tensors[p + cand]
        raise KeyError(f"checkpoint has no tensor {name!r}")


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def linear(x, w, b):
    return x @ w.T + b


_erf = np.vectorize(math.erf)


def activation(name, x):
    if name == "gelu":
        return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))
    if name in ("gelu_new", "gelu_pytorch_tanh"):
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
    if name == "relu":
        return np.maximum(x, 0.0)
    if name in ("silu", "swish"):
        return x / (1.0 + np.exp(-x))
    raise ValueError(f"hidden_act {name!r} not supported")


def position_ids(cfg, family, ids):
    if family == "roberta":
        pad = cfg["pad_token_id"]
        not_pad = (ids != pad).astype(np.int64)
        return np.cumsum(not_pad, axis=1) * not_pad + pad
    return np.broadcast_to(np.arange(ids.shape[1]), ids.shape)


def embed(cfg, family, w, ids, type_ids):
    if family == "roberta":
        type_ids = np.zeros_like(ids)
    x = (w["embeddings.word_embeddings.weight"][ids]
         + w["embeddings.position_embeddings.weight"][position_ids(cfg, family, ids)]
         + w["embeddings.token_type_embeddings.weight"][type_ids])
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], cfg["layer_norm_eps"])
    if family == "electra" and cfg.get("embedding_size", cfg["hidden_size"]) != cfg["hidden_size"]:
        x = linear(x, w["embeddings_project.weight"], w["embeddings_project.bias"])
    return x


def attention(cfg, w, p, x, bias):
    b, t, h = x.shape
    heads = cfg["num_attention_heads"]
    d = h // heads

    def split(y):
        return y.reshape(b, t, heads, d).transpose(0, 2, 1, 3)

    q = split(linear(x, w[p + "attention.self.query.weight"], w[p + "attention.self.query.bias"]))
    k = split(linear(x, w[p + "attention.self.key.weight"], w[p + "attention.self.key.bias"]))
    v = split(linear(x, w[p + "attention.self.value.weight"], w[p + "attention.self.value.bias"]))
    scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d) + bias
    scores = scores - scores.max(-1, keepdims=True)
    probs = np.exp(scores)
    probs = probs / probs.sum(-1, keepdims=True)
    return (probs @ v).transpose(0, 2, 1, 3).reshape(b, t, h)


def encoder_layer(cfg, w, i, x, bias):
    p = f"encoder.layer.{i}."
    eps = cfg["layer_norm_eps"]
    ctx = attention(cfg, w, p, x, bias)
    a = layer_norm(linear(ctx, w[p + "attention.output.dense.weight"], w[p + "attention.output.dense.bias"]) + x,
                   w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
    inter = activation(cfg.get("hidden_act", "gelu"),
                       linear(a, w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"]))
    return layer_norm(linear(inter, w[p + "output.dense.weight"], w[p + "output.dense.bias"]) + a,
                      w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)


def log_bucket(rel, buckets, max_position):
    """make_log_bucket_position, in float32 like PyTorch."""
    mid = buckets // 2
    sign = np.sign(rel)
    abs_pos = np.where((rel < mid) & (rel > -mid), mid - 1, np.abs(rel))
    ratio = (abs_pos / mid).astype(np.float32)
    base = np.log(np.float32((max_position - 1) / mid)).astype(np.float32)
    log_pos = np.ceil(np.log(ratio).astype(np.float32) / base * np.float32(mid - 1)) + mid
    return np.where(abs_pos <= mid, rel, log_pos * sign).astype(np.int64)


def deberta_forward(cfg, w, ids, type_ids, mask):
    """DeBERTa-v3 (DebertaV2Model with share_att_key, c2p|p2c, position buckets)."""
    eps, h = cfg["layer_norm_eps"], cfg["hidden_size"]
    heads = cfg["num_attention_heads"]
    d = h // heads
    x = w["embeddings.word_embeddings.weight"][ids]
    if cfg.get("type_vocab_size", 0) > 0:
        x = x + w["embeddings.token_type_embeddings.weight"][type_ids]
    if cfg.get("embedding_size", h) != h:
        x = x @ w["embeddings.embed_proj.weight"].T
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps) * mask[:, :, None]
    buckets = cfg["position_buckets"]
    max_rel = cfg.get("max_relative_positions", -1)
    if max_rel < 1:
        max_rel = cfg["max_position_embeddings"]
    span = buckets
    t = ids.shape[1]
    rel = log_bucket(np.arange(t)[:, None] - np.arange(t)[None, :], buckets, max_rel)
    c2p_idx = np.clip(rel + span, 0, 2 * span - 1)
    p2c_idx = np.clip(-rel + span, 0, 2 * span - 1)
    rel_emb = layer_norm(w["encoder.rel_embeddings.weight"][: 2 * span], w["encoder.LayerNorm.weight"],
                         w["encoder.LayerNorm.bias"], eps)
    pair = mask[:, None, None, :] * mask[:, None, :, None]  # [B, 1, T, T]
    b = ids.shape[0]

    def split(y):
        return y.reshape(y.shape[0], y.shape[1], heads, d).transpose(0, 2, 1, 3)

    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        proj = {n: (w[p + f"attention.self.{n}_proj.weight"], w[p + f"attention.self.{n}_proj.bias"])
                for n in ("query", "key", "value")}
        q, k, v = (split(linear(x, *proj[n])) for n in ("query", "key", "value"))
        pos_q = split(linear(rel_emb[None], *proj["query"]))
        pos_k = split(linear(rel_emb[None], *proj["key"]))
        c2p = np.take_along_axis(q @ pos_k.transpose(0, 1, 3, 2),
                                 np.broadcast_to(c2p_idx, (b, heads, t, t)), axis=-1)
        p2c = np.take_along_axis(k @ pos_q.transpose(0, 1, 3, 2),
                                 np.broadcast_to(p2c_idx, (b, heads, t, t)), axis=-1).transpose(0, 1, 3, 2)
        scores = (q @ k.transpose(0, 1, 3, 2) + c2p + p2c) / math.sqrt(3 * d)
        scores = np.where(pair > 0, scores, np.finfo(np.float32).min)
        scores = scores - scores.max(-1, keepdims=True)
        probs = np.exp(scores)
        probs = np.where(pair > 0, probs / probs.sum(-1, keepdims=True), 0.0)
        ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(b, t, h)
        a = layer_norm(linear(ctx, w[p + "attention.output.dense.weight"], w[p + "attention.output.dense.bias"]) + x,
                       w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
        inter = activation(cfg.get("hidden_act", "gelu"),
                           linear(a, w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"]))
        x = layer_norm(linear(inter, w[p + "output.dense.weight"], w[p + "output.dense.bias"]) + a,
                       w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
    return x


def run_numpy(model_dir, inputs):
    with open(f"{model_dir}/config.json") as f:
        cfg = json.load(f)
    cfg.setdefault("layer_norm_eps", 1e-12)
    family = FAMILIES[cfg["model_type"]]
    w = Weights(read_safetensors(f"{model_dir}/model.safetensors"), family)
    ids = np.asarray(inputs["ids"], dtype=np.int64)
    type_ids = np.asarray(inputs["type_ids"], dtype=np.int64)
    mask = np.asarray(inputs["mask"], dtype=np.float64)
    if family == "deberta":
        return deberta_forward(cfg, w, ids, type_ids, mask)
    # Hugging Face's additive mask: (1 - mask) * finfo(float32).min.
    bias = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
    x = embed(cfg, family, w, ids, type_ids)
    for i in range(cfg["num_hidden_layers"]):
        x = encoder_layer(cfg, w, i, x, bias)
    return x


def run_transformers(model_dir, inputs):
    import torch
    import transformers

    model = transformers.AutoModel.from_pretrained(model_dir, torch_dtype=torch.float64)
    model.eval()
    kwargs = {
        "input_ids": torch.tensor(inputs["ids"], dtype=torch.long),
        "attention_mask": torch.tensor(inputs["mask"], dtype=torch.long),
    }
    if model.config.model_type in ("bert", "electra"):
        kwargs["token_type_ids"] = torch.tensor(inputs["type_ids"], dtype=torch.long)
    with torch.no_grad():
        hidden = model(**kwargs).last_hidden_state
    # tolist, not .numpy(): torch 2.1 wheels cannot hand arrays to NumPy 2.
    return np.asarray(hidden.tolist(), dtype=np.float64)


def have_transformers():
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except Exception:  # ImportError, or OSError/ValueError from a CUDA wheel without its libraries
        return False
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="Hugging Face model folder")
    ap.add_argument("--inputs", required=True, help="JSON with ids, type_ids, mask")
    ap.add_argument("--out", required=True, help="output JSON")
    ap.add_argument("--backend", choices=["auto", "transformers", "numpy"], default="auto")
    args = ap.parse_args()
    with open(args.inputs) as f:
        inputs = json.load(f)
    backend = args.backend
    if backend == "auto":
        backend = "transformers" if have_transformers() else "numpy"
    hidden = run_transformers(args.model, inputs) if backend == "transformers" else run_numpy(args.model, inputs)
    with open(args.out, "w") as f:
        json.dump({"backend": backend, "shape": list(hidden.shape),
                   "values": [float(v) for v in hidden.reshape(-1)]}, f)
    print(f"model-reference: {backend}: last hidden state {list(hidden.shape)} -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
