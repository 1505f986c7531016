"""Writes optuna_golden.json: what real Optuna writes for the cases that
hpo/optuna_golden_test.go builds in Go. Run from the repository root:

    $SUPERMAX_CACHE/venv/bin/python hpo/testdata/optuna_golden.py > hpo/testdata/optuna_golden.json

(optuna 5.0.0, scripts/python-env.sh). TestOptunaGoldenLive reruns it when
the venv exists and fails if its output differs from the committed file.
"""
import json
import sys
import warnings

import optuna
from optuna.distributions import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    _convert_old_distribution_to_new_distribution,
    distribution_to_json,
    json_to_distribution,
)

warnings.simplefilter("ignore")

DISTRIBUTIONS = {
    "float": FloatDistribution(0, 1),
    "float_neg": FloatDistribution(-5, 5),
    "float_log": FloatDistribution(1e-6, 0.2, log=True),
    "float_log_tiny": FloatDistribution(1e-9, 1e-6, log=True),
    "float_step": FloatDistribution(0, 1, step=0.25),
    "float_step_adjusted": FloatDistribution(0, 1, step=0.3),
    "float_step_decimal": FloatDistribution(0.1, 0.3, step=0.2),
    "float_big": FloatDistribution(1234567.0, 1e16),
    "float_huge": FloatDistribution(-1e-7, 1e20),
    "float_single": FloatDistribution(0.5, 0.5),
    "int": IntDistribution(1, 10),
    "int_step": IntDistribution(32, 256, step=16),
    "int_step_adjusted": IntDistribution(0, 10, step=3),
    "int_log": IntDistribution(1, 1024, log=True),
    "int_wide": IntDistribution(-9223372036854775808, 9223372036854775807, step=3),
    "cat_strings": CategoricalDistribution(["adamw", "lion"]),
    "cat_mixed": CategoricalDistribution([1, 2.0, True, None, "x", -0.5, 1e-05, 1e16]),
    "cat_bools": CategoricalDistribution([True, False]),
    "cat_unicode": CategoricalDistribution(["\u00e9\u4e2d\U0001F600", "tab\tnl\ncr\r\x01\x7f", 'quote"back\\slash/<>&']),
}

DEPRECATED = {
    "old_uniform": '{"name": "UniformDistribution", "attributes": {"low": 0, "high": 1}}',
    "old_loguniform": '{"name": "LogUniformDistribution", "attributes": {"low": 1e-5, "high": 1}}',
    "old_discrete": '{"name": "DiscreteUniformDistribution", "attributes": {"low": 0, "high": 1, "q": 0.3}}',
    "old_intuniform": '{"name": "IntUniformDistribution", "attributes": {"low": 0, "high": 10, "step": 3}}',
    "old_intloguniform": '{"name": "IntLogUniformDistribution", "attributes": {"low": 1, "high": 10, "step": 1}}',
}

VALUES = [0, 1, -7, 1.0, -0.0, 0.5, 1e-05, 0.0001, 1e15, 1e16, 123456789.125, 5e-324,
          1.7976931348623157e308, True, False, None, "", "a\u00e9\U0001F600\x00"]


def main():
    out = {"optuna": optuna.__version__, "distributions": {}, "deprecated": {}, "values": []}
    for name, d in DISTRIBUTIONS.items():
        out["distributions"][name] = distribution_to_json(d)
    for name, s in DEPRECATED.items():
        new = _convert_old_distribution_to_new_distribution(json_to_distribution(s))
        out["deprecated"][name] = {"in": s, "out": distribution_to_json(new)}
    for v in VALUES:
        out["values"].append(json.dumps(v))
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


main()
