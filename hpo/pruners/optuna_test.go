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
def run(spec):
    c = spec["config"]
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
    return out
print(json.dumps([run(spec) for spec in json.load(open(sys.argv[1]))]))
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

// optunaCase is one cross-check: a pruner config, a study and a schedule.
type optunaCase struct {
	name  string
	cfg   Config
	study hpo.Study
	s     scenario
}

// runOptuna runs every case with Optuna's pruners in one Python process
// (importing optuna takes most of a second) and returns their outcomes.
func runOptuna(t *testing.T, py string, cases []optunaCase) []outcome {
	t.Helper()
	var specs []map[string]any
	for _, c := range cases {
		curves := make([][]any, len(c.s.Curves))
		for i, cv := range c.s.Curves {
			for _, v := range cv {
				if math.IsNaN(v) {
					curves[i] = append(curves[i], nil)
				} else {
					curves[i] = append(curves[i], v)
				}
			}
		}
		specs = append(specs, map[string]any{"config": c.cfg, "study": c.study.Name,
			"direction": c.study.Direction.String(), "parallel": c.s.Parallel, "curves": curves})
	}
	spec, err := json.Marshal(specs)
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
	var out []outcome
	if err := json.Unmarshal([]byte(strings.TrimSpace(string(raw))), &out); err != nil || len(out) != len(cases) {
		t.Fatalf("optuna output %q: %v (want %d outcomes)", raw, err, len(cases))
	}
	return out
}

// TestMatchesOptuna runs the same schedules through our pruners and
// Optuna 5.0's, and requires the same trials pruned at the same steps.
func TestMatchesOptuna(t *testing.T) {
	py := optunaPython(t)
	cases := optunaCases()
	want := runOptuna(t, py, cases)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.s.run(t, mustNew(t, c.cfg, c.study))
			pruned := 0
			for n := range want[i] {
				if got[n] != want[i][n] {
					t.Errorf("trial %d: we prune at step %d, Optuna at %d (0 = completed)", n, got[n], want[i][n])
				}
				if want[i][n] > 0 {
					pruned++
				}
			}
			if pruned == 0 || pruned == len(want[i]) {
				t.Errorf("scenario prunes %d of %d trials: it does not exercise the pruner", pruned, len(want[i]))
			}
		})
	}
}

// optunaCases covers every kind, both directions and the patient wrapper,
// each on its own random schedule (falling loss curves when minimizing).
func optunaCases() []optunaCase {
	withPatience := func(c Config, p int, d float64) Config { c.Patience, c.MinDelta = p, d; return c }
	median := MedianConfig()
	median.NWarmupSteps, median.IntervalSteps = 3, 2
	sha := SuccessiveHalvingConfig()
	sha.MinResource, sha.ReductionFactor, sha.MinEarlyStoppingRate = 2, 3, 1
	cases := []optunaCase{
		{name: "median", cfg: MedianConfig()},
		{name: "median-warmup-interval-min", cfg: median, study: hpo.Study{Direction: hpo.Minimize}},
		{name: "percentile-25", cfg: PercentileConfig(25)},
		{name: "percentile-70-min", cfg: PercentileConfig(70), study: hpo.Study{Direction: hpo.Minimize}},
		{name: "sha-default", cfg: SuccessiveHalvingConfig()},
		{name: "sha-2-3-1-min", cfg: sha, study: hpo.Study{Direction: hpo.Minimize}},
		{name: "hyperband", cfg: HyperbandConfig(30)},
		{name: "hyperband-min", cfg: HyperbandConfig(30), study: hpo.Study{Direction: hpo.Minimize}},
		{name: "patient-hyperband", cfg: DefaultConfig(30)},
		{name: "patient-median-delta", cfg: withPatience(MedianConfig(), 3, 0.01)},
	}
	for i := range cases {
		c := &cases[i]
		c.study.Name = "cross-" + c.name
		c.s = randomScenario(uint64(100+i), 80, 30, 4)
		if c.study.Direction == hpo.Minimize {
			c.s = c.s.lossCurves()
		}
	}
	return cases
}
