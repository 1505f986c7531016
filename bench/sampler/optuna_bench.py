"""Optuna's TPESampler on the problems of bench/sampler (same functions,
same spaces, minimize), for `make bench-sampler`.

Writes JSON to stdout: per problem and sampler setting, [q1, median, q3] of
the best value so far at 25, 50 and 100 trials (cut to --trials), and the
time per suggestion on the 42-parameter conditional space at --timing-at
observed trials. Settings mirror ours: "tpe (defaults)" is Optuna 4.x's
defaults, which Optuna 5 must be told explicitly (multivariate=False,
constant_liar=False); "tpe (mv+group+liar)" is multivariate=True,
group=True, constant_liar=True.
"""

import argparse
import json
import math
import time
import warnings

import numpy as np
import optuna

X5 = ["x0", "x1", "x2", "x3", "x4"]


def branin(t):
    x1 = t.suggest_float("x1", -5, 10)
    x2 = t.suggest_float("x2", 0, 15)
    b, c = 5.1 / (4 * math.pi**2), 5 / math.pi
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x1) + 10


def vec(t, low, high):
    return [t.suggest_float(n, low, high) for n in X5]


def rosenbrock(t):
    x = vec(t, -5, 10)
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def ackley(t):
    x = vec(t, -32.768, 32.768)
    n = len(x)
    sq = sum(v * v for v in x)
    cs = sum(math.cos(2 * math.pi * v) for v in x)
    return -20 * math.exp(-0.2 * math.sqrt(sq / n)) - math.exp(cs / n) + 20 + math.e


def rastrigin(t):
    x = vec(t, -5.12, 5.12)
    return 10 * len(x) + sum(v * v - 10 * math.cos(2 * math.pi * v) for v in x)


def mixed(t):
    opts = ["sgd", "adam", "rmsprop"]
    opt = opts.index(t.suggest_categorical("opt", opts))
    lr = math.log10(t.suggest_float("lr", 1e-5, 1, log=True))
    if opt == 0:
        v = 0.5 + (lr + 1.5) ** 2 + 4 * (t.suggest_float("momentum", 0, 1) - 0.9) ** 2
    elif opt == 1:
        v = (lr + 3) ** 2 + 100 * (t.suggest_float("beta", 0.8, 0.999) - 0.9) ** 2
    else:
        v = 1 + (lr + 3.5) ** 2
    v += 0.25 * (t.suggest_int("layers", 1, 8) - 4) ** 2
    units = [32, 64, 128, 256, 512]
    v += 0.3 * abs(units.index(t.suggest_categorical("units", units)) - 3)
    v += 8 * (t.suggest_float("dropout", 0, 0.5) - 0.1) ** 2
    acts = ["relu", "tanh", "gelu"]
    if acts.index(t.suggest_categorical("act", acts)) != 2:
        v += 0.3
    v += 0.2 * (math.log10(t.suggest_float("wd", 1e-6, 0.1, log=True)) + 4) ** 2
    v += ((t.suggest_int("batch", 16, 256, step=16) - 64) / 64) ** 2
    return v


PROBLEMS = {"branin": branin, "rosenbrock-5d": rosenbrock, "ackley-5d": ackley,
            "rastrigin-5d": rastrigin, "mixed-10": mixed}

SETTINGS = {
    "tpe (defaults)": dict(multivariate=False, constant_liar=False),
    "tpe (mv+group+liar)": dict(multivariate=True, group=True, constant_liar=True),
}

HEAVY = ("large", "xlm", "deberta")


def agent(t):
    """The 42-parameter space of bench/sampler/agentspace.go; numeric
    constraints become ranges that depend on earlier choices, as in the
    original system."""
    v = 0.0
    t.suggest_int("seed", 1, 65535)
    model = t.suggest_categorical("model.name", [
        "bert-base-uncased", "bert-large-uncased", "roberta-base", "roberta-large",
        "microsoft/deberta-v3-base", "microsoft/deberta-v3-large",
        "google/electra-base-discriminator", "google/electra-large-discriminator", "xlm-roberta-base"])
    heavy = any(h in model for h in HEAVY)
    max_len = t.suggest_int("tok.max_length", 128, 384 if heavy else 512, step=32)
    t.suggest_int("tok.doc_stride", 32, min(256, max_len // 2 // 16 * 16), step=16)
    t.suggest_categorical("tok.use_fast", [False, True])
    # Optuna refuses a categorical whose choices change between trials, so
    # the batch-size and accumulation constraints are left out here.
    t.suggest_categorical("train.batch_size", [8, 12, 16, 24, 32, 48, 64])
    t.suggest_categorical("train.grad_accum", [1, 2, 3, 4, 6, 8])
    opt = t.suggest_categorical("optim.name", ["adamw", "adamw_8bit", "adafactor", "lion"])
    v -= (math.log10(t.suggest_float("optim.lr", 5e-6, 1.5e-4 if heavy else 3e-4, log=True)) + 4.5) ** 2
    t.suggest_float("optim.weight_decay", 1e-6, 0.2, log=True)
    if opt != "adafactor":
        t.suggest_float("optim.beta1", 0.80, 0.95)
        t.suggest_float("optim.beta2", 0.95, 0.9999)
        t.suggest_float("optim.eps", 1e-9, 1e-6, log=True)
    sched = t.suggest_categorical("sched.name", ["linear", "cosine", "cosine_restart", "polynomial", "one_cycle"])
    t.suggest_float("sched.warmup_ratio", 0, 0.2)
    if sched in ("cosine_restart", "one_cycle"):
        t.suggest_int("sched.cosine_cycles", 1, 4)
    if sched == "polynomial":
        t.suggest_float("sched.poly_power", 0.5, 2.0)
    t.suggest_float("train.clip_grad", 0, 1.5)
    v -= (t.suggest_float("model.dropout", 0, 0.5) - 0.1) ** 2
    t.suggest_float("model.attn_dropout", 0, 0.3)
    t.suggest_categorical("train.grad_checkpointing", [False, True])
    t.suggest_int("train.freeze_encoder_layers", 0, 6)
    t.suggest_float("optim.layerwise_lr_decay", 0.80, 1.00)
    t.suggest_categorical("head.pooling", ["cls", "mean", "max", "attn"])
    t.suggest_int("head.layers", 1, 4)
    t.suggest_categorical("head.hidden", [256, 384, 512, 768, 1024, 1536, 2048])
    t.suggest_categorical("head.activation", ["gelu", "relu", "silu"])
    t.suggest_float("head.dropout", 0, 0.5)
    loss = t.suggest_categorical("loss.cls.type", ["ce", "ce_label_smooth", "focal"])
    if loss == "focal":
        t.suggest_float("loss.cls.gamma", 1, 5)
        t.suggest_float("loss.cls.alpha", 0.1, 0.9)
    else:
        t.suggest_float("loss.cls.label_smoothing", 0, 0.2)
    t.suggest_categorical("loss.cls.balance", ["none", "weighted", "effective_num"])
    policy = t.suggest_categorical("qa.null.policy", ["none", "threshold", "ratio", "calibrated"])
    if policy in ("threshold", "calibrated"):
        t.suggest_float("qa.null.threshold", -5, 5)
    if policy == "ratio":
        t.suggest_float("qa.null.ratio", 0.05, 0.8)
    t.suggest_int("qa.topk", 1, 20)
    t.suggest_int("qa.max_answer_len", 20, 512, step=4)
    t.suggest_int("qa.n_best_size", 10, 50)
    t.suggest_categorical("qa.reranker", ["sum", "product", "softmax"])
    t.suggest_float("qa.nms_iou", 0.3, 0.8)
    t.suggest_float("qa.neg_ratio", 0.1, 1.0)
    return v


def quality(seeds, trials):
    cps = [c for c in (25, 50, 100) if c <= trials] or [trials]
    if trials < 100 and cps[-1] != trials:
        cps.append(trials)
    out = {}
    for pname, f in PROBLEMS.items():
        out[pname] = {}
        for sname, kw in SETTINGS.items():
            at = {c: [] for c in cps}
            for seed in range(seeds):
                study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed, **kw))
                study.optimize(f, n_trials=trials)
                best = np.minimum.accumulate([t.value for t in study.trials])
                for c in cps:
                    at[c].append(float(best[c - 1]))
            out[pname][sname] = {str(c): [float(np.percentile(v, q)) for q in (25, 50, 75)] for c, v in at.items()}
    return out


def timing(observed, reps):
    """Time reps suggestions (one ask plus every suggest of the space) at
    `observed` finished random trials; the timed trials are told FAIL so
    the history stays the same."""
    rows = []
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=1))
    study.optimize(agent, n_trials=observed)
    for sname, kw in SETTINGS.items():
        study.sampler = optuna.samplers.TPESampler(seed=3, **kw)
        times = []
        for _ in range(reps):
            start = time.perf_counter()
            trial = study.ask()
            agent(trial)
            times.append(time.perf_counter() - start)
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        times.sort()
        rows.append({"sampler": sname, "observed": observed, "reps": reps,
                     "median_ms": 1000 * times[len(times) // 2],
                     "p90_ms": 1000 * times[min(len(times) - 1, len(times) * 9 // 10)]})
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--timing-at", default="1000", help="comma list of observed-trial counts (0 skips timing)")
    ap.add_argument("--timing-reps", type=int, default=5)
    a = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.simplefilter("ignore")
    res = {"optuna_version": optuna.__version__, "quality": quality(a.seeds, a.trials), "timing": []}
    for n in (int(x) for x in a.timing_at.split(",") if x.strip()):
        if n > 0:
            res["timing"] += timing(n, a.timing_reps)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
