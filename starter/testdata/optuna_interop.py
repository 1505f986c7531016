"""Optuna's side of starter/interop_test.go.

    python optuna_interop.py dump URL STUDY   print what optuna.load_study sees
    python optuna_interop.py make URL STUDY   create a study with optuna, then dump it

The dump is JSON; non-finite floats are written as the strings "nan", "inf"
and "-inf" because JSON has no such numbers.
"""
import json
import math
import sys

import optuna
from optuna.distributions import distribution_to_json
from optuna.trial import TrialState


def num(x):
    if x is None:
        return None
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


def dump(url, name):
    study = optuna.load_study(storage=url, study_name=name)
    trials = []
    for t in study.get_trials(deepcopy=False):
        trials.append({
            "number": t.number,
            "state": t.state.name,
            "value": num(t.value),
            "params": t.params,
            "distributions": {k: json.loads(distribution_to_json(d)) for k, d in t.distributions.items()},
            "intermediate": {str(k): num(v) for k, v in t.intermediate_values.items()},
            "user_attrs": t.user_attrs,
            "has_start": t.datetime_start is not None,
            "has_complete": t.datetime_complete is not None,
        })
    out = {"direction": study.direction.name, "trials": trials, "best": None}
    if any(t.state == TrialState.COMPLETE for t in study.get_trials(deepcopy=False)):
        out["best"] = {"number": study.best_trial.number, "value": num(study.best_value)}
    print(json.dumps(out, allow_nan=False))


def make(url, name):
    study = optuna.create_study(storage=url, study_name=name, direction="maximize",
                                sampler=optuna.samplers.RandomSampler(seed=3))
    for i in range(6):
        t = study.ask()
        x = t.suggest_float("x", -2.0, 2.0)
        t.suggest_float("lr", 1e-5, 1e-1, log=True)
        t.suggest_float("q", 0.0, 1.0, step=0.25)
        t.suggest_int("n", 1, 64, log=True)
        t.suggest_int("k", 0, 30, step=3)
        t.suggest_categorical("c", ["a", 1, 2.5, True, None])
        t.report(x, 0)
        t.report(float("nan") if i == 2 else x / 2, 1)
        t.set_user_attr("i", {"i": i})
        if i == 1:
            study.tell(t, state=TrialState.PRUNED)
        elif i == 3:
            study.tell(t, state=TrialState.FAIL)
        elif i == 4:
            study.tell(t, float("inf"))
        elif i == 5:
            pass  # left RUNNING
        else:
            study.tell(t, x)
    dump(url, name)


if __name__ == "__main__":
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    {"dump": dump, "make": make}[sys.argv[1]](sys.argv[2], sys.argv[3])
