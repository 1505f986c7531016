package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/redsm5/supermax-hpo/activities/simtrainer"
	"github.com/redsm5/supermax-hpo/worker/conn"
	"github.com/redsm5/supermax-hpo/worker/setup"
	"github.com/redsm5/supermax-hpo/workflows"
)

// errUsage marks a bad flag or environment value; main exits 2 on it.
var errUsage = errors.New("invalid worker setting")

// config is the worker's validated command line.
type config struct {
	conn      conn.Options
	taskQueue string
	// devices are "cpu" or "cuda:N", one trial slot (session) each; a
	// device with K slots appears K times.
	devices []string
	// stopTimeout is how long a stopping worker waits for running epochs
	// (worker.Options.WorkerStopTimeout).
	stopTimeout time.Duration
	// heartbeatEvery is how often a training epoch heartbeats.
	heartbeatEvery time.Duration
	// trainers configures the simulated and gotch trainers.
	trainers setup.TrainerOptions
	verbose  bool
}

func flags() []cli.Flag {
	return append(conn.Flags(),
		&cli.StringFlag{Name: "task-queue", Value: workflows.TaskQueue, EnvVars: []string{"SUPERMAX_TASK_QUEUE"},
			Usage: "task `QUEUE` to poll (starters must use the same)"},
		&cli.StringFlag{Name: "devices", Value: "cpu", EnvVars: []string{"SUPERMAX_DEVICES"},
			Usage: "`LIST` of devices: cpu, or cuda:0,cuda:1,...; DEVICE*K gives a device K trial slots (cuda:0*2,cuda:1*2)"},
		&cli.DurationFlag{Name: "stop-timeout", Value: 2 * time.Minute, EnvVars: []string{"SUPERMAX_STOP_TIMEOUT"},
			Usage: "on SIGINT/SIGTERM, how long running epochs may take to finish and checkpoint before they are cancelled"},
		&cli.DurationFlag{Name: "heartbeat-every", Value: 5 * time.Second,
			Usage: "how often a training epoch heartbeats its progress"},
		&cli.DurationFlag{Name: "sim-epoch", Value: time.Second, EnvVars: []string{"SUPERMAX_SIM_EPOCH"},
			Usage: "duration of one epoch of the simulated trainer (trainer kind simulated)"},
		&cli.IntFlag{Name: "sim-steps", Value: 10, EnvVars: []string{"SUPERMAX_SIM_STEPS"},
			Usage: "steps per epoch of the simulated trainer (progress is heartbeated after each)"},
		&cli.StringFlag{Name: "data-dir", EnvVars: []string{"HPO_DATA_DIR"},
			Usage: "ReDSM5 CSV `DIR` (posts.csv, annotations.csv) for the gotch trainer"},
		&cli.StringFlag{Name: "outdir", Value: "_runs", EnvVars: []string{"HPO_OUTDIR"},
			Usage: "output root `DIR` of the gotch trainer (each study's data split is saved under it); made absolute"},
		&cli.IntFlag{Name: "threads", EnvVars: []string{"HPO_TORCH_THREADS"},
			Usage: "libtorch intra-op threads for the gotch trainer (0: libtorch's default)"},
		&cli.BoolFlag{Name: "verbose", Usage: "log every SDK message (default: warnings and errors, plus our own lines)"},
	)
}

// configFromCLI reads and validates the flags.
func configFromCLI(c *cli.Context) (config, error) {
	cfg := config{
		conn:           conn.FromCLI(c),
		taskQueue:      c.String("task-queue"),
		stopTimeout:    c.Duration("stop-timeout"),
		heartbeatEvery: c.Duration("heartbeat-every"),
		trainers: setup.TrainerOptions{
			Sim:     simtrainer.Config{EpochDuration: c.Duration("sim-epoch"), Steps: c.Int("sim-steps")},
			DataDir: c.String("data-dir"),
			Threads: c.Int("threads"),
		},
		verbose: c.Bool("verbose"),
	}
	if err := cfg.conn.Validate(); err != nil {
		return config{}, fmt.Errorf("%w: %w", errUsage, err)
	}
	if cfg.taskQueue == "" {
		return config{}, fmt.Errorf("%w: --task-queue is empty", errUsage)
	}
	if cfg.stopTimeout <= 0 {
		return config{}, fmt.Errorf("%w: --stop-timeout %v must be positive", errUsage, cfg.stopTimeout)
	}
	if cfg.heartbeatEvery <= 0 {
		return config{}, fmt.Errorf("%w: --heartbeat-every %v must be positive", errUsage, cfg.heartbeatEvery)
	}
	if sim := cfg.trainers.Sim; sim.EpochDuration < 0 || sim.Steps < 1 {
		return config{}, fmt.Errorf("%w: --sim-epoch %v must be >= 0 and --sim-steps %d >= 1", errUsage, sim.EpochDuration, sim.Steps)
	}
	if cfg.trainers.Threads < 0 {
		return config{}, fmt.Errorf("%w: --threads %d must be >= 0", errUsage, cfg.trainers.Threads)
	}
	outdir, err := filepath.Abs(c.String("outdir"))
	if err != nil {
		return config{}, fmt.Errorf("%w: --outdir %q: %w", errUsage, c.String("outdir"), err)
	}
	cfg.trainers.OutDir = outdir
	devices, err := parseDevices(c.String("devices"))
	if err != nil {
		return config{}, err
	}
	cfg.devices = devices
	return cfg, nil
}

// maxSlotsPerDevice bounds N in "DEVICE*N" (a typo guard: each slot holds a
// whole trial's model, optimizer state and activations in device memory).
const maxSlotsPerDevice = 64

// parseDevices reads "cpu" or a comma-separated list of "cuda:N" (N >= 0,
// no repeats), each optionally followed by "*K" (1 <= K <= 64): K trial
// slots on that device, so K trials train on it at once. The result has one
// entry per slot, a device's slots next to each other. Deterministic; the
// order is kept.
func parseDevices(list string) ([]string, error) {
	if strings.TrimSpace(list) == "" {
		return nil, fmt.Errorf("%w: --devices is empty (want cpu or cuda:0,cuda:1,..., each optionally *K for K slots)", errUsage)
	}
	var devices []string
	seen := map[string]bool{}
	for _, entry := range strings.Split(list, ",") {
		d, slots, err := splitSlots(strings.TrimSpace(entry))
		if err == nil {
			err = checkDevice(d)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: --devices %q: %w", errUsage, list, err)
		}
		if seen[d] {
			return nil, fmt.Errorf("%w: --devices %q: %s appears twice (for several trials on one device write %s*K)", errUsage, list, d, d)
		}
		seen[d] = true
		for range slots {
			devices = append(devices, d)
		}
	}
	if seen["cpu"] && len(seen) > 1 {
		return nil, fmt.Errorf("%w: --devices %q: cpu cannot be combined with other devices", errUsage, list)
	}
	return devices, nil
}

// splitSlots splits "DEVICE*K" into the device and K; without "*", K is 1.
func splitSlots(entry string) (string, int, error) {
	d, k, ok := strings.Cut(entry, "*")
	if !ok {
		return entry, 1, nil
	}
	n, err := strconv.Atoi(k)
	if err != nil || n < 1 || n > maxSlotsPerDevice || strconv.Itoa(n) != k {
		return "", 0, fmt.Errorf("%q: the slot count %q is not a whole number from 1 to %d", entry, k, maxSlotsPerDevice)
	}
	return d, n, nil
}

func checkDevice(d string) error {
	if d == "cpu" {
		return nil
	}
	idx, ok := strings.CutPrefix(d, "cuda:")
	if !ok {
		return fmt.Errorf("device %q is not cpu or cuda:N", d)
	}
	n, err := strconv.Atoi(idx)
	if err != nil || n < 0 || strconv.Itoa(n) != idx {
		return fmt.Errorf("device %q: %q is not a GPU index (0, 1, ...)", d, idx)
	}
	return nil
}
