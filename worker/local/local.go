package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Options configures Up.
type Options struct {
	// Outdir is the study's output folder (absolute); state, logs and the
	// dev server's database live in <Outdir>/.supermax.
	Outdir string
	// Address of a Temporal server to use (TEMPORAL_ADDRESS). Empty: find
	// the dev server this outdir started, or start one.
	Address string
	// TemporalCLI is the Temporal CLI binary that runs the dev server.
	TemporalCLI string
	// WorkerExe is the worker binary.
	WorkerExe string
	// Devices lists one entry per worker process to keep running: "cpu"
	// (may repeat: one CPU trial slot each) or "cuda:N".
	Devices []string
	// WorkerArgs returns a worker's command-line flags for a server address
	// and a device.
	WorkerArgs func(address, device string) []string
	// Env is the environment of the processes started.
	Env []string
	// Log receives one line per process found or started.
	Log io.Writer
}

// Up makes sure the server and workers for o run, starting what is missing,
// and returns the state (what this package owns) and the server address to
// use. Processes found alive from an earlier run are kept; a worker is
// started for each device entry that has no live worker. Blocking (the dev
// server may take a minute to come up).
func Up(ctx context.Context, o Options) (State, string, error) {
	if !filepath.IsAbs(o.Outdir) {
		return State{}, "", fmt.Errorf("local: outdir %q is not absolute", o.Outdir)
	}
	unlock, err := lock(o.Outdir)
	if err != nil {
		return State{}, "", err
	}
	defer unlock()
	st, err := LoadState(o.Outdir)
	if err != nil {
		return State{}, "", err
	}
	address := o.Address
	if address == "" {
		if address, err = ensureServer(ctx, &st, o); err != nil {
			return st, "", err
		}
	}
	if err := ensureWorkers(&st, o, address); err != nil {
		return st, address, errors.Join(err, saveState(o.Outdir, st))
	}
	return st, address, saveState(o.Outdir, st)
}

// ensureServer keeps the outdir's dev server when it runs and answers, or
// starts it, recording it in st.
func ensureServer(ctx context.Context, st *State, o Options) (string, error) {
	if s := st.Server; s != nil && s.Alive() && Healthy(ctx, s.Address) {
		fmt.Fprintf(o.Log, "dev server: running (pid %d) on %s, Web UI %s, data %s\n", s.PID, s.Address, s.UI, s.DB)
		return s.Address, nil
	}
	s, err := startServer(ctx, o.TemporalCLI, o.Outdir, o.Env)
	if err != nil {
		return "", err
	}
	st.Server = s
	fmt.Fprintf(o.Log, "dev server: started (pid %d) on %s, Web UI %s, data %s, log %s\n", s.PID, s.Address, s.UI, s.DB, s.Log)
	return s.Address, nil
}

// ensureWorkers drops dead workers from st and starts one for each device
// entry of o that no live worker serves.
func ensureWorkers(st *State, o Options, address string) error {
	alive := st.Workers[:0]
	have := map[string]int{}
	for _, w := range st.Workers {
		if w.Alive() {
			alive = append(alive, w)
			have[w.Device]++
		}
	}
	st.Workers = alive
	for _, w := range alive {
		fmt.Fprintf(o.Log, "worker: running (pid %d) on %s\n", w.PID, w.Device)
	}
	for i, d := range o.Devices {
		if have[d] > 0 {
			have[d]--
			continue
		}
		log := filepath.Join(o.Outdir, Dir, "worker-"+strings.ReplaceAll(d, ":", "")+"-"+strconv.Itoa(i)+".log")
		p, err := startDetached(o.WorkerExe, o.WorkerArgs(address, d), o.Env, log)
		if err != nil {
			return fmt.Errorf("worker for %s: %w", d, err)
		}
		p.Device = d
		st.Workers = append(st.Workers, p)
		fmt.Fprintf(o.Log, "worker: started (pid %d) on %s, log %s\n", p.PID, d, log)
	}
	return nil
}

// Shutdown stops the workers (SIGTERM: they let running epochs checkpoint,
// within grace) and then the dev server that outdir's state lists, and
// empties the state. Blocking.
func Shutdown(ctx context.Context, outdir string, grace time.Duration, log io.Writer) error {
	unlock, err := lock(outdir)
	if err != nil {
		return err
	}
	defer unlock()
	st, err := LoadState(outdir)
	if err != nil {
		return err
	}
	var errs []error
	for _, w := range st.Workers {
		if w.Alive() {
			fmt.Fprintf(log, "stopping worker pid %d (%s)\n", w.PID, w.Device)
		}
		errs = append(errs, w.stop(ctx, grace))
	}
	if s := st.Server; s != nil {
		if s.Alive() {
			fmt.Fprintf(log, "stopping the dev server pid %d (%s; its data stays in %s)\n", s.PID, s.Address, s.DB)
		}
		errs = append(errs, s.stop(ctx, 30*time.Second))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return saveState(outdir, State{})
}

// DetectDevices returns cuda:0..cuda:N-1 for the N GPUs `nvidia-smi -L`
// lists, or nil when it is absent or lists none.
func DetectDevices(ctx context.Context) []string {
	out, err := exec.CommandContext(ctx, "nvidia-smi", "-L").Output()
	if err != nil {
		return nil
	}
	var devs []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "GPU ") {
			devs = append(devs, "cuda:"+strconv.Itoa(len(devs)))
		}
	}
	return devs
}
