"""PyTorch eager counterpart of bench/train's gotch training step.

Times the criteria agent's training step on a model folder written by
`bench-train -write-model DIR -shape SHAPE -seq SEQ` (the same folder the Go
benchmark trains), doing what bench/train/step.go does:

  encoder forward with dropout on (Hugging Face BertModel, no pooler, the
  attention implementation given by --attn: "eager" is the same math as our
  encoder: matmul, softmax, dropout, matmul), criteria head (CLS pooling,
  dropout 0.1, Linear(H, 256), GELU, dropout 0.1, Linear(256, 2)),
  cross-entropy, backward, AdamW (lr 2e-5, weight decay 0.01, betas 0.9/0.999,
  eps 1e-8), gradients zeroed in place (as our fused kernel does);

on random token ids in [5, vocab), full-length sequences, attention mask all
ones, random binary targets, torch.set_num_threads(--threads), on --device
(cpu or cuda:N; a CUDA step is timed up to torch.cuda.synchronize), with
--amp bf16 the forward pass and loss under torch.autocast(bfloat16). Prints one
line in the Go benchmark's format: mean and min step time of the timed steps
(after --warmup untimed ones), examples/s, and the process's peak RSS.

With --agent evidence it times the evidence agent's step instead, as
bench/train/evidence.go does: windows [CLS] post [SEP] criterion [SEP] with 16
criterion tokens (token type 1), the span head per token (dropout 0.1,
Linear(H, 256), GELU, dropout 0.1, Linear(256, 2) -> start and end logits),
qa_ce: positions outside the null token and the post masked to -1e4, the mean
of the start and end cross-entropies; every other window null (0, 0), the
others a random span inside the post.

Run with the reference venv of scripts/libtorch.sh --reference-venv
(torch 2.1.2, transformers 4.46.3); scripts/bench-train.sh does.
"""

import argparse
import json
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F
from transformers import BertConfig, BertModel


class CriteriaHead(torch.nn.Module):
    """CLS pooling -> dropout -> Linear(H, hidden) -> GELU -> dropout -> Linear(hidden, 2)."""

    def __init__(self, width: int, hidden: int = 256, dropout: float = 0.1):
        super().__init__()
        self.mlp = torch.nn.Linear(width, hidden)
        self.out = torch.nn.Linear(hidden, 2)
        self.dropout = dropout

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        x = states[:, 0]
        x = F.dropout(x, self.dropout, self.training)
        x = F.gelu(self.mlp(x))
        x = F.dropout(x, self.dropout, self.training)
        return self.out(x)


class SpanHead(torch.nn.Module):
    """Per token: dropout -> Linear(H, hidden) -> GELU -> dropout -> Linear(hidden, 2)."""

    def __init__(self, width: int, hidden: int = 256, dropout: float = 0.1):
        super().__init__()
        self.mlp = torch.nn.Linear(width, hidden)
        self.out = torch.nn.Linear(hidden, 2)
        self.dropout = dropout

    def forward(self, states: torch.Tensor):
        x = F.dropout(states, self.dropout, self.training)
        x = F.gelu(self.mlp(x))
        x = F.dropout(x, self.dropout, self.training)
        logits = self.out(x)
        return logits[..., 0].contiguous(), logits[..., 1].contiguous()


CRITERION_LEN = 16  # bench/train/evidence.go's evidenceCriterionLen


def qa_ce(start, end, allowed, sy, ey):
    blocked = allowed == 0
    ls = F.cross_entropy(start.masked_fill(blocked, -1e4), sy)
    le = F.cross_entropy(end.masked_fill(blocked, -1e4), ey)
    return (ls + le) * 0.5


def random_evidence_batch(gen: torch.Generator, batch: int, seq: int, vocab: int):
    text = seq - 3 - CRITERION_LEN
    ids = torch.randint(5, vocab, (batch, seq), generator=gen)
    mask = torch.ones(batch, seq, dtype=torch.long)
    types = torch.zeros(batch, seq, dtype=torch.long)
    types[:, 2 + text:] = 1
    allowed = torch.zeros(batch, seq, dtype=torch.long)
    allowed[:, 0] = 1
    allowed[:, 1:1 + text] = 1
    sy = torch.zeros(batch, dtype=torch.long)
    ey = torch.zeros(batch, dtype=torch.long)
    for i in range(1, batch, 2):
        s = 1 + int(torch.randint(0, text, (1,), generator=gen))
        sy[i], ey[i] = s, s + int(torch.randint(0, text + 1 - s, (1,), generator=gen))
    return ids, mask, types, allowed, sy, ey


def evidence_step(encoder, head, opt, batch, device: torch.device, amp: str) -> None:
    ids, mask, types, allowed, sy, ey = (t.to(device) for t in batch)
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp == "bf16"):
        states = encoder(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state
        start, end = head(states)
        loss = qa_ce(start.float(), end.float(), allowed, sy, ey)
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=False)


def load_encoder(folder: str, attn: str) -> BertModel:
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
        model_type = json.load(f).get("model_type")
    if model_type != "bert":
        sys.exit(f"pytorch_step.py: {folder}: model_type {model_type!r}, this benchmark writes bert")
    cfg = BertConfig.from_pretrained(folder)
    return BertModel.from_pretrained(folder, config=cfg, add_pooling_layer=False, attn_implementation=attn)


def random_batch(gen: torch.Generator, batch: int, seq: int, vocab: int):
    ids = torch.randint(5, vocab, (batch, seq), generator=gen)
    mask = torch.ones(batch, seq, dtype=torch.long)
    types = torch.zeros(batch, seq, dtype=torch.long)
    targets = torch.randint(0, 2, (batch,), generator=gen)
    return ids, mask, types, targets


def step(encoder, head, opt, batch, device: torch.device, amp: str) -> None:
    ids, mask, types, targets = (t.to(device) for t in batch)
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp == "bf16"):
        states = encoder(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state
        loss = F.cross_entropy(head(states), targets)
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=False)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True, help="model folder written by bench-train -write-model")
    p.add_argument("--shape", default="?", help="shape name, only printed")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--agent", default="criteria", choices=["criteria", "evidence"])
    p.add_argument("--attn", default="eager", choices=["eager", "sdpa"])
    p.add_argument("--device", default="cpu", help="cpu or cuda:N")
    p.add_argument("--amp", default="off", choices=["off", "bf16"], help="bf16: forward under torch.autocast (CUDA only)")
    a = p.parse_args()
    if min(a.batch, a.seq, a.steps, a.threads) < 1 or a.warmup < 0:
        sys.exit("pytorch_step.py: --batch, --seq, --steps and --threads must be >= 1, --warmup >= 0")
    if a.agent == "evidence" and a.seq < 4 + CRITERION_LEN:
        sys.exit(f"pytorch_step.py: --seq {a.seq}: the evidence step needs at least {4 + CRITERION_LEN} tokens")

    device = torch.device(a.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit(f"pytorch_step.py: --device {a.device}: PyTorch sees no CUDA")
    if a.amp != "off" and device.type != "cuda":
        sys.exit("pytorch_step.py: --amp bf16 is measured on CUDA only")
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    encoder = load_encoder(a.model, a.attn).to(device)
    if a.seq > encoder.config.max_position_embeddings:
        sys.exit(f"pytorch_step.py: --seq {a.seq} exceeds the {encoder.config.max_position_embeddings} positions of {a.model}")
    evidence = a.agent == "evidence"
    head = (SpanHead if evidence else CriteriaHead)(encoder.config.hidden_size).to(device)
    encoder.train()
    head.train()
    params = list(encoder.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=2e-5, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    gen = torch.Generator().manual_seed(2)

    times = []
    for i in range(a.warmup + a.steps):
        if evidence:
            batch = random_evidence_batch(gen, a.batch, a.seq, encoder.config.vocab_size)
        else:
            batch = random_batch(gen, a.batch, a.seq, encoder.config.vocab_size)
        start = time.perf_counter()
        (evidence_step if evidence else step)(encoder, head, opt, batch, device, a.amp)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        if i >= a.warmup:
            times.append(time.perf_counter() - start)

    mean = sum(times) / len(times)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    cfg = encoder.config
    gpu = ""
    if device.type == "cuda":
        gpu = f", CUDA max allocated {torch.cuda.max_memory_allocated(device) / 2**20:.0f} MiB"
    print(f"pytorch {torch.__version__} agent={a.agent} attn={a.attn} shape={a.shape} layers={cfg.num_hidden_layers} "
          f"hidden={cfg.hidden_size} vocab={cfg.vocab_size} device={a.device} amp={a.amp} batch={a.batch} seq={a.seq} threads={torch.get_num_threads()} steps={a.steps}: "
          f"step {mean * 1e3:.1f} ms (min {min(times) * 1e3:.1f}), {a.batch / mean:.1f} examples/s, "
          f"peak RSS {peak_mib:.0f} MiB{gpu}")


if __name__ == "__main__":
    main()
