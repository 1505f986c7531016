package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo/pruners"
	"github.com/redsm5/supermax-hpo/workflows"
)

func algoSpec(t *testing.T) workflows.StudySpec {
	t.Helper()
	spec, err := workflows.DefaultStudySpec("evidence")
	if err != nil {
		t.Fatal(err)
	}
	spec.Epochs = 30
	return spec
}

func TestApplySampler(t *testing.T) {
	spec := algoSpec(t)
	if err := applySampler(&spec, "tpe", ""); err != nil || !spec.TPE.Multivariate || !spec.TPE.Group || !spec.TPE.ConstantLiar {
		t.Fatalf("default tpe: %v, %+v; want the original's multivariate+group+constant_liar", err, spec.TPE)
	}
	if err := applySampler(&spec, "tpe", `{"n_startup_trials": 20, "constant_liar": false}`); err != nil {
		t.Fatal(err)
	}
	if spec.TPE.NStartupTrials != 20 || spec.TPE.ConstantLiar || !spec.TPE.Multivariate {
		t.Fatalf("kwargs over the original's: %+v", spec.TPE)
	}
	if err := applySampler(&spec, "random", "{}"); err != nil || spec.Sampler != workflows.SamplerRandom {
		t.Fatalf("random: %v, %q", err, spec.Sampler)
	}
	for _, tc := range []struct{ name, kwargs, want string }{
		{"cmaes", "", `--sampler "cmaes"`},
		{"random", `{"n_startup_trials": 5}`, "random sampler takes no options"},
		{"tpe", `{"seed": 1}`, "seed"},
		{"tpe", `{"n_startup": 1}`, "n_startup"},
		{"tpe", `{"n_ei_candidates": 0}`, "n_ei_candidates"},
		{"tpe", `[1]`, "not a JSON object"},
		{"tpe", `{"group": true, "multivariate": false}`, "group"},
	} {
		spec := algoSpec(t)
		err := applySampler(&spec, tc.name, tc.kwargs)
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--sampler %s --sampler-kwargs %s: got %v, want a usage error mentioning %q", tc.name, tc.kwargs, err, tc.want)
		}
	}
}

func TestApplyPruner(t *testing.T) {
	for _, tc := range []struct {
		name, kwargs string
		want         pruners.Config
	}{
		{"patient-hyperband", "", pruners.DefaultConfig(30)},
		{"hyperband", "", pruners.HyperbandConfig(30)},
		{"hyperband", `{"reduction_factor": 4, "max_resource": 27}`, pruners.Config{Kind: pruners.KindHyperband, MinResource: 1, MaxResource: 27, ReductionFactor: 4}},
		{"sha", `{"min_early_stopping_rate": 1}`, pruners.Config{Kind: pruners.KindSuccessiveHalving, MinResource: 1, ReductionFactor: 4, MinEarlyStoppingRate: 1}},
		{"median", `{"n_warmup_steps": 3}`, pruners.Config{Kind: pruners.KindMedian, NStartupTrials: 5, NWarmupSteps: 3, IntervalSteps: 1}},
		{"none", "", pruners.NoneConfig()},
		{"patient-hyperband", `{"patience": 4, "min_delta": 0.01}`, pruners.Config{Kind: pruners.KindHyperband, MinResource: 1, MaxResource: 30, ReductionFactor: 3, Patience: 4, MinDelta: 0.01}},
	} {
		spec := algoSpec(t)
		if err := applyPruner(&spec, tc.name, tc.kwargs); err != nil || spec.Pruner != tc.want {
			t.Errorf("--pruner %s --pruner-kwargs %s: %v, %+v; want %+v", tc.name, tc.kwargs, err, spec.Pruner, tc.want)
		}
		if err := spec.Validate(); err != nil {
			t.Errorf("--pruner %s: spec invalid: %v", tc.name, err)
		}
	}
	for _, tc := range []struct{ name, kwargs, want string }{
		{"asha", "", `--pruner "asha"`},
		{"none", `{"patience": 2}`, "none"},
		{"hyperband", `{"patience": 2}`, "patient-hyperband"},
		{"patient-hyperband", `{"patience": 0}`, "--pruner hyperband"},
		{"sha", `{"max_resource": 9}`, "max_resource"},
		{"median", `{"reduction_factor": 3}`, "reduction_factor"},
		{"hyperband", `{"max_resource": 100}`, "exceeds the epochs"},
		{"hyperband", `{"kind": "median"}`, "kind is chosen by --pruner"},
		{"median", `{"n_startup": 1}`, "n_startup"},
		{"sha", `{"reduction_factor": 1}`, "reduction_factor"},
		{"median", `nope`, "not a JSON object"},
	} {
		spec := algoSpec(t)
		err := applyPruner(&spec, tc.name, tc.kwargs)
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--pruner %s --pruner-kwargs %s: got %v, want a usage error mentioning %q", tc.name, tc.kwargs, err, tc.want)
		}
	}
}
