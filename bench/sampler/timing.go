package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/random"
)

// syntheticValue scores a trial of agentSpace with a smooth function of a
// few parameters plus a categorical effect, so the history has structure
// for TPE to split on. It is a stand-in for a validation metric.
func syntheticValue(space *hpo.Space, params map[string]float64) float64 {
	v := 0.0
	for _, p := range space.Params() {
		x, ok := params[p.Name]
		if !ok {
			continue
		}
		switch d := p.Dist.(type) {
		case hpo.FloatDistribution:
			u := (x - d.Low) / (d.High - d.Low)
			if d.Log {
				u = (math.Log(x) - math.Log(d.Low)) / (math.Log(d.High) - math.Log(d.Low))
			}
			v -= (u - 0.3) * (u - 0.3)
		case hpo.IntDistribution:
			u := (x - float64(d.Low)) / math.Max(1, float64(d.High-d.Low))
			v -= 0.5 * (u - 0.6) * (u - 0.6)
		case hpo.CategoricalDistribution:
			if int(x) == 1 {
				v += 0.05
			}
		}
	}
	return v
}

// randomHistory returns n COMPLETE trials of space drawn by the random
// sampler and scored by syntheticValue (maximize), as the ledger would hand
// them to a sampler: internal values plus their distributions.
func randomHistory(space *hpo.Space, n int, seed int64) ([]hpo.Trial, error) {
	r := random.New()
	hist := make([]hpo.Trial, 0, n)
	for i := range n {
		params, err := r.Sample(hpo.Study{Seed: seed}, space, nil, i)
		if err != nil {
			return nil, err
		}
		dists := make(map[string]hpo.Distribution, len(params))
		for _, p := range space.Params() {
			if _, ok := params[p.Name]; ok {
				dists[p.Name] = p.Dist
			}
		}
		v := syntheticValue(space, params)
		hist = append(hist, hpo.Trial{Number: i, State: hpo.Complete, Value: &v, Params: params, Dists: dists})
	}
	return hist, nil
}

// timing is the latency of one suggestion over a fixed history.
type timing struct {
	sampler  string
	observed int
	median   time.Duration
	p90      time.Duration
	cpu      time.Duration // median CPU time
	reps     int
}

// timeSuggestions times reps suggestions (trial numbers n, n+1, ...) of s
// with the first n trials of hist as history.
func timeSuggestions(name string, s hpo.Sampler, study hpo.Study, space *hpo.Space, hist []hpo.Trial, n, reps int) (timing, error) {
	ds := make([]time.Duration, reps)
	cs := make([]time.Duration, reps)
	for r := range reps {
		start, cpu := time.Now(), cpuTime()
		if _, err := s.Sample(study, space, hist[:n], n+r); err != nil {
			return timing{}, fmt.Errorf("%s at %d trials: %w", name, n, err)
		}
		ds[r], cs[r] = time.Since(start), cpuTime()-cpu
	}
	slices.Sort(ds)
	slices.Sort(cs)
	return timing{sampler: name, observed: n, median: ds[reps/2], p90: ds[reps*9/10], cpu: cs[reps/2], reps: reps}, nil
}

// writeTiming times suggestions on agentSpace over a random history of
// 8,000 trials (its first 1,000 for the smaller point).
func writeTiming(w io.Writer, samplers []namedSampler, ref *optunaResults, reps int) error {
	space, err := agentSpace()
	if err != nil {
		return err
	}
	hist, err := randomHistory(space, 8000, 1)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "### Time per suggestion, %d-parameter conditional space, random history\n\n", space.Len())
	fmt.Fprintln(w, "| sampler | observed trials | median wall | p90 wall | median CPU | suggestions timed |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	study := hpo.Study{Name: "timing", Direction: hpo.Maximize, Seed: 3}
	for _, n := range []int{1000, 8000} {
		for _, ns := range samplers {
			tm, err := timeSuggestions(ns.name, ns.s, study, space, hist, n, reps)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %d |\n", tm.sampler, n, ms(tm.median), ms(tm.p90), ms(tm.cpu), tm.reps)
		}
	}
	if ref != nil {
		for _, t := range ref.Timing {
			fmt.Fprintf(w, "| optuna %s %s | %d | %.1f ms | %.1f ms | n/a | %d |\n", ref.Version, t.Sampler, t.Observed, t.MedianMS, t.P90MS, t.Reps)
		}
	}
	fmt.Fprintln(w)
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Nanoseconds())/1e6) }
