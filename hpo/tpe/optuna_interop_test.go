package tpe

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
)

// optunaScript asks Optuna's TPESampler for one suggestion per seed over a
// fixed history read from stdin, and prints the suggestions as JSON.
const optunaScript = `
import json, sys, warnings
import optuna
from optuna.distributions import FloatDistribution, IntDistribution, CategoricalDistribution
warnings.simplefilter("ignore")
optuna.logging.set_verbosity(optuna.logging.ERROR)
inp = json.load(sys.stdin)
dists = {"x": FloatDistribution(0, 10), "n": IntDistribution(0, 20), "c": CategoricalDistribution(["a", "b", "c", "d"])}
study = optuna.create_study(direction="minimize")
for t in inp["history"]:
    params = {"x": t["x"], "n": int(t["n"]), "c": "abcd"[int(t["c"])]}
    study.add_trial(optuna.trial.create_trial(params=params, distributions=dists, value=t["value"]))
out = []
for seed in range(inp["seeds"]):
    study.sampler = optuna.samplers.TPESampler(seed=seed, **inp["kwargs"])
    trial = study.ask()
    p = {"x": trial.suggest_float("x", 0, 10), "n": trial.suggest_int("n", 0, 20),
         "c": "abcd".index(trial.suggest_categorical("c", ["a", "b", "c", "d"]))}
    study.tell(trial, state=optuna.trial.TrialState.FAIL)
    out.append(p)
print(json.dumps(out))
`

func optunaPython(t *testing.T) string {
	t.Helper()
	cache := os.Getenv("SUPERMAX_CACHE")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "supermax-hpo")
	}
	py := filepath.Join(cache, "venv", "bin", "python")
	if err := exec.Command(py, "-c", "import optuna").Run(); err != nil {
		t.Skipf("optuna is not importable from %s (scripts/python-env.sh installs it): %v", py, err)
	}
	return py
}

// ksStatistic is the two-sample Kolmogorov-Smirnov distance.
func ksStatistic(a, b []float64) float64 {
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	d, i, j := 0.0, 0, 0
	for i < len(a) && j < len(b) {
		x := min(a[i], b[j])
		for i < len(a) && a[i] == x {
			i++
		}
		for j < len(b) && b[j] == x {
			j++
		}
		d = max(d, math.Abs(float64(i)/float64(len(a))-float64(j)/float64(len(b))))
	}
	return d
}

// TestMatchesOptunaDistribution gives our sampler and Optuna 5.0's
// TPESampler the same 40-trial history and compares, parameter by
// parameter, the suggestions of 200 seeds each with a two-sample KS test
// at α = 0.001 (critical distance 1.95·sqrt(2/200) = 0.195). The random
// streams differ, so only the distributions can agree; a wrong kernel
// width, weight or split moves them apart.
func TestMatchesOptunaDistribution(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Python")
	}
	py := optunaPython(t)
	space, err := hpo.NewSpace(
		hpo.Param{Name: "x", Dist: hpo.FloatDistribution{Low: 0, High: 10}},
		hpo.Param{Name: "n", Dist: hpo.IntDistribution{Low: 0, High: 20, Step: 1}},
		hpo.Param{Name: "c", Dist: hpo.CategoricalDistribution{Choices: strs("a", "b", "c", "d")}},
	)
	if err != nil {
		t.Fatal(err)
	}
	var hist []hpo.Trial
	var rows []map[string]float64
	for i := range 40 {
		p := map[string]float64{"x": math.Mod(float64(i)*7.31, 10), "n": float64(i * 13 % 21), "c": float64(i * 5 % 4)}
		v := (p["x"]-3)*(p["x"]-3) + math.Abs(p["n"]-15)/3 + map[bool]float64{true: 0, false: 2}[p["c"] == 2]
		hist = append(hist, hpo.Trial{Number: i, State: hpo.Complete, Value: &v, Params: p})
		row := map[string]float64{"value": v}
		for k, x := range p {
			row[k] = x
		}
		rows = append(rows, row)
	}
	const seeds = 200
	for _, mode := range []string{"independent", "group"} {
		kwargs := map[string]bool{"multivariate": mode == "group", "group": mode == "group", "constant_liar": false}
		input, _ := json.Marshal(map[string]any{"history": rows, "seeds": seeds, "kwargs": kwargs})
		cmd := exec.Command(py, "-c", optunaScript)
		cmd.Stdin = bytes.NewReader(input)
		outb, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: optuna: %v", mode, err)
		}
		var theirs []map[string]float64
		if err := json.Unmarshal(outb, &theirs); err != nil {
			t.Fatalf("%s: optuna output: %v", mode, err)
		}
		s := newSampler(t, mode)
		ours := make([]map[string]float64, seeds)
		for seed := range ours {
			if ours[seed], err = s.Sample(hpo.Study{Direction: hpo.Minimize, Seed: int64(seed)}, space, hist, 40); err != nil {
				t.Fatal(err)
			}
		}
		for _, name := range []string{"x", "n", "c"} {
			var a, b []float64
			for seed := range seeds {
				a = append(a, ours[seed][name])
				b = append(b, theirs[seed][name])
			}
			d := ksStatistic(a, b)
			t.Logf("%s %s: KS distance %.3f", mode, name, d)
			if d > 0.195 {
				t.Errorf("%s: parameter %s: suggestions differ from Optuna's (KS distance %.3f > 0.195)", mode, name, d)
			}
		}
	}
}
