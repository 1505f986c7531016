// Command worker runs the workflows and activities of Super-Max HPO studies:
// it polls one Temporal task queue, runs StudyWorkflow and TrialWorkflow,
// and trains trial epochs on its devices, one trial at a time per device.
// `worker --help` lists the flags and their environment variables.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

func main() {
	app := &cli.App{
		Name:  "worker",
		Usage: "run Super-Max HPO studies and train their trials",
		Description: "Polls the task queue for StudyWorkflow and TrialWorkflow tasks and trains trial epochs.\n" +
			"Each device in --devices is one trial slot (a Temporal session; DEVICE*K gives it K slots), so a trial's epochs stay on one\n" +
			"device while this worker lives; if the worker dies, the trial opens a session on another worker and\n" +
			"resumes from its last checkpoint (the outdir must be shared). On SIGINT/SIGTERM no new epoch starts,\n" +
			"running epochs get --stop-timeout to finish and checkpoint, then the worker stops polling.\n" +
			"Trainers: simulated always; gotch only in a build with -tags gotch (make libtorch, then make build).",
		Flags:  flags(),
		Action: run,
	}
	if err := app.Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}
