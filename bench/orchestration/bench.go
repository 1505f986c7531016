package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/activities/simtrainer"
	"github.com/redsm5/supermax-hpo/hpo/pruners"
	"github.com/redsm5/supermax-hpo/worker/conn"
	"github.com/redsm5/supermax-hpo/worker/setup"
	"github.com/redsm5/supermax-hpo/workflows"
)

// taskQueue is the benchmark's own queue, so no other worker takes its tasks.
const taskQueue = "supermax-bench-orchestration"

var errUsage = errors.New("invalid benchmark setting")

type config struct {
	conn                             conn.Options
	trials, epochs, parallel, perRun int
	epoch                            time.Duration
	dir                              string
}

func configFromCLI(c *cli.Context) (config, error) {
	cfg := config{conn: conn.FromCLI(c), trials: c.Int("trials"), epochs: c.Int("epochs"), parallel: c.Int("parallel"),
		perRun: c.Int("trials-per-run"), epoch: c.Duration("epoch"), dir: c.String("dir")}
	if cfg.trials < 1 || cfg.epochs < 1 || cfg.parallel < 1 || cfg.perRun < 0 || cfg.epoch < 0 {
		return cfg, fmt.Errorf("%w: want trials, epochs, parallel >= 1, trials-per-run >= 0, epoch >= 0; got %d, %d, %d, %d, %v",
			errUsage, cfg.trials, cfg.epochs, cfg.parallel, cfg.perRun, cfg.epoch)
	}
	if err := cfg.conn.Validate(); err != nil {
		return cfg, fmt.Errorf("%w: %w", errUsage, err)
	}
	return cfg, nil
}

// run starts an in-process worker with P slots, runs the study to its end
// and writes the report to w. Blocking.
func run(ctx context.Context, cfg config, w io.Writer) error {
	h := slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})
	cl, err := conn.Dial(ctx, cfg.conn, tlog.NewStructuredLogger(slog.New(h)))
	if err != nil {
		return err
	}
	defer cl.Close()
	rec := &recorder{}
	stopWorker, err := startWorker(cl, cfg, rec)
	if err != nil {
		return err
	}
	defer stopWorker()
	memStart := readMemory()
	spec, err := benchSpec(cfg)
	if err != nil {
		return err
	}
	start := time.Now()
	stopProgress := progress(rec, start, time.Minute)
	firstRun, res, err := runStudy(ctx, cl, spec)
	stopProgress()
	if err != nil {
		return err
	}
	wall := time.Since(start)
	memEnd := readMemory()
	hist, err := studyHistories(ctx, cl, spec.Study, firstRun)
	if err != nil {
		return err
	}
	report(w, cfg, spec.Study, res, wall, rec.calls(), hist, memStart, memEnd)
	return nil
}

// startWorker runs one worker with P slots (sessions) and the simulated
// trainer behind rec; the returned func stops it.
func startWorker(cl client.Client, cfg config, rec *recorder) (func(), error) {
	sim, err := simtrainer.New(simtrainer.Config{EpochDuration: cfg.epoch, Steps: 2})
	if err != nil {
		return nil, err
	}
	slots := make([]string, cfg.parallel)
	for i := range slots {
		slots[i] = fmt.Sprintf("slot-%d", i) // the simulated trainer uses no device
	}
	acts, err := activities.New(activities.Config{OpenLedger: setup.OpenLedger, Devices: slots,
		Trainers: map[string]activities.Trainer{workflows.TrainerSimulated: rec.wrap(sim)}})
	if err != nil {
		return nil, err
	}
	wk := worker.New(cl, taskQueue, setup.WorkerOptions(slots, 10*time.Second))
	setup.Register(wk, acts)
	if err := wk.Start(); err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	return func() {
		wk.Stop()
		if err := activities.Close(acts); err != nil {
			fmt.Fprintln(os.Stderr, "orchestration: close activities:", err)
		}
	}, nil
}

// benchSpec: random sampler (TPE's cost is benchmarked apart), no pruner and
// no early stopping, so every trial trains exactly E epochs.
func benchSpec(cfg config) (workflows.StudySpec, error) {
	spec, err := workflows.DefaultStudySpec("evidence")
	if err != nil {
		return spec, err
	}
	spec.Study = fmt.Sprintf("bench-%dx%dx%v-p%d-%s", cfg.trials, cfg.epochs, cfg.epoch, cfg.parallel, time.Now().Format("150405"))
	spec.NTrials, spec.Epochs, spec.Parallel, spec.TrialsPerRun = cfg.trials, cfg.epochs, cfg.parallel, cfg.perRun
	spec.Sampler, spec.Pruner, spec.Patience = workflows.SamplerRandom, pruners.NoneConfig(), 0
	spec.Trainer = workflows.TrainerSimulated
	spec.Outdir = filepath.Join(cfg.dir, "out")
	spec.Storage = "sqlite:///" + filepath.Join(cfg.dir, "ledger.db")
	if err := spec.Validate(); err != nil {
		return spec, fmt.Errorf("%w: %w", errUsage, err)
	}
	return spec, nil
}

// runStudy starts the study and waits for its last run's result; it
// returns the first run's ID.
func runStudy(ctx context.Context, cl client.Client, spec workflows.StudySpec) (string, workflows.StudyResult, error) {
	var res workflows.StudyResult
	r, err := cl.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: spec.Study, TaskQueue: taskQueue},
		workflows.StudyWorkflowName, spec)
	if err != nil {
		return "", res, fmt.Errorf("start study: %w", err)
	}
	// Get follows the continue-as-new chain to the last run's result, and
	// from then on GetRunID names that last run: keep the first one now.
	first := r.GetRunID()
	if err := r.Get(ctx, &res); err != nil {
		return "", res, fmt.Errorf("study %s: %w", spec.Study, err)
	}
	return first, res, nil
}

// progress prints, every interval, how many epochs have been trained, so a
// long run that is cut short still leaves its rate on stderr. The returned
// func stops it.
func progress(rec *recorder, start time.Time, every time.Duration) func() {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintf(os.Stderr, "orchestration: %d epochs trained after %.0fs\n", rec.count(), time.Since(start).Seconds())
			}
		}
	}()
	return func() { close(done) }
}
