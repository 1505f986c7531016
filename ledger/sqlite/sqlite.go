// Package sqlite is the ledger in a SQLite file (modernc.org/sqlite, pure Go,
// no cgo), in Optuna's schema: `optuna.load_study(storage="sqlite:///path")`
// opens the same file. Several processes may write one file at once: the
// file runs in WAL mode, every write transaction starts with BEGIN IMMEDIATE
// (so it never has to upgrade a read lock, which SQLite cannot wait for),
// waits up to BusyTimeout for the lock, and is retried with backoff while
// the database stays busy and the context allows.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/redsm5/supermax-hpo/ledger/rdb"
)

// BusyTimeout is how long one statement waits for another writer's lock
// before SQLite reports SQLITE_BUSY and the transaction is retried.
const BusyTimeout = 5 * time.Second

// Open opens (creating when absent) the ledger in the SQLite file at path,
// creating Optuna's schema in a new file. It blocks until the schema is
// checked or ctx ends; a file holding another Optuna schema revision is
// ledger.ErrSchema.
func Open(ctx context.Context, path string) (*rdb.Ledger, error) {
	if path == "" {
		return nil, fmt.Errorf("sqlite ledger: empty file path")
	}
	w, err := sql.Open("sqlite", dsn(path, "immediate"))
	if err != nil {
		return nil, fmt.Errorf("sqlite ledger %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn(path, "deferred"))
	if err != nil {
		return nil, fmt.Errorf("sqlite ledger %s: %w", path, errors.Join(err, w.Close()))
	}
	l, err := rdb.New(ctx, w, r, Dialect())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

// dsn builds the modernc DSN: busy timeout first, WAL, and the lock mode of
// BEGIN for this pool (immediate for writers, deferred for readers). The
// path goes in a file: URI, escaped, so names with '?' or '%' survive.
// synchronous stays FULL: a committed Finish must survive a power loss.
func dsn(path, txlock string) string {
	q := url.Values{}
	q.Set("_txlock", txlock)
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", BusyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Dialect returns the SQLite dialect: Optuna's DDL as SQLAlchemy emits it for
// SQLite, no row locks (BEGIN IMMEDIATE excludes other writers), and busy or
// locked errors retried.
func Dialect() rdb.Dialect {
	return rdb.Dialect{
		Name:        "sqlite",
		Schema:      schema,
		TableExists: "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
		Retryable:   busy,
	}
}

// busy reports SQLITE_BUSY and SQLITE_LOCKED, with their extended codes.
func busy(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	code := e.Code() & 0xff
	return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
}
