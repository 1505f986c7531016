package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"math/rand/v2"
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
	return []namedSampler{{"ours tpe 4.x defaults", def}, {"ours tpe mv+group+liar", mv}, {"ours random", random.New()}}, nil
}

// optunaResults is what optuna_bench.py writes: per problem and sampler
// setting, the best value of each seed (seed order) at each checkpoint
// ("50", "100", ...), and suggestion timings.
type optunaResults struct {
	Version string                                     `json:"optuna_version"`
	Runs    map[string]map[string]map[string][]float64 `json:"runs"`
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

// checkpoints are the trial counts reported: 50, 100 and 200, cut to
// trials (and trials itself when it is below 200 and not one of them).
func checkpoints(trials int) []int {
	var cs []int
	for _, c := range []int{50, 100, 200} {
		if c <= trials {
			cs = append(cs, c)
		}
	}
	if len(cs) == 0 || cs[len(cs)-1] != trials && trials < 200 {
		cs = append(cs, trials)
	}
	return cs
}

// bestSoFar runs one study and returns, after each trial, the noiseless
// value of the trial with the best observed value so far. A sampler never
// looks ahead, so the first c entries of a longer run are a run of c trials.
func bestSoFar(s hpo.Sampler, p problem, seed int64, trials int) ([]float64, error) {
	study := hpo.Study{Name: p.name, Direction: hpo.Minimize, Seed: seed}
	hist := make([]hpo.Trial, 0, trials)
	best := make([]float64, trials)
	cur, curTrue := math.Inf(1), math.Inf(1)
	noise := rand.New(rand.NewPCG(uint64(seed), 0x6e6f697365)) // "noise"
	for n := range trials {
		params, err := s.Sample(study, p.space, hist, n)
		if err != nil {
			return nil, fmt.Errorf("%s seed %d trial %d: %w", p.name, seed, n, err)
		}
		truth := p.f(params)
		v := truth
		if p.noise > 0 {
			v += p.noise * noise.NormFloat64()
		}
		if v < cur {
			cur, curTrue = v, truth
		}
		best[n] = curTrue
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

// runsBySampler holds, per sampler column, the best value of each seed at
// each checkpoint: v[sampler][checkpoint][seed].
type runsBySampler [][][]float64

// collect runs our samplers and takes Optuna's columns from ref, for one
// problem. A sampler missing from ref, or with another seed count, is an
// error: the rank table needs every column on every seed (extra seeds are
// left out).
func collect(p problem, samplers []namedSampler, ref *optunaResults, saved *savedRuns, seeds, trials int, cps []int) (runsBySampler, error) {
	var out runsBySampler
	for _, ns := range samplers {
		at := make([][]float64, len(cps))
		if v, ok := saved.get(p.name, ns.name, cps, seeds); ok {
			out = append(out, v)
			continue
		}
		for seed := range int64(seeds) {
			best, err := bestSoFar(ns.s, p, seed, trials)
			if err != nil {
				return nil, err
			}
			for i, c := range cps {
				at[i] = append(at[i], best[c-1])
			}
		}
		saved.put(p.name, ns.name, cps, at)
		out = append(out, at)
	}
	if ref == nil {
		return out, nil
	}
	for _, name := range optunaColumns(ref) {
		at := make([][]float64, len(cps))
		for i, c := range cps {
			v := ref.Runs[p.name][name][fmt.Sprint(c)]
			if len(v) < seeds {
				return nil, fmt.Errorf("optuna results: %s %s after %d trials: %d seeds, want %d", p.name, name, c, len(v), seeds)
			}
			at[i] = v[:seeds]
		}
		out = append(out, at)
	}
	return out, nil
}

// optunaColumns are the sampler settings in ref, sorted.
func optunaColumns(ref *optunaResults) []string {
	set := map[string]bool{}
	for _, bySampler := range ref.Runs {
		for name := range bySampler {
			set[name] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// writeQuality prints the quartile table, then per checkpoint the mean rank
// of each sampler per problem and overall, and the paired Wilcoxon test of
// each of our TPE columns against the first Optuna column.
func writeQuality(w io.Writer, probs []problem, samplers []namedSampler, ref *optunaResults, saved *savedRuns, seeds, trials int) error {
	cps := checkpoints(trials)
	cols := make([]string, 0, len(samplers)+1)
	for _, ns := range samplers {
		cols = append(cols, ns.name)
	}
	if ref != nil {
		for _, name := range optunaColumns(ref) {
			cols = append(cols, "optuna "+ref.Version+" "+name)
		}
	}
	all := make([]runsBySampler, len(probs))
	for i, p := range probs {
		r, err := collect(p, samplers, ref, saved, seeds, trials, cps)
		if err != nil {
			return err
		}
		all[i] = r
	}
	fmt.Fprintf(w, "### Best value (minimize): median [q1, q3] over %d seeds\n\n", seeds)
	head, rule := "| problem | sampler |", "|---|---|"
	for _, c := range cps {
		head += fmt.Sprintf(" after %d |", c)
		rule += "---|"
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, rule)
	for i, p := range probs {
		for s, name := range cols {
			row := ""
			for k := range cps {
				row += " " + cell(quartiles(all[i][s][k])) + " |"
			}
			fmt.Fprintf(w, "| %s | %s |%s\n", p.name, name, row)
		}
	}
	fmt.Fprintln(w)
	for k, c := range cps {
		writeRanks(w, probs, cols, all, k, c, ref != nil, len(samplers))
	}
	return nil
}

// writeRanks prints the rank table at checkpoint index k. Our TPE columns
// are those before the random sampler (the last of ours); the reference is
// the first Optuna column.
func writeRanks(w io.Writer, probs []problem, cols []string, all []runsBySampler, k, c int, haveRef bool, nOurs int) {
	fmt.Fprintf(w, "### Mean rank after %d trials (1 = best of %d; ties share ranks)\n\n", c, len(cols))
	head, rule := "| problem |", "|---|"
	for _, name := range cols {
		head += " " + name + " |"
		rule += "---|"
	}
	ref := nOurs // index of the first Optuna column
	tested := nOurs - 1
	if haveRef {
		for s := range tested {
			head += fmt.Sprintf(" %s − optuna: median diff, Wilcoxon p |", cols[s])
			rule += "---|"
		}
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, rule)
	overall := make([]float64, len(cols))
	for i, p := range probs {
		seeds := len(all[i][0][k])
		mean := make([]float64, len(cols))
		for seed := range seeds {
			row := make([]float64, len(cols))
			for s := range cols {
				row[s] = all[i][s][k][seed]
			}
			for s, r := range rankRow(row) {
				mean[s] += r / float64(seeds)
			}
		}
		line := "| " + p.name + " |"
		for s := range cols {
			line += fmt.Sprintf(" %.2f |", mean[s])
			overall[s] += mean[s] / float64(len(probs))
		}
		if haveRef {
			for s := range tested {
				x, y := all[i][s][k], all[i][ref][k]
				d := make([]float64, len(x))
				for j := range x {
					d[j] = x[j] - y[j]
				}
				wPlus, n, pv := wilcoxon(x, y)
				mark := ""
				if pv < 0.05 {
					mark = " (ours better)"
					if wPlus > float64(n*(n+1))/4 { // positive differences dominate: ours higher
						mark = " **(optuna better)**"
					}
				}
				line += fmt.Sprintf(" %.3g, p=%.3g%s |", quartiles(d)[1], pv, mark)
			}
		}
		fmt.Fprintln(w, line)
	}
	line := "| **overall** |"
	for s := range cols {
		line += fmt.Sprintf(" **%.2f** |", overall[s])
	}
	fmt.Fprintln(w, line)
	fmt.Fprintln(w)
}

// savedRuns are our columns' per-seed results, kept in a JSON file
// (-runs) so that merging Optuna's results later does not rerun ours:
// Runs[problem][sampler][checkpoint] is the best value of each seed. A nil
// *savedRuns keeps nothing.
type savedRuns struct {
	Runs map[string]map[string]map[string][]float64 `json:"runs"`
}

// get returns the saved results of one column, its first `seeds` seeds,
// when they cover cps and that many seeds.
func (s *savedRuns) get(problem, sampler string, cps []int, seeds int) ([][]float64, bool) {
	if s == nil {
		return nil, false
	}
	out := make([][]float64, len(cps))
	for i, c := range cps {
		v := s.Runs[problem][sampler][fmt.Sprint(c)]
		if len(v) < seeds {
			return nil, false
		}
		out[i] = v[:seeds]
	}
	return out, true
}

func (s *savedRuns) put(problem, sampler string, cps []int, at [][]float64) {
	if s == nil {
		return
	}
	if s.Runs == nil {
		s.Runs = map[string]map[string]map[string][]float64{}
	}
	if s.Runs[problem] == nil {
		s.Runs[problem] = map[string]map[string][]float64{}
	}
	col := map[string][]float64{}
	for i, c := range cps {
		col[fmt.Sprint(c)] = at[i]
	}
	s.Runs[problem][sampler] = col
}

// loadRuns reads path; a missing file is an empty set of runs.
func loadRuns(path string) (*savedRuns, error) {
	if path == "" {
		return nil, nil
	}
	s := &savedRuns{}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("-runs: %w", err)
	}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("-runs %s: %w", path, err)
	}
	return s, nil
}

// saveRuns writes s to path (nothing for a nil s).
func saveRuns(path string, s *savedRuns) error {
	if s == nil {
		return nil
	}
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("-runs: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("-runs: %w", err)
	}
	return nil
}
