package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
	"github.com/redsm5/supermax-hpo/ledger/ledgertest"
	"github.com/redsm5/supermax-hpo/ledger/postgres"
	"github.com/redsm5/supermax-hpo/ledger/postgres/pgtest"
)

// server is the throwaway server of this test binary, started by TestMain;
// nil with startErr set when it could not start.
var (
	server   *pgtest.Server
	startErr error
	dbSeq    atomic.Int64
)

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	server, startErr = pgtest.Start(ctx)
	cancel()
	code := m.Run()
	if server != nil {
		if err := server.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping the test server:", err)
		}
	}
	os.Exit(code)
}

// newDB returns the URL of a fresh database, skipping without binaries.
func newDB(t *testing.T) string {
	t.Helper()
	if errors.Is(startErr, pgtest.ErrNoServer) {
		t.Skipf("PostgreSQL tests skipped: %v", startErr)
	}
	if startErr != nil {
		t.Fatalf("starting PostgreSQL: %v", startErr)
	}
	url, err := server.CreateDB(context.Background(), fmt.Sprintf("ledger_%d", dbSeq.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	return url
}

func open(t testing.TB, url string) ledger.Ledger {
	t.Helper()
	l, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return l
}

func TestConformance(t *testing.T) {
	ledgertest.Run(t, func(t *testing.T) ledger.Ledger { return open(t, newDB(t)) })
}

// TestSeveralLedgersOneDatabase opens the same new database from several
// ledgers at once (as several hosts would): the schema is created once and
// trial numbers stay dense across them.
func TestSeveralLedgersOneDatabase(t *testing.T) {
	url := newDB(t)
	const n = 4
	ledgers := make([]ledger.Ledger, n)
	errs := make(chan error, n)
	for i := range ledgers {
		go func() {
			l, err := postgres.Open(context.Background(), url)
			ledgers[i] = l
			errs <- err
		}()
	}
	for range ledgers {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent Open: %v", err)
		}
	}
	defer func() {
		for _, l := range ledgers {
			l.Close()
		}
	}()
	ctx := context.Background()
	for i, l := range ledgers {
		go func() {
			s, err := l.CreateStudy(ctx, "shared", hpo.Maximize)
			for k := 0; k < 5 && err == nil; k++ {
				_, err = l.NextTrial(ctx, s.ID, time.Now())
			}
			if err != nil {
				err = fmt.Errorf("ledger %d: %w", i, err)
			}
			errs <- err
		}()
	}
	for range ledgers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	s, _ := ledgers[0].GetStudy(ctx, "shared")
	trials, _, err := ledgers[0].Trials(ctx, s.ID, ledger.Cursor{})
	if err != nil || len(trials) != 5*n {
		t.Fatalf("%d trials (%v), want %d", len(trials), err, 5*n)
	}
	for i, tr := range trials {
		if tr.Number != i {
			t.Fatalf("trial %d at position %d: numbers not dense", tr.Number, i)
		}
	}
}
