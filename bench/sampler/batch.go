package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/redsm5/supermax-hpo/hpo"
)

// batchResults is what optuna_bench.py --batch writes: per problem and
// batch size, the best value of each seed at each checkpoint.
type batchResults struct {
	Version string                                     `json:"optuna_version"`
	Batch   map[string]map[string]map[string][]float64 `json:"batch"`
}

func readBatch(path string) (*batchResults, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("optuna batch results: %w", err)
	}
	var r batchResults
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("optuna batch results %s: %w", path, err)
	}
	return &r, nil
}

// parseBatches reads a comma list of batch sizes, each >= 1.
func parseBatches(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		b, err := strconv.Atoi(f)
		if err != nil || b < 1 {
			return nil, fmt.Errorf("-batch: %q is not a batch size >= 1", f)
		}
		out = append(out, b)
	}
	return out, nil
}

// bestSoFarBatched is bestSoFar with suggestions made b at a time: each
// trial of a batch is sampled while the earlier ones are RUNNING with their
// parameters (what the constant liar acts on), and the batch is scored
// after its last suggestion. The last batch is cut to what is left.
func bestSoFarBatched(s hpo.Sampler, p problem, seed int64, trials, b int) ([]float64, error) {
	study := hpo.Study{Name: p.name, Direction: hpo.Minimize, Seed: seed}
	hist := make([]hpo.Trial, 0, trials)
	best := make([]float64, 0, trials)
	cur, curTrue := math.Inf(1), math.Inf(1)
	noise := rand.New(rand.NewPCG(uint64(seed), 0x6e6f697365))
	for len(hist) < trials {
		start := len(hist)
		for n := start; n < min(start+b, trials); n++ {
			params, err := s.Sample(study, p.space, hist, n)
			if err != nil {
				return nil, fmt.Errorf("%s seed %d trial %d: %w", p.name, seed, n, err)
			}
			hist = append(hist, hpo.Trial{Number: n, State: hpo.Running, Params: params})
		}
		for i := start; i < len(hist); i++ {
			truth := p.f(hist[i].Params)
			v := truth
			if p.noise > 0 {
				v += p.noise * noise.NormFloat64()
			}
			hist[i].State, hist[i].Value = hpo.Complete, &v
			if v < cur {
				cur, curTrue = v, truth
			}
			best = append(best, curTrue)
		}
	}
	return best, nil
}

// writeBatch prints, for sampler s and each named problem, the best value
// at the last checkpoint with suggestions one at a time and in batches, next
// to Optuna's (ref; batch 1 from main), and the paired Wilcoxon test of
// ours against Optuna at each batch size.
func writeBatch(w io.Writer, probs []problem, only []string, ns namedSampler, main *optunaResults, ref *batchResults, batches []int, seeds, trials int) error {
	cps := checkpoints(trials)
	c := cps[len(cps)-1]
	all := append([]int{1}, batches...)
	fmt.Fprintf(w, "### Batches under the constant liar: best value after %d trials, median [q1, q3] over %d seeds\n\n", c, seeds)
	head, rule := "| problem | sampler |", "|---|---|"
	for _, b := range all {
		head += fmt.Sprintf(" batch %d |", b)
		rule += "---|"
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, rule)
	for _, p := range probs {
		if !slices.Contains(only, p.name) {
			continue
		}
		ours := make([][]float64, len(all))
		theirs := make([][]float64, len(all))
		for i, b := range all {
			for seed := range int64(seeds) {
				best, err := bestSoFarBatched(ns.s, p, seed, trials, b)
				if err != nil {
					return err
				}
				ours[i] = append(ours[i], best[c-1])
			}
			switch {
			case b == 1 && main != nil:
				theirs[i] = main.Runs[p.name]["tpe mv+group+liar"][fmt.Sprint(c)]
			case ref != nil:
				theirs[i] = ref.Batch[p.name][fmt.Sprint(b)][fmt.Sprint(c)]
			}
		}
		row, rowO, rowP := "", "", ""
		for i := range all {
			row += " " + cell(quartiles(ours[i])) + " |"
			if len(theirs[i]) != seeds {
				rowO += " n/a |"
				rowP += " n/a |"
				continue
			}
			rowO += " " + cell(quartiles(theirs[i])) + " |"
			wPlus, n, pv := wilcoxon(ours[i], theirs[i])
			who := "ours lower"
			if wPlus > float64(n*(n+1))/4 {
				who = "optuna lower"
			}
			rowP += fmt.Sprintf(" p=%.3g (%s) |", pv, who)
		}
		fmt.Fprintf(w, "| %s | %s |%s\n", p.name, ns.name, row)
		if ref != nil {
			fmt.Fprintf(w, "| %s | optuna %s tpe mv+group+liar |%s\n", p.name, ref.Version, rowO)
			fmt.Fprintf(w, "| %s | Wilcoxon ours vs optuna |%s\n", p.name, rowP)
		}
	}
	fmt.Fprintln(w)
	return nil
}
