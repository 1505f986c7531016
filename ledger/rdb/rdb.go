// Package rdb implements ledger.Ledger over database/sql in Optuna's RDB
// schema (Optuna 5.0.0, alembic revision v3.2.0.a). It is shared by the
// sqlite and postgres packages, which supply a Dialect (DDL, locking, which
// errors to retry) and the connection pools; rdb imports no driver.
package rdb

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/redsm5/supermax-hpo/ledger"
)

// Dialect is what differs between databases.
type Dialect struct {
	// Name names the database in error messages ("sqlite", "postgres").
	Name string
	// Numbered placeholders ($1, $2, ...) instead of "?".
	Numbered bool
	// Schema is Optuna's DDL for this database, run in order when the
	// database has no Optuna tables yet.
	Schema []string
	// SchemaLock, when set, runs first in the schema transaction so that
	// processes opening a new database at once create it only once.
	SchemaLock string
	// TableExists counts the tables of the given name (one "?" argument).
	TableExists string
	// ForUpdate is appended to row reads that must lock the row until the
	// transaction ends (" FOR UPDATE"); empty where a write transaction
	// already excludes other writers (SQLite's BEGIN IMMEDIATE).
	ForUpdate string
	// ReadTx are the options of read transactions (a consistent snapshot
	// across the several queries of one read); nil for the default.
	ReadTx *sql.TxOptions
	// Retryable reports whether a failed transaction may succeed if run
	// again (busy database, serialization failure, deadlock, a unique
	// violation from a concurrent insert).
	Retryable func(error) bool
}

// Ledger is a ledger.Ledger on a SQL database. Safe for concurrent use;
// writes from several processes are serialized by the database.
type Ledger struct {
	w, r *sql.DB
	d    Dialect
}

var _ ledger.Ledger = (*Ledger)(nil)

// maxAttempts bounds the retries of one transaction; with the backoff below
// it spans about a minute of contention.
const maxAttempts = 60

// New returns a Ledger that writes through w and reads through r (they may
// be the same pool), creating Optuna's schema when the database has none and
// refusing, with ledger.ErrSchema, a schema of another Optuna version. It
// takes ownership of both pools: Close closes them, also when New fails.
func New(ctx context.Context, w, r *sql.DB, d Dialect) (*Ledger, error) {
	l := &Ledger{w: w, r: r, d: d}
	if err := l.ensureSchema(ctx); err != nil {
		return nil, fmt.Errorf("%s ledger: %w", d.Name, joinClose(err, l.Close()))
	}
	return l, nil
}

func joinClose(err, closeErr error) error {
	if closeErr != nil {
		return fmt.Errorf("%w (and closing: %v)", err, closeErr)
	}
	return err
}

// Close closes the connection pools.
func (l *Ledger) Close() error {
	err := l.w.Close()
	if l.r != l.w {
		if err2 := l.r.Close(); err == nil {
			err = err2
		}
	}
	return err
}

// q rewrites "?" placeholders for the dialect.
func (l *Ledger) q(query string) string {
	if !l.d.Numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// write runs fn in a write transaction, retrying with jittered exponential
// backoff while the dialect says the failure is transient. It blocks until
// fn commits, fails for good, or ctx ends.
func (l *Ledger) write(ctx context.Context, fn func(*sql.Tx) error) error {
	backoff := 5 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := l.tryWrite(ctx, fn)
		if err == nil || attempt == maxAttempts || !l.d.Retryable(err) || ctx.Err() != nil {
			if err != nil && ctx.Err() != nil {
				return fmt.Errorf("%w (while retrying: %v)", ctx.Err(), err)
			}
			return err
		}
		sleep := backoff/2 + rand.N(backoff/2+1)
		if backoff < time.Second {
			backoff *= 2
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (while retrying: %v)", ctx.Err(), err)
		case <-time.After(sleep):
		}
	}
}

func (l *Ledger) tryWrite(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := l.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin write: %w", err)
	}
	if err := fn(tx); err != nil {
		return joinRollback(err, tx.Rollback())
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func joinRollback(err, rbErr error) error {
	if rbErr != nil && rbErr != sql.ErrTxDone {
		return fmt.Errorf("%w (and rollback: %v)", err, rbErr)
	}
	return err
}

// read runs fn in a read transaction: one consistent snapshot.
func (l *Ledger) read(ctx context.Context, fn func(*sql.Tx) error) error {
	backoff := 5 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := l.tryRead(ctx, fn)
		if err == nil || attempt == maxAttempts || !l.d.Retryable(err) || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (while retrying: %v)", ctx.Err(), err)
		case <-time.After(backoff):
		}
		if backoff < time.Second {
			backoff *= 2
		}
	}
}

func (l *Ledger) tryRead(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := l.r.BeginTx(ctx, l.d.ReadTx)
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	err = fn(tx)
	return joinRollback(err, tx.Rollback())
}
