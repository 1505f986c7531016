package pruners

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
)

// optunaScript runs a scenario (see scenario.run) with Optuna's own pruners
// and prints, per trial, the step at which it was pruned (0: completed).
const optunaScript = `
import json, math, sys, warnings
import optuna
warnings.simplefilter("ignore")
optuna.logging.set_verbosity(optuna.logging.ERROR)
spec = json.load(open(sys.argv[1]))
c = spec["config"]
def build(c):
    k = c["kind"]
    if k == "median":
        p = optuna.pruners.MedianPruner(c.get("n_startup_trials", 0), c.get("n_warmup_steps", 0), c.get("interval_steps", 1))
    elif k == "percentile":
        p = optuna.pruners.PercentilePruner(c.get("percentile", 0.0), c.get("n_startup_trials", 0), c.get("n_warmup_steps", 0), c.get("interval_steps", 1))
    elif k == "successive_halving":
        p = optuna.pruners.SuccessiveHalvingPruner(c["min_resource"], c["reduction_factor"], c.get("min_early_stopping_rate", 0))
    elif k == "hyperband":
        p = optuna.pruners.HyperbandPruner(c["min_resource"], c["max_resource"], c["reduction_factor"])
    if c.get("patience", 0) > 0:
        p = optuna.pruners.PatientPruner(p, c["patience"], c.get("min_delta", 0.0))
    return p
study = optuna.create_study(study_name=spec["study"], direction=spec["direction"],
                            sampler=optuna.samplers.RandomSampler(seed=0), pruner=build(c))
curves = [[math.nan if v is None else v for v in cv] for cv in spec["curves"]]
out = [0] * len(curves)
slots, steps, nxt = [], [], 0
for i in range(spec["parallel"]):
    slots.append(study.ask() if nxt < len(curves) else None); steps.append(0); nxt += 1
while any(s is not None for s in slots):
    for i, tr in enumerate(slots):
        if tr is None:
            continue
        n = tr.number
        steps[i] += 1
        v = curves[n][steps[i] - 1]
        tr.report(v, steps[i])
        pruned = tr.should_prune()
        if pruned:
            out[n] = steps[i]
            study.tell(tr, state=optuna.trial.TrialState.PRUNED)
        elif steps[i] == len(curves[n]):
            study.tell(tr, 0.0 if math.isnan(v) else v)
        if pruned or steps[i] == len(curves[n]):
            slots[i], steps[i] = None, 0
            if nxt < len(curves):
                slots[i] = study.ask(); nxt += 1
print(json.dumps(out))
`

// optunaPython returns the venv python with optuna, or skips the test.
func optunaPython(t *testing.T) string {
	t.Helper()
	cache := os.Getenv("SUPERMAX_CACHE")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "supermax-hpo")
	}
	py := filepath.Join(cache, "venv", "bin", "python")
	if err := exec.Command(py, "-c", "import optuna").Run(); err != nil {
		t.Skipf("optuna not available in %s (%v): run scripts/python-env.sh to enable this cross-check", py, err)
	}
	return py
}

// runOptuna runs s with Optuna's pruner for cfg and returns its outcome.
func runOptuna(t *testing.T, py string, cfg Config, study hpo.Study, s scenario) outcome {
	t.Helper()
	curves := make([][]any, len(s.Curves))
	for i, c := range s.Curves {
		for _, v := range c {
			if math.IsNaN(v) {
				curves[i] = append(curves[i], nil)
			} else {
				curves[i] = append(curves[i], v)
			}
		}
	}
	spec, err := json.Marshal(map[string]any{"config": cfg, "study": study.Name,
		"direction": study.Direction.String(), "parallel": s.Parallel, "curves": curves})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	specPath, scriptPath := filepath.Join(dir, "spec.json"), filepath.Join(dir, "run.py")
	if err := os.WriteFile(specPath, spec, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(scriptPath, []byte(optunaScript), 0o600); err != nil {
		t.Fatal(err)
	}
	raw, err := exec.Command(py, scriptPath, specPath).Output()
	if err != nil {
		t.Fatalf("optuna run: %v", err)
	}
	var out outcome
	if err := json.Unmarshal([]byte(strings.TrimSpace(string(raw))), &out); err != nil {
		t.Fatalf("optuna output %q: %v", raw, err)
	}
	return out
}

// TestMatchesOptuna runs the same schedules through our pruners and
// Optuna 5.0's, and requires the same trials pruned at the same steps.
func TestMatchesOptuna(t *testing.T) {
	py := optunaPython(t)
	withPatience := func(c Config, p int, d float64) Config { c.Patience, c.MinDelta = p, d; return c }
	median := MedianConfig()
	median.NWarmupSteps, median.IntervalSteps = 3, 2
	sha := SuccessiveHalvingConfig()
	sha.MinResource, sha.ReductionFactor, sha.MinEarlyStoppingRate = 2, 3, 1
	cases := []struct {
		name string
		cfg  Config
		dir  hpo.Direction
	}{
		{"median", MedianConfig(), hpo.Maximize},
		{"median-warmup-interval-min", median, hpo.Minimize},
		{"percentile-25", PercentileConfig(25), hpo.Maximize},
		{"percentile-70-min", PercentileConfig(70), hpo.Minimize},
		{"sha-default", SuccessiveHalvingConfig(), hpo.Maximize},
		{"sha-2-3-1-min", sha, hpo.Minimize},
		{"hyperband", HyperbandConfig(30), hpo.Maximize},
		{"hyperband-min", HyperbandConfig(30), hpo.Minimize},
		{"patient-hyperband", DefaultConfig(30), hpo.Maximize},
		{"patient-median-delta", withPatience(MedianConfig(), 3, 0.01), hpo.Maximize},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := randomScenario(uint64(100+i), 80, 30, 4)
			if tc.dir == hpo.Minimize {
				s = s.lossCurves()
			}
			study := hpo.Study{Name: "cross-" + tc.name, Direction: tc.dir}
			p, err := New(tc.cfg, study)
			if err != nil {
				t.Fatal(err)
			}
			got := s.run(t, p)
			want := runOptuna(t, py, tc.cfg, study, s)
			pruned := 0
			for n := range want {
				if got[n] != want[n] {
					t.Errorf("trial %d: we prune at step %d, Optuna at %d (0 = completed)", n, got[n], want[n])
				}
				if want[n] > 0 {
					pruned++
				}
			}
			if pruned == 0 || pruned == len(want) {
				t.Errorf("scenario prunes %d of %d trials: it does not exercise the pruner", pruned, len(want))
			}
		})
	}
}
