"""Optuna's TPESampler on the problems of bench/sampler (same functions,
same spaces, minimize), for `make bench-sampler`.

Writes JSON to stdout: per problem and sampler setting, the best value of
each seed at 50, 100 and 200 trials (cut to --trials), and the
time per suggestion on the 42-parameter conditional space at --timing-at
observed trials. The quality runs use the study's settings,
multivariate=True, group=True, constant_liar=True; timing also measures
Optuna 4.x's defaults, which Optuna 5 must be told explicitly
(multivariate=False, constant_liar=False).
"""

import argparse
import json
import math
import os
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


HART_ALPHA = [1.0, 1.2, 3.0, 3.2]
HART_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
          [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
HART_P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
          [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]


def hartmann6(t):
    x = [t.suggest_float(f"x{j}", 0, 1) for j in range(6)]
    return -sum(HART_ALPHA[i] * math.exp(-sum(HART_A[i][j] * (x[j] - HART_P[i][j] * 1e-4) ** 2
                                               for j in range(6))) for i in range(4))


def levy10(t):
    x = [t.suggest_float(f"x{j}", -10, 10) for j in range(10)]
    w = [1 + (v - 1) / 4 for v in x]
    s = math.sin(math.pi * w[0]) ** 2
    for wi in w[:-1]:
        s += (wi - 1) ** 2 * (1 + 10 * math.sin(math.pi * wi + 1) ** 2)
    return s + (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)


def int_stepped(t):
    a, b, c = (t.suggest_int(n, -10, 10) for n in "abc")
    d = t.suggest_int("d", 0, 100, step=5)
    e = t.suggest_float("e", -5, 5, step=0.25)
    g = t.suggest_int("g", 1, 1024, log=True)
    return (a - 3) ** 2 + (b + 7) ** 2 + 2 * abs(c) + ((d - 35) / 5) ** 2 + 4 * (e - 1.25) ** 2 + (math.log2(g) - 6) ** 2


def categorical12(t):
    ch = ["a", "b", "c", "d"]
    c = [ch.index(t.suggest_categorical(f"c{i}", ch)) for i in range(12)]
    v = 0.0
    for i in range(12):
        if c[i] != (3 * i + 1) % 4:
            v += 1 + 0.1 * i
        if i + 1 < 12 and c[i] == c[i + 1]:
            v += 0.5
    return v


def cond_tree(t):
    family = t.suggest_categorical("family", ["linear", "tree", "net"])
    if family == "linear":
        penalty = t.suggest_categorical("penalty", ["l1", "l2", "none"])
        v = 0.8 + 0.1 * math.log10(t.suggest_float("C", 1e-4, 1e2, log=True)) ** 2
        if penalty == "l1":
            return v + (t.suggest_float("alpha", 0, 1) - 0.3) ** 2
        if penalty == "l2":
            return v + 0.05 + (t.suggest_float("alpha", 0, 1) - 0.7) ** 2
        return v + 0.2
    if family == "tree":
        v = 0.4 + 0.02 * (t.suggest_int("depth", 1, 12) - 6) ** 2
        if t.suggest_categorical("boost", ["no", "yes"]) == "no":
            return v + 0.3
        return (v + 0.3 * (math.log10(t.suggest_float("rate", 1e-3, 1, log=True)) + 1.5) ** 2
                + 0.2 * ((t.suggest_int("n_est", 10, 500, step=10) - 200) / 200) ** 2)
    v = 0.05 * (t.suggest_int("layers", 1, 6) - 3) ** 2 + 0.3 * (math.log10(t.suggest_float("lr", 1e-5, 1e-1, log=True)) + 3) ** 2
    if t.suggest_categorical("opt", ["sgd", "adam"]) == "sgd":
        return v + 0.2 + (t.suggest_float("momentum", 0, 1) - 0.9) ** 2
    return v + 100 * (t.suggest_float("beta2", 0.9, 0.9999) - 0.999) ** 2


# name: (objective, noise standard deviation); the same suite as
# bench/sampler/problems.go.
PROBLEMS = {"branin": (branin, 0), "rosenbrock-5d": (rosenbrock, 0), "ackley-5d": (ackley, 0),
            "rastrigin-5d": (rastrigin, 0), "mixed-10": (mixed, 0), "hartmann-6": (hartmann6, 0),
            "levy-10": (levy10, 0), "int-stepped-6": (int_stepped, 0), "categorical-12": (categorical12, 0),
            "cond-tree": (cond_tree, 0), "noisy-hartmann-6": (hartmann6, 0.2), "noisy-mixed-10": (mixed, 0.5)}

SETTINGS = {
    "tpe mv+group+liar": dict(multivariate=True, group=True, constant_liar=True),
}
TIMING_SETTINGS = {
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


def checkpoints(trials):
    cps = [c for c in (50, 100, 200) if c <= trials] or [trials]
    if trials < 200 and cps[-1] != trials:
        cps.append(trials)
    return cps


def one_run(f, noise, kw, seed, trials):
    """The best value after each trial of one study: the noiseless value of
    the trial with the best observed value (the observed value carries the
    problem's noise)."""
    rng = np.random.default_rng([seed, 0x6E6F697365])
    truths = []

    def objective(t):
        v = f(t)
        truths.append(v)
        return v + noise * rng.standard_normal() if noise else v

    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed, **kw))
    study.optimize(objective, n_trials=trials)
    cur, cur_true, best = math.inf, math.inf, []
    for tr, truth in zip(study.trials, truths):
        if tr.value < cur:
            cur, cur_true = tr.value, truth
        best.append(cur_true)
    return best


def runs(seeds, trials, only=None, partial=None, seed_start=0):
    """Per problem and setting, the best value of each seed at each
    checkpoint. Seeds are the outer loop: with `partial` (a path) the
    results so far are written there after every seed, so a run cut short
    still has the first seeds of every problem. seed_start > 0 runs seeds
    seed_start..seeds-1 only (to split a run over processes)."""
    cps = checkpoints(trials)
    out = {p: {s: {str(c): [] for c in cps} for s in SETTINGS} for p in PROBLEMS if not only or p in only}
    for seed in range(seed_start, seeds):
        for pname in out:
            f, noise = PROBLEMS[pname]
            for sname, kw in SETTINGS.items():
                best = one_run(f, noise, kw, seed, trials)
                for c in cps:
                    out[pname][sname][str(c)].append(float(best[c - 1]))
        if partial:
            with open(partial + ".tmp", "w") as fh:
                json.dump({"optuna_version": optuna.__version__, "runs": out, "timing": []}, fh)
            os.replace(partial + ".tmp", partial)
    return out


def batch_runs(problems, batches, seeds, trials):
    """Like runs for the "tpe mv+group+liar" setting, but asking `b` trials
    before telling any: each trial is suggested while the earlier ones of its
    batch are RUNNING (with their parameters), as parallel workers would,
    which is what the constant liar acts on. The last batch is cut to what
is left of `trials`."""
    kw = SETTINGS["tpe mv+group+liar"]
    cps = checkpoints(trials)
    out = {}
    for pname in problems:
        f, noise = PROBLEMS[pname]
        out[pname] = {}
        for b in batches:
            at = {c: [] for c in cps}
            for seed in range(seeds):
                rng = np.random.default_rng([seed, 0x6E6F697365])
                study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed, **kw))
                cur, cur_true, best = math.inf, math.inf, []
                while len(best) < trials:
                    batch = []
                    for _ in range(min(b, trials - len(best))):
                        t = study.ask()
                        truth = f(t)
                        batch.append((t, truth, truth + noise * rng.standard_normal() if noise else truth))
                    for t, truth, v in batch:
                        study.tell(t, v)
                        if v < cur:
                            cur, cur_true = v, truth
                        best.append(cur_true)
                for c in cps:
                    at[c].append(float(best[c - 1]))
            out[pname][str(b)] = {str(c): v for c, v in at.items()}
    return out


def timing(observed, reps):
    """Time reps suggestions (one ask plus every suggest of the space) at
    `observed` finished random trials; the timed trials are told FAIL so
    the history stays the same."""
    rows = []
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=1))
    study.optimize(agent, n_trials=observed)
    for sname, kw in TIMING_SETTINGS.items():
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
    ap.add_argument("--seeds", type=int, default=30)
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--timing-at", default="1000", help="comma list of observed-trial counts (0 skips timing)")
    ap.add_argument("--timing-reps", type=int, default=5)
    ap.add_argument("--problems", default="", help="comma list: run only these problems (to split a run)")
    ap.add_argument("--seed-start", type=int, default=0, help="first seed (to split a run over processes)")
    ap.add_argument("--partial", default="", help="file to write the results so far to after every seed")
    ap.add_argument("--batch", default="", help="comma list of batch sizes; only batch runs are done")
    ap.add_argument("--batch-problems", default="hartmann-6,levy-10,mixed-10,cond-tree")
    a = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.simplefilter("ignore")
    if a.batch:
        batches = [int(x) for x in a.batch.split(",")]
        problems = a.batch_problems.split(",")
        print(json.dumps({"optuna_version": optuna.__version__,
                          "batch": batch_runs(problems, batches, a.seeds, a.trials)}))
        return
    res = {"optuna_version": optuna.__version__, "runs": runs(a.seeds, a.trials, [p for p in a.problems.split(",") if p], a.partial, a.seed_start),
           "timing": []}
    for n in (int(x) for x in a.timing_at.split(",") if x.strip()):
        if n > 0:
            res["timing"] += timing(n, a.timing_reps)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
