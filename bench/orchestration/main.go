// Command orchestration benchmarks study orchestration against a running
// Temporal server: N trials × E epochs of a fixed duration d at parallelism
// P, with the simulated trainer in an in-process worker of P slots. It
// prints the slot efficiency N·E·d / (P·wall), the gap between one epoch's
// end and the next epoch's start within a trial and on a slot (p50, p99),
// the number of workflow runs, the largest run history (events, bytes), the
// largest event, and the process memory at start and end.
// scripts/bench-orchestration.sh starts a dev server and runs it.
package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/redsm5/supermax-hpo/worker/conn"
)

func main() {
	app := &cli.App{
		Name:  "orchestration",
		Usage: "benchmark study orchestration on a Temporal server",
		Flags: append(conn.Flags(),
			&cli.IntFlag{Name: "trials", Value: 1000, EnvVars: []string{"BENCH_TRIALS"}, Usage: "N, trials"},
			&cli.IntFlag{Name: "epochs", Value: 1, EnvVars: []string{"BENCH_EPOCHS"}, Usage: "E, epochs per trial"},
			&cli.DurationFlag{Name: "epoch", Value: 1e9, EnvVars: []string{"BENCH_EPOCH"}, Usage: "d, duration of one epoch"},
			&cli.IntFlag{Name: "parallel", Value: 16, EnvVars: []string{"BENCH_PARALLEL"}, Usage: "P, trials at once (= worker slots)"},
			&cli.IntFlag{Name: "trials-per-run", Value: 100, EnvVars: []string{"BENCH_TRIALS_PER_RUN"}, Usage: "K, continue-as-new after K trials"},
			&cli.StringFlag{Name: "dir", Value: os.TempDir(), Usage: "scratch `DIR` for the ledger and checkpoints"},
		),
		Action: func(c *cli.Context) error {
			cfg, err := configFromCLI(c)
			if err != nil {
				return err
			}
			return run(c.Context, cfg, os.Stdout)
		},
	}
	if err := app.Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "orchestration:", err)
		os.Exit(1)
	}
}
