package rdb

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite" // a real database/sql driver for the retry loop
)

var errFlaky = errors.New("flaky")

func flakyLedger(t *testing.T) *Ledger {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &Ledger{w: db, r: db, d: Dialect{Name: "test", Retryable: func(err error) bool { return errors.Is(err, errFlaky) }}}
}

func TestWriteRetriesTransientFailures(t *testing.T) {
	l := flakyLedger(t)
	calls := 0
	err := l.write(context.Background(), func(*sql.Tx) error {
		calls++
		if calls < 3 {
			return errFlaky
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("write = %v after %d calls, want success on the third", err, calls)
	}
	calls = 0
	permanent := errors.New("permanent")
	err = l.write(context.Background(), func(*sql.Tx) error { calls++; return permanent })
	if !errors.Is(err, permanent) || calls != 1 {
		t.Fatalf("write = %v after %d calls, want the permanent error at once", err, calls)
	}
}

func TestWriteRetriesStopWithTheContext(t *testing.T) {
	l := flakyLedger(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := l.write(ctx, func(*sql.Tx) error { return errFlaky })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("write = %v, want the context's deadline", err)
	}
}
