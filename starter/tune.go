package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/redsm5/supermax-hpo/worker/conn"
	"github.com/redsm5/supermax-hpo/worker/local"
	"github.com/redsm5/supermax-hpo/workflows"
)

// tuneDefaultTrials is tune-supermax's --n-trials default, the original
// CLI command's (the make targets pass each agent's count).
const tuneDefaultTrials = 5000

// tuneCommand is `starter tune-supermax`: the original's one-command run
// (dev server, workers, study, live progress) on one machine.
func tuneCommand() *cli.Command {
	return &cli.Command{
		Name:  "tune-supermax",
		Usage: "run a whole study on this machine: Temporal (TEMPORAL_ADDRESS or an embedded dev server), workers for the local devices, live progress; Ctrl-C detaches",
		Description: "Starts the study, or re-attaches to it when it runs already. Without TEMPORAL_ADDRESS it starts the Temporal\n" +
			"dev server of the outdir (SQLite in <outdir>/.supermax/temporal.db) in the background; it starts one worker per\n" +
			"device (DEVICES; default every CUDA GPU nvidia-smi lists, else --parallel CPU slots) in the background too.\n" +
			"Ctrl-C only detaches: the study keeps running; run the same command again to re-attach. When the study ends,\n" +
			"its results and report are in the outdir and the processes started here are stopped.\n" +
			"Defaults as the original's command: 5,000 trials, parallel 4, 100 epochs (HPO_EPOCHS), patience 20 (HPO_PATIENCE).",
		Flags:  tuneFlags(),
		Action: tuneCmd,
	}
}

// tuneDownCommand stops the background processes tune-supermax started.
func tuneDownCommand() *cli.Command {
	return &cli.Command{
		Name:  "tune-down",
		Usage: "stop the workers and dev server that tune-supermax started for an outdir (studies stay in the ledger and resume on the next tune-supermax)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "outdir", Value: "_runs", EnvVars: []string{"HPO_OUTDIR"}, Usage: "output `DIR` the processes were started for"},
			&cli.DurationFlag{Name: "grace", Value: 2*time.Minute + 10*time.Second, Usage: "how long workers may take to checkpoint running epochs"},
		},
		Action: func(c *cli.Context) error {
			outdir, err := filepath.Abs(c.String("outdir"))
			if err != nil {
				return fmt.Errorf("%w: --outdir %q: %w", errUsage, c.String("outdir"), err)
			}
			return local.Shutdown(c.Context, outdir, c.Duration("grace"), os.Stdout)
		},
	}
}

// tuneFlags are the study flags plus what the local machinery needs.
func tuneFlags() []cli.Flag {
	cache := os.Getenv("SUPERMAX_CACHE")
	if cache == "" {
		if home, err := os.UserHomeDir(); err == nil {
			cache = filepath.Join(home, ".cache", "supermax-hpo")
		}
	}
	return append(studyFlags(),
		&cli.StringFlag{Name: "devices", EnvVars: []string{"DEVICES"}, DefaultText: "every CUDA GPU, else cpu",
			Usage: "`LIST` of devices to start workers for: cpu (--parallel CPU slots) or cuda:0,cuda:1,..."},
		&cli.IntFlag{Name: "threads", EnvVars: []string{"HPO_TORCH_THREADS"}, DefaultText: "CPU cores / CPU slots",
			Usage: "libtorch threads of each CPU worker"},
		&cli.StringFlag{Name: "temporal-cli", EnvVars: []string{"TEMPORAL_CLI"}, Value: filepath.Join(cache, "bin", "temporal"),
			Usage: "Temporal CLI `BINARY` that runs the dev server (make temporal builds it)"},
		&cli.StringFlag{Name: "worker-bin", DefaultText: "worker next to this starter", Usage: "worker `BINARY` to start"},
		&cli.IntFlag{Name: "top-k", Value: 10, Usage: "best `K` trials re-evaluated on the test split and written to <agent>_<study>_topk.json"},
		&cli.DurationFlag{Name: "every", Value: 2 * time.Second, Usage: "progress refresh interval"},
	)
}

func tuneCmd(c *cli.Context) error {
	spec, notes, err := specFromCLI(c)
	if err != nil {
		return err
	}
	if !c.IsSet("n-trials") {
		spec.NTrials = tuneDefaultTrials
	}
	if err := tuneOutputs(c, &spec); err != nil {
		return err
	}
	devices, err := tuneDevices(c.Context, c.String("devices"), spec.Parallel)
	if err != nil {
		return err
	}
	workerExe, err := workerBinary(c.String("worker-bin"))
	if err != nil {
		return err
	}
	if c.Duration("every") <= 0 {
		return fmt.Errorf("%w: --every %v must be positive", errUsage, c.Duration("every"))
	}
	o := conn.FromCLI(c)
	if err := o.Validate(); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	lo := local.Options{
		Outdir: spec.Outdir, TemporalCLI: c.String("temporal-cli"), WorkerExe: workerExe, Devices: devices,
		WorkerArgs: workerArgs(o.Namespace, c.String("task-queue"), spec.Outdir, threadsPerWorker(c, devices)),
		Env:        workerEnv(), Log: os.Stdout,
	}
	if c.IsSet(conn.FlagAddress) {
		lo.Address = o.Address
		fmt.Printf("Temporal: %s (TEMPORAL_ADDRESS)\n", o.Address)
	}
	st, address, err := local.Up(c.Context, lo)
	if err != nil {
		return err
	}
	o.Address = address
	ui := c.String(flagUI)
	if st.Server != nil && lo.Address == "" {
		ui = st.Server.UI
	}
	cl, err := conn.Dial(c.Context, o, quietLogger())
	if err != nil {
		return err
	}
	defer cl.Close()
	return tuneRun(c.Context, cl, tuneSession{spec: spec, notes: notes, taskQueue: c.String("task-queue"),
		conn: o, ui: ui, ownServer: lo.Address == "", every: c.Duration("every")})
}

// tuneSession is what tuneRun needs besides the client.
type tuneSession struct {
	spec      workflows.StudySpec
	notes     []string
	taskQueue string
	conn      conn.Options
	ui        string
	ownServer bool
	every     time.Duration
}

// tuneRun starts or re-attaches the study, follows it until it ends (then
// stops the local processes) or until ctx ends (then detaches).
func tuneRun(ctx context.Context, cl client.Client, t tuneSession) error {
	ended, err := studyEnded(ctx, cl, t.spec.Study)
	if err != nil {
		return err
	}
	if ended {
		fmt.Printf("study %s has ended already; its results are in %s (start another with --study NAME)\n", t.spec.Study, t.spec.Outdir)
		return waitResult(ctx, cl, t.spec.Study)
	}
	attached, err := isRunning(ctx, cl, t.spec.Study)
	if err != nil {
		return err
	}
	run, err := cl.ExecuteWorkflow(ctx, startOptions(t.spec, t.taskQueue), workflows.StudyWorkflowName, t.spec)
	if err != nil {
		return fmt.Errorf("start study %s: %w", t.spec.Study, err)
	}
	if attached {
		fmt.Printf("re-attached to the running study %s (it keeps its own settings)\n", t.spec.Study)
	} else {
		fmt.Printf("started study %s (agent %s, %d trials, parallel %d, %d epochs, patience %d, trainer %s)\n",
			t.spec.Study, t.spec.Agent, t.spec.NTrials, t.spec.Parallel, t.spec.Epochs, t.spec.Patience, t.spec.Trainer)
		printSpace(t.spec, t.notes)
	}
	fmt.Printf("Web UI: %s\noutdir: %s\nledger: %s\n", workflowLink(t.ui, t.conn.Namespace, run.GetID()), t.spec.Outdir, t.spec.Storage)
	printHowToStop(t)
	err = watchWithETA(ctx, cl, t.spec.Study, t.every, os.Stdout, isTerminal(os.Stdout))
	if errors.Is(err, context.Canceled) {
		fmt.Printf("\ndetached: study %s keeps running in the background; run the same command again to re-attach\n", t.spec.Study)
		return nil
	}
	if err != nil {
		return err
	}
	printOutputs(t.spec)
	fmt.Println("stopping the workers and dev server started for this outdir")
	return local.Shutdown(context.WithoutCancel(ctx), t.spec.Outdir, 2*time.Minute+10*time.Second, os.Stdout)
}

// printHowToStop tells how to detach, stop, cancel and shut down.
func printHowToStop(t tuneSession) {
	addr := ""
	if t.ownServer {
		addr = " --address " + t.conn.Address
	}
	fmt.Printf("Ctrl-C detaches (the study keeps running). To end it:\n")
	fmt.Printf("  starter stop%s --study %s     # no new trials; running ones finish\n", addr, t.spec.Study)
	fmt.Printf("  starter cancel%s --study %s   # cancel running trials now\n", addr, t.spec.Study)
	fmt.Printf("  starter tune-down --outdir %s   # stop this machine's workers and dev server (the study resumes on the next run)\n", t.spec.Outdir)
}

// studyEnded reports whether the study's workflow exists and has
// completed, so tune-supermax does not start a second study of that name.
func studyEnded(ctx context.Context, cl client.Client, id string) (bool, error) {
	d, err := cl.DescribeWorkflow(ctx, id, "")
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("describe study %s: %w", id, err)
	}
	return d.RawResponse.GetWorkflowExecutionInfo().GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED, nil
}

// tuneDevices is the worker device list: "cpu" (or nothing and no GPU)
// becomes parallel CPU slots; otherwise a comma list of cuda:N.
func tuneDevices(ctx context.Context, list string, parallel int) ([]string, error) {
	var devs []string
	if strings.TrimSpace(list) == "" {
		devs = local.DetectDevices(ctx)
	} else {
		for _, d := range strings.Split(list, ",") {
			devs = append(devs, strings.TrimSpace(d))
		}
	}
	if len(devs) == 0 || (len(devs) == 1 && devs[0] == "cpu") {
		cpu := make([]string, parallel)
		for i := range cpu {
			cpu[i] = "cpu"
		}
		return cpu, nil
	}
	seen := map[string]bool{}
	for _, d := range devs {
		var n int
		if _, err := fmt.Sscanf(d, "cuda:%d", &n); err != nil || n < 0 || fmt.Sprintf("cuda:%d", n) != d || seen[d] {
			return nil, fmt.Errorf("%w: DEVICES/--devices %q: %q is not cpu or a new cuda:N", errUsage, list, d)
		}
		seen[d] = true
	}
	return devs, nil
}

// workerBinary resolves --worker-bin, by default the worker next to this
// starter (bin/worker beside bin/starter).
func workerBinary(flag string) (string, error) {
	path := flag
	if path == "" {
		self, err := os.Executable()
		if err != nil {
			return "", fmt.Errorf("find the worker binary: %w (give --worker-bin)", err)
		}
		path = filepath.Join(filepath.Dir(self), "worker")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("%w: --worker-bin %q: %w", errUsage, path, err)
	}
	if info, err := os.Stat(abs); err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
		return "", fmt.Errorf("%w: no worker binary at %s (make build, or give --worker-bin)", errUsage, abs)
	}
	return abs, nil
}

// threadsPerWorker is --threads, or for CPU slots the cores shared out
// (at least one each); 0 (libtorch's default) for GPU workers.
func threadsPerWorker(c *cli.Context, devices []string) int {
	if c.IsSet("threads") {
		return c.Int("threads")
	}
	if devices[0] != "cpu" {
		return 0
	}
	return max(1, runtime.NumCPU()/len(devices))
}

// workerArgs returns the flags of a worker process.
func workerArgs(namespace, taskQueue, outdir string, threads int) func(address, device string) []string {
	return func(address, device string) []string {
		args := []string{"--address", address, "--namespace", namespace, "--task-queue", taskQueue,
			"--devices", device, "--outdir", outdir}
		if threads > 0 {
			args = append(args, "--threads", fmt.Sprint(threads))
		}
		return args
	}
}

// workerEnv is this process's environment with MALLOC_ARENA_MAX=2 unless
// set (glibc otherwise grows an arena per thread; docs/benchmarks.md).
func workerEnv() []string {
	env := os.Environ()
	if _, ok := os.LookupEnv("MALLOC_ARENA_MAX"); !ok {
		env = append(env, "MALLOC_ARENA_MAX=2")
	}
	return env
}
