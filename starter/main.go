// Command starter starts and steers studies on Temporal, and, like optuna
// ask/tell, drives a study's ledger directly. It only wires commands; each
// lives in its own file.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newApp().RunContext(ctx, os.Args)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "starter:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// newApp builds the command line: the root action starts a study; the
// subcommands steer studies and drive the ledger.
func newApp() *cli.App {
	return &cli.App{
		Name:     "starter",
		Usage:    "start, watch and steer hyperparameter studies; ask/tell/best on a study's ledger",
		Flags:    studyFlags(),
		Action:   startStudy,
		Commands: append([]*cli.Command{askCommand(), tellCommand(), bestCommand(), tinyModelCommand(), tuneCommand(), tuneDownCommand(), exportCommand(), reportCommand(), narrowCommand()}, studyCommands()...),
	}
}
