// Package postgres is the ledger in a PostgreSQL database (pgx/v5 through
// database/sql), in Optuna's schema for PostgreSQL, for studies whose
// workers run on many hosts. `optuna.load_study(storage=
// "postgresql+psycopg2://...")` opens the same database. Trial creation locks
// the study row (as Optuna's RDBStorage does) so numbers stay dense, and
// transactions that fail on serialization, deadlock or a concurrent insert
// are retried with backoff.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/redsm5/supermax-hpo/ledger/rdb"
)

// Open connects to the database at url (postgres:// or postgresql://, in
// libpq's URL or key=value form) and creates Optuna's schema when the
// database has none. It blocks until the schema is checked or ctx ends;
// another Optuna schema revision is ledger.ErrSchema.
func Open(ctx context.Context, url string) (*rdb.Ledger, error) {
	cfg, err := pgx5Config(url)
	if err != nil {
		return nil, err
	}
	db := stdlib.OpenDB(*cfg)
	l, err := rdb.New(ctx, db, db, Dialect())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", redacted(cfg), err)
	}
	return l, nil
}

// Dialect returns the PostgreSQL dialect: Optuna's DDL for PostgreSQL, row
// locks with FOR UPDATE, repeatable-read snapshots for reads, and transient
// failures retried.
func Dialect() rdb.Dialect {
	return rdb.Dialect{
		Name:     "postgres",
		Numbered: true,
		Schema:   schema,
		// An arbitrary fixed key: every opener of this database takes it.
		SchemaLock:  "SELECT pg_advisory_xact_lock(7215063141)",
		TableExists: "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?",
		ForUpdate:   " FOR UPDATE",
		ReadTx:      &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
		Retryable:   transient,
	}
}

// transient reports serialization failures (40001), deadlocks (40P01) and
// unique violations (23505: two writers inserted the same study name or
// row; run again, the transaction finds the row the other one committed).
func transient(err error) bool {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code {
	case "40001", "40P01", "23505":
		return true
	}
	return false
}
