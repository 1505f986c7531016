package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
	"github.com/redsm5/supermax-hpo/ledger/sqlite"
)

// Environment of the writer subprocess (this test binary, re-executed).
const (
	envWriterDB    = "SUPERMAX_LEDGER_WRITER_DB"
	envWriterCount = "SUPERMAX_LEDGER_WRITER_TRIALS"
)

var writerDist = map[string]hpo.Distribution{"x": hpo.FloatDistribution{Low: 0, High: 1}}

// writeStudy opens its own ledger on path and records count full trials
// (create, parameters, two reports, finish) in study "shared".
func writeStudy(ctx context.Context, path string, count int) error {
	l, err := sqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	defer l.Close()
	s, err := l.CreateStudy(ctx, "shared", hpo.Maximize)
	if err != nil {
		return err
	}
	for i := 0; i < count; i++ {
		n, err := l.NextTrial(ctx, s.ID, time.Now())
		if err != nil {
			return err
		}
		x := float64(i) / float64(count)
		if err := l.PutTrial(ctx, s.ID, n, map[string]float64{"x": x}, writerDist, time.Now()); err != nil {
			return err
		}
		for step := 1; step <= 2; step++ {
			if err := l.Report(ctx, s.ID, n, step, x*float64(step)); err != nil {
				return err
			}
		}
		if err := l.Finish(ctx, s.ID, n, hpo.Complete, &x, time.Now()); err != nil {
			return err
		}
	}
	return nil
}

// TestWriterProcess is the body of the writer subprocesses of
// TestSeveralProcessesOneFile; run directly, it has nothing to do.
func TestWriterProcess(t *testing.T) {
	path := os.Getenv(envWriterDB)
	if path == "" {
		t.Skip("helper process of TestSeveralProcessesOneFile")
	}
	count, err := strconv.Atoi(os.Getenv(envWriterCount))
	if err != nil {
		t.Fatalf("%s: %v", envWriterCount, err)
	}
	if err := writeStudy(context.Background(), path, count); err != nil {
		t.Fatal(err)
	}
}

// TestSeveralProcessesOneFile writes one new file at once from two
// subprocesses and two in-process ledgers (separate connection pools):
// the schema is created once, nothing is lost to "database is locked",
// and trial numbers are dense.
func TestSeveralProcessesOneFile(t *testing.T) {
	const procs, goroutines, perWriter = 2, 2, 15
	path := filepath.Join(t.TempDir(), "shared.db")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, procs+goroutines)
	for p := 0; p < procs; p++ {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestWriterProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), envWriterDB+"="+path, envWriterCount+"="+strconv.Itoa(perWriter))
		wg.Add(1)
		go func() {
			defer wg.Done()
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("writer process %d: %w\n%s", p, err, out)
			}
		}()
	}
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := writeStudy(ctx, path, perWriter); err != nil {
				errs <- fmt.Errorf("writer goroutine %d: %w", g, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	checkDense(t, path, (procs+goroutines)*perWriter)
}

func checkDense(t *testing.T, path string, want int) {
	t.Helper()
	ctx := context.Background()
	l, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s, err := l.GetStudy(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}
	trials, _, err := l.Trials(ctx, s.ID, ledger.Cursor{})
	if err != nil || len(trials) != want {
		t.Fatalf("%d trials (%v), want %d", len(trials), err, want)
	}
	for i, tr := range trials {
		if tr.Number != i || tr.State != hpo.Complete || len(tr.Intermediate) != 2 || len(tr.Params) != 1 {
			t.Fatalf("trial at %d: %+v", i, tr)
		}
	}
}
