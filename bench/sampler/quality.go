package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/random"
	"github.com/redsm5/supermax-hpo/hpo/tpe"
)

// namedSampler is one column of the benchmark.
type namedSampler struct {
	name string
	s    hpo.Sampler
}

// benchSamplers: our TPE with Optuna 4.x's defaults, with the original
// system's settings (multivariate, group, constant liar; the liar is idle
// in a sequential run), and random search.
func benchSamplers() ([]namedSampler, error) {
	def, err := tpe.New(tpe.DefaultOptions())
	if err != nil {
		return nil, err
	}
	o := tpe.DefaultOptions()
	o.Multivariate, o.Group, o.ConstantLiar = true, true, true
	mv, err := tpe.New(o)
	if err != nil {
		return nil, err
	}
	return []namedSampler{{"ours tpe (defaults)", def}, {"ours tpe (mv+group+liar)", mv}, {"ours random", random.New()}}, nil
}

// optunaResults is what optuna_bench.py writes: per problem and sampler,
// the [q1, median, q3] of best-so-far at each checkpoint ("25", "50", ...),
// and suggestion timings.
type optunaResults struct {
	Version string                                     `json:"optuna_version"`
	Quality map[string]map[string]map[string][]float64 `json:"quality"`
	Timing  []struct {
		Sampler  string  `json:"sampler"`
		Observed int     `json:"observed"`
		MedianMS float64 `json:"median_ms"`
		P90MS    float64 `json:"p90_ms"`
		Reps     int     `json:"reps"`
	} `json:"timing"`
}

func readOptuna(path string) (*optunaResults, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("optuna results: %w", err)
	}
	var r optunaResults
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("optuna results %s: %w", path, err)
	}
	return &r, nil
}

// checkpoints are the trial counts reported: 25, 50 and 100, cut to trials.
func checkpoints(trials int) []int {
	var cs []int
	for _, c := range []int{25, 50, 100} {
		if c <= trials {
			cs = append(cs, c)
		}
	}
	if len(cs) == 0 || cs[len(cs)-1] != trials && trials < 100 {
		cs = append(cs, trials)
	}
	return cs
}

// bestSoFar runs one study and returns the best value after each trial.
func bestSoFar(s hpo.Sampler, p problem, seed int64, trials int) ([]float64, error) {
	study := hpo.Study{Name: p.name, Direction: hpo.Minimize, Seed: seed}
	hist := make([]hpo.Trial, 0, trials)
	best := make([]float64, trials)
	cur := math.Inf(1)
	for n := range trials {
		params, err := s.Sample(study, p.space, hist, n)
		if err != nil {
			return nil, fmt.Errorf("%s seed %d trial %d: %w", p.name, seed, n, err)
		}
		v := p.f(params)
		cur = min(cur, v)
		best[n] = cur
		hist = append(hist, hpo.Trial{Number: n, State: hpo.Complete, Value: &v, Params: params})
	}
	return best, nil
}

// quartiles returns q1, median, q3 with numpy's default (linear) rule.
func quartiles(v []float64) [3]float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	q := func(p float64) float64 {
		pos := p * float64(len(s)-1)
		lo := int(math.Floor(pos))
		hi := min(lo+1, len(s)-1)
		return s[lo] + (pos-float64(lo))*(s[hi]-s[lo])
	}
	return [3]float64{q(0.25), q(0.5), q(0.75)}
}

func cell(q [3]float64) string { return fmt.Sprintf("%.4g [%.4g, %.4g]", q[1], q[0], q[2]) }

func writeQuality(w io.Writer, probs []problem, samplers []namedSampler, ref *optunaResults, seeds, trials int) error {
	cps := checkpoints(trials)
	fmt.Fprintf(w, "### Best value so far (minimize): median [q1, q3] over %d seeds x %d trials\n\n", seeds, trials)
	head := "| problem | sampler |"
	rule := "|---|---|"
	for _, c := range cps {
		head += fmt.Sprintf(" after %d |", c)
		rule += "---|"
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, rule)
	for _, p := range probs {
		for _, ns := range samplers {
			row, err := qualityRow(ns, p, seeds, trials, cps)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "| %s | %s |%s\n", p.name, ns.name, row)
		}
		writeOptunaRows(w, ref, p.name, cps)
	}
	fmt.Fprintln(w)
	return nil
}

func qualityRow(ns namedSampler, p problem, seeds, trials int, cps []int) (string, error) {
	at := make([][]float64, len(cps))
	for seed := range int64(seeds) {
		best, err := bestSoFar(ns.s, p, seed, trials)
		if err != nil {
			return "", err
		}
		for i, c := range cps {
			at[i] = append(at[i], best[c-1])
		}
	}
	row := ""
	for i := range cps {
		row += " " + cell(quartiles(at[i])) + " |"
	}
	return row, nil
}

func writeOptunaRows(w io.Writer, ref *optunaResults, problem string, cps []int) {
	if ref == nil {
		return
	}
	bySampler := ref.Quality[problem]
	for _, name := range slices.Sorted(maps.Keys(bySampler)) {
		row := ""
		for _, c := range cps {
			q := bySampler[name][fmt.Sprint(c)]
			if len(q) != 3 {
				row += " n/a |"
				continue
			}
			row += " " + cell([3]float64{q[0], q[1], q[2]}) + " |"
		}
		fmt.Fprintf(w, "| %s | optuna %s %s |%s\n", problem, ref.Version, name, row)
	}
}
