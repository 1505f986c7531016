// Command pruner is `make bench-pruner`: it runs the same simulated studies
// (see curve for the family of learning curves) under no pruning, median,
// successive halving, Hyperband and patient-Hyperband, with early stopping
// (patience 20) as in the study, and prints epochs spent, the best value
// found and the size of each pruner's state as Markdown. Deterministic: the
// same flags print the same numbers (except timings).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/redsm5/supermax-hpo/hpo/earlystop"
	"github.com/redsm5/supermax-hpo/hpo/pruners"
)

type options struct {
	trials, epochs, parallel, patience, seeds, stateTrials int
}

func main() {
	var o options
	flag.IntVar(&o.trials, "trials", 500, "trials per study")
	flag.IntVar(&o.epochs, "epochs", 100, "epochs per trial at most")
	flag.IntVar(&o.parallel, "parallel", 4, "trials running at once")
	flag.IntVar(&o.patience, "patience", 20, "early stopping patience (epochs)")
	flag.IntVar(&o.seeds, "seeds", 5, "studies (curve seeds) per pruner")
	flag.IntVar(&o.stateTrials, "state-trials", 8000, "trials of the study whose state sizes are reported (0: skip)")
	flag.Parse()
	if err := run(os.Stdout, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench-pruner:", err)
		os.Exit(1)
	}
}

// pruner is one column of the comparison.
type pruner struct {
	name string
	cfg  pruners.Config
}

func lineup(epochs int) []pruner {
	return []pruner{
		{"none", pruners.NoneConfig()},
		{"median", pruners.MedianConfig()},
		{"successive halving", pruners.SuccessiveHalvingConfig()},
		{"hyperband", pruners.HyperbandConfig(epochs)},
		{"patient-hyperband", pruners.DefaultConfig(epochs)},
	}
}

func run(w io.Writer, o options) error {
	if o.trials < 1 || o.epochs < 1 || o.parallel < 1 || o.patience < 1 || o.seeds < 1 || o.stateTrials < 0 {
		return fmt.Errorf("every flag must be >= 1 (state-trials >= 0): %+v", o)
	}
	fmt.Fprintf(w, "%d studies (seeds 1..%d) x %d trials x <= %d epochs, %d in parallel, early stopping patience %d\n\n",
		o.seeds, o.seeds, o.trials, o.epochs, o.parallel, o.patience)
	fmt.Fprintln(w, "| pruner | epochs (mean) | saved | complete trials (mean) | best value (median) | true metric of best (median) | regret vs oracle (median) |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
	var baseline float64
	for _, p := range lineup(o.epochs) {
		var epochs, complete float64
		var best, truth, regret []float64
		for seed := 1; seed <= o.seeds; seed++ {
			s := newStudy(o, o.trials, int64(seed))
			r, err := s.run(p.cfg, o.trials)
			if err != nil {
				return err
			}
			epochs += float64(r.epochs) / float64(o.seeds)
			complete += float64(r.complete) / float64(o.seeds)
			best, truth = append(best, r.best), append(truth, r.bestTrue)
			regret = append(regret, s.oracle()-r.bestTrue)
		}
		if p.name == "none" {
			baseline = epochs
		}
		fmt.Fprintf(w, "| %s | %.0f | %.1f%% | %.0f | %.4f | %.4f | %.4f |\n", p.name, epochs,
			100*(1-epochs/baseline), complete, median(best), median(truth), median(regret))
	}
	if o.stateTrials == 0 {
		return nil
	}
	return stateSizes(w, o)
}

// stateSizes runs one study of o.stateTrials trials per pruner and prints the
// size of its serialized state.
func stateSizes(w io.Writer, o options) error {
	fmt.Fprintf(w, "\nState size, one study of %d trials x <= %d epochs (seed 1), sampled every 100 finished trials\n\n", o.stateTrials, o.epochs)
	fmt.Fprintln(w, "| pruner | final state (bytes) | peak state (bytes) | epochs | complete trials | Report mean (ns) | restored state decides the same |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---|")
	s := newStudy(o, o.stateTrials, 1)
	// A median pruner that never prunes keeps every trial's whole curve:
	// the upper bound of median's state on this curve family.
	bound := pruners.MedianConfig()
	bound.NStartupTrials = o.stateTrials + 1
	for _, p := range append(lineup(o.epochs), pruner{"median, never prunes (upper bound)", bound}) {
		r, err := s.run(p.cfg, 100)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %.0f | %v |\n", p.name, r.finalState, r.peakState,
			r.epochs, r.complete, r.reportNs, r.restoredMatches)
	}
	return nil
}

func newStudy(o options, trials int, seed int64) study {
	s := study{name: fmt.Sprintf("bench-pruner-%d", seed), epochs: o.epochs, parallel: o.parallel,
		stopping: earlystop.EarlyStopping{Patience: o.patience}}
	for n := 0; n < trials; n++ {
		s.curves = append(s.curves, newCurve(seed, n, o.epochs))
	}
	return s
}

// oracle is the best noise-free metric any trial of the study could reach.
func (s study) oracle() float64 {
	best := 0.0
	for _, c := range s.curves {
		best = max(best, c.peak(s.epochs))
	}
	return best
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
