package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/worker/conn"
	"github.com/redsm5/supermax-hpo/worker/setup"
)

// run is the worker's action: connect, register, poll until SIGINT/SIGTERM.
func run(c *cli.Context) error {
	cfg, err := configFromCLI(c)
	if err != nil {
		return err
	}
	trainers, err := setup.Trainers(cfg.trainers)
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	drain := newDrainer()
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := newLogger(cfg.verbose)
	cl, err := conn.Dial(ctx, cfg.conn, logger)
	if err != nil {
		return err
	}
	defer cl.Close()
	acts, err := activities.New(activities.Config{
		OpenLedger:     setup.OpenLedger,
		Trainers:       drain.wrapAll(trainers),
		Devices:        cfg.devices,
		HeartbeatEvery: cfg.heartbeatEvery,
	})
	if err != nil {
		return fmt.Errorf("worker setup: %w", err)
	}
	defer func() {
		if err := activities.Close(acts); err != nil {
			logger.Error("closing ledgers", "error", err)
		}
	}()
	return serve(ctx, cl, cfg, acts, drain)
}

// serve runs a worker on cl until ctx ends, then stops it gracefully: it
// drains the trainers first (running epochs finish and checkpoint, for at
// most the stop timeout), then stops the SDK worker, which ends this
// worker's sessions.
func serve(ctx context.Context, cl client.Client, cfg config, acts *activities.Activities, drain *drainer) error {
	w := worker.New(cl, cfg.taskQueue, setup.WorkerOptions(cfg.devices, cfg.stopTimeout))
	setup.Register(w, acts)
	fmt.Fprintf(os.Stderr, "worker: polling task queue %s on %s (namespace %s), devices %v, pid %d\n",
		cfg.taskQueue, cfg.conn.Address, cfg.conn.Namespace, cfg.devices, os.Getpid())
	interrupt := make(chan any)
	go func() {
		<-ctx.Done()
		fmt.Fprintf(os.Stderr, "worker: stopping; running epochs get up to %v to finish and checkpoint\n", cfg.stopTimeout)
		dctx, cancel := context.WithTimeout(context.Background(), cfg.stopTimeout)
		if !drain.drain(dctx) {
			fmt.Fprintln(os.Stderr, "worker: stop timeout reached; cancelling the epochs still running")
		}
		cancel()
		close(interrupt)
	}()
	if err := w.Run(interrupt); err != nil {
		return fmt.Errorf("worker on task queue %s: %w", cfg.taskQueue, err)
	}
	fmt.Fprintln(os.Stderr, "worker: stopped")
	return nil
}

// newLogger logs SDK messages at warning level, or everything when verbose.
func newLogger(verbose bool) tlog.Logger {
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelDebug
	}
	h := slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})
	return tlog.NewStructuredLogger(slog.New(h))
}
