// Command sampler benchmarks our TPE and random samplers, and reports
// Optuna's TPESampler next to them when optuna_bench.py has written its
// results: on a suite of twelve test problems, best-value quartiles and a
// rank table with paired Wilcoxon tests against Optuna at 50, 100 and 200
// trials, then the time per suggestion at 1,000 and 8,000 observed trials. `make bench-sampler` runs
// it through scripts/bench-sampler.sh.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

func main() {
	seeds := flag.Int("seeds", 30, "seeds per problem and sampler")
	trials := flag.Int("trials", 200, "trials per study")
	optuna := flag.String("optuna", "", "JSON results of optuna_bench.py to merge (optional)")
	reps := flag.Int("timing-reps", 10, "suggestions timed per point (0 skips timing)")
	batch := flag.String("batch", "", "comma list of batch sizes: run only the batch comparison")
	batchProblems := flag.String("batch-problems", "hartmann-6,levy-10,mixed-10,cond-tree", "problems of the batch comparison")
	runsPath := flag.String("runs", "", "JSON file of our per-seed results: read if present, written after the quality runs")
	optunaBatch := flag.String("optuna-batch", "", "JSON results of optuna_bench.py --batch to merge (optional)")
	flag.Parse()
	var err error
	if *batch != "" {
		err = runBatch(os.Stdout, *seeds, *trials, *optuna, *optunaBatch, *batch, strings.Split(*batchProblems, ","))
	} else {
		err = run(os.Stdout, *seeds, *trials, *optuna, *runsPath, *reps)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-sampler:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, seeds, trials int, optunaPath, runsPath string, reps int) error {
	if seeds < 1 || trials < 1 {
		return fmt.Errorf("seeds (%d) and trials (%d) must be positive", seeds, trials)
	}
	ref, err := readOptuna(optunaPath)
	if err != nil {
		return err
	}
	probs, err := problems()
	if err != nil {
		return err
	}
	samplers, err := benchSamplers()
	if err != nil {
		return err
	}
	saved, err := loadRuns(runsPath)
	if err != nil {
		return err
	}
	if err := writeQuality(w, probs, samplers, ref, saved, seeds, trials); err != nil {
		return err
	}
	if err := saveRuns(runsPath, saved); err != nil {
		return err
	}
	if reps > 0 {
		return writeTiming(w, samplers, ref, reps)
	}
	return nil
}

func runBatch(w io.Writer, seeds, trials int, optunaPath, batchPath, batch string, only []string) error {
	if seeds < 1 || trials < 1 {
		return fmt.Errorf("seeds (%d) and trials (%d) must be positive", seeds, trials)
	}
	batches, err := parseBatches(batch)
	if err != nil {
		return err
	}
	main, err := readOptuna(optunaPath)
	if err != nil {
		return err
	}
	ref, err := readBatch(batchPath)
	if err != nil {
		return err
	}
	probs, err := problems()
	if err != nil {
		return err
	}
	for _, name := range only {
		if !slices.ContainsFunc(probs, func(p problem) bool { return p.name == name }) {
			return fmt.Errorf("-batch-problems: no problem %q", name)
		}
	}
	samplers, err := benchSamplers()
	if err != nil {
		return err
	}
	return writeBatch(w, probs, only, samplers[1], main, ref, batches, seeds, trials)
}
