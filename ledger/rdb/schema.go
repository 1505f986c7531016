package rdb

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/redsm5/supermax-hpo/ledger"
)

// The schema version this package writes and reads: Optuna's alembic head
// revision and the version_info row, as Optuna 5.0.0 leaves them in a new
// database. library_version names the Optuna release whose schema this is.
const (
	AlembicRevision = "v3.2.0.a"
	SchemaVersion   = 12
	LibraryVersion  = "5.0.0"
)

// ensureSchema creates Optuna's tables in a database that has none, and
// checks the alembic revision of one that has them. It runs in a write
// transaction (behind Dialect.SchemaLock), so concurrent openers of a new
// database create the schema once.
func (l *Ledger) ensureSchema(ctx context.Context) error {
	return l.write(ctx, func(tx *sql.Tx) error {
		if l.d.SchemaLock != "" {
			if _, err := tx.ExecContext(ctx, l.d.SchemaLock); err != nil {
				return fmt.Errorf("schema lock: %w", err)
			}
		}
		exists, err := l.tableExists(ctx, tx, "studies")
		if err != nil {
			return err
		}
		if exists {
			return l.checkRevision(ctx, tx)
		}
		return l.createSchema(ctx, tx)
	})
}

func (l *Ledger) tableExists(ctx context.Context, tx *sql.Tx, name string) (bool, error) {
	var n int
	if err := tx.QueryRowContext(ctx, l.q(l.d.TableExists), name).Scan(&n); err != nil {
		return false, fmt.Errorf("looking for table %s: %w", name, err)
	}
	return n > 0, nil
}

func (l *Ledger) checkRevision(ctx context.Context, tx *sql.Tx) error {
	ok, err := l.tableExists(ctx, tx, "alembic_version")
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("optuna tables without alembic_version (made before optuna 1.0?), want revision %s: %w", AlembicRevision, ledger.ErrSchema)
	}
	var rev string
	err = tx.QueryRowContext(ctx, "SELECT version_num FROM alembic_version").Scan(&rev)
	if err != nil {
		return fmt.Errorf("reading alembic_version: %w", err)
	}
	if rev != AlembicRevision {
		return fmt.Errorf("schema revision %s, want %s (run `optuna storage upgrade` with optuna 5): %w", rev, AlembicRevision, ledger.ErrSchema)
	}
	return nil
}

func (l *Ledger) createSchema(ctx context.Context, tx *sql.Tx) error {
	for _, stmt := range l.d.Schema {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("creating schema: %.60s...: %w", stmt, err)
		}
	}
	if _, err := tx.ExecContext(ctx, l.q("INSERT INTO version_info (version_info_id, schema_version, library_version) VALUES (1, ?, ?)"),
		SchemaVersion, LibraryVersion); err != nil {
		return fmt.Errorf("writing version_info: %w", err)
	}
	if _, err := tx.ExecContext(ctx, l.q("INSERT INTO alembic_version (version_num) VALUES (?)"), AlembicRevision); err != nil {
		return fmt.Errorf("writing alembic_version: %w", err)
	}
	return nil
}
