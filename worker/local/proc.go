package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// startDetached starts exe with args and env in a session of its own (so
// the starter's Ctrl-C does not reach it and it outlives the starter), its
// output appended to logPath. It does not wait for the process.
func startDetached(exe string, args, env []string, logPath string) (Proc, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return Proc{}, fmt.Errorf("open log %s: %w", logPath, err)
	}
	defer logf.Close()
	cmd := exec.Command(exe, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return Proc{}, fmt.Errorf("start %s: %w", exe, err)
	}
	p := Proc{PID: cmd.Process.Pid, Exe: exe, Log: logPath}
	// Reap the child when it exits while this process still runs, so it
	// does not linger as a zombie that Alive would count as running.
	go func() { _ = cmd.Wait() }()
	return p, nil
}

// Alive reports whether p still runs: its PID exists, is not a zombie, and
// its command line starts with p.Exe (a reused PID is not ours).
func (p Proc) Alive() bool {
	if p.PID <= 0 {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(p.PID) + "/stat")
	if err != nil {
		return false
	}
	if i := bytes.LastIndexByte(stat, ')'); i < 0 || i+2 >= len(stat) || stat[i+2] == 'Z' {
		return false
	}
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(p.PID) + "/cmdline")
	if err != nil {
		return false
	}
	argv0, _, _ := bytes.Cut(cmdline, []byte{0})
	return string(argv0) == p.Exe
}

// stop sends SIGTERM to p and waits until it has exited or grace has
// passed, then sends SIGKILL. A process that is gone already is no error.
func (p Proc) stop(ctx context.Context, grace time.Duration) error {
	if !p.Alive() {
		return nil
	}
	if err := syscall.Kill(p.PID, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stop pid %d (%s): %w", p.PID, p.Exe, err)
	}
	deadline := time.Now().Add(grace)
	for p.Alive() && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	if p.Alive() {
		if err := syscall.Kill(p.PID, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("kill pid %d (%s): %w", p.PID, p.Exe, err)
		}
	}
	return nil
}
