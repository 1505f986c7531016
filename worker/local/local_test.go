package local

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redsm5/supermax-hpo/testsuite"
)

func TestDevServerArgsMatchTestsuite(t *testing.T) {
	if got, want := DevServerExtraArgs(), testsuite.DevServerExtraArgs(); !slices.Equal(got, want) {
		t.Fatalf("dev server args differ from testsuite's (and scripts/dev-server.sh):\n got %q\nwant %q", got, want)
	}
}

func TestLoadStateMissingAndBad(t *testing.T) {
	dir := t.TempDir()
	st, err := LoadState(dir)
	if err != nil || st.Server != nil || len(st.Workers) != 0 {
		t.Fatalf("missing state file: got %+v, %v; want empty, nil", st, err)
	}
	if err := os.MkdirAll(filepath.Join(dir, Dir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(statePath(dir), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadState(dir); err == nil || !strings.Contains(err.Error(), "local.json") {
		t.Fatalf("bad state file: got %v, want an error naming local.json", err)
	}
}

// TestUpStartsWorkersOnceAndShutdownStops starts "workers" that are sleep
// processes, checks a second Up keeps them, and Shutdown stops them.
func TestUpStartsWorkersOnceAndShutdownStops(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary")
	}
	outdir := t.TempDir()
	o := Options{
		Outdir: outdir, Address: "127.0.0.1:1", WorkerExe: sleep, Devices: []string{"cpu", "cpu"},
		WorkerArgs: func(address, device string) []string { return []string{"600"} },
		Env:        os.Environ(), Log: &strings.Builder{},
	}
	ctx := context.Background()
	st, addr, err := Up(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = Shutdown(ctx, outdir, time.Second, &strings.Builder{}) })
	if addr != o.Address || st.Server != nil || len(st.Workers) != 2 {
		t.Fatalf("Up: address %q, state %+v; want the given address, no server, 2 workers", addr, st)
	}
	for _, w := range st.Workers {
		if !w.Alive() {
			t.Fatalf("worker pid %d not alive after Up", w.PID)
		}
	}
	st2, _, err := Up(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(st2.Workers) != 2 || st2.Workers[0].PID != st.Workers[0].PID || st2.Workers[1].PID != st.Workers[1].PID {
		t.Fatalf("second Up started new workers: %+v, first %+v", st2.Workers, st.Workers)
	}
	if err := Shutdown(ctx, outdir, 5*time.Second, &strings.Builder{}); err != nil {
		t.Fatal(err)
	}
	for _, w := range st.Workers {
		// The reaper goroutine collects the exit; give it a moment.
		for i := 0; i < 50 && w.Alive(); i++ {
			time.Sleep(100 * time.Millisecond)
		}
		if w.Alive() {
			t.Fatalf("worker pid %d alive after Shutdown", w.PID)
		}
	}
	if st3, err := LoadState(outdir); err != nil || len(st3.Workers) != 0 {
		t.Fatalf("state after Shutdown: %+v, %v; want empty", st3, err)
	}
}

func TestAliveRejectsOtherExecutable(t *testing.T) {
	p := Proc{PID: os.Getpid(), Exe: "/no/such/binary"}
	if p.Alive() {
		t.Fatal("Alive accepted our own PID under another executable name (PID reuse check)")
	}
	if (Proc{PID: 0, Exe: os.Args[0]}).Alive() {
		t.Fatal("PID 0 is alive")
	}
	if !(Proc{PID: os.Getpid(), Exe: os.Args[0]}).Alive() {
		t.Fatal("our own process under its argv[0] is not alive")
	}
}

func TestStartServerWithoutCLI(t *testing.T) {
	_, err := startServer(context.Background(), "/no/temporal", t.TempDir(), nil)
	if err == nil || !strings.Contains(err.Error(), "make temporal") {
		t.Fatalf("got %v, want an error saying to run make temporal", err)
	}
}
