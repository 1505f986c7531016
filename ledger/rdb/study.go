package rdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
)

// CreateStudy implements ledger.Ledger. Idempotent; a concurrent creation of
// the same name by another process is retried and then found.
func (l *Ledger) CreateStudy(ctx context.Context, name string, dir hpo.Direction) (ledger.Study, error) {
	if err := ledger.CheckStudyName(name); err != nil {
		return ledger.Study{}, fmt.Errorf("create study: %w", err)
	}
	var s ledger.Study
	err := l.write(ctx, func(tx *sql.Tx) error {
		var err error
		s, err = l.findStudy(ctx, tx, name)
		if err == nil {
			if s.Direction != dir {
				return fmt.Errorf("recorded as %s: %w", s.Direction, ledger.ErrConflict)
			}
			return nil
		}
		if !errors.Is(err, ledger.ErrNotFound) {
			return err
		}
		s = ledger.Study{Name: name, Direction: dir}
		err = tx.QueryRowContext(ctx, l.q("INSERT INTO studies (study_name) VALUES (?) RETURNING study_id"), name).Scan(&s.ID)
		if err != nil {
			return fmt.Errorf("inserting study: %w", err)
		}
		_, err = tx.ExecContext(ctx, l.q("INSERT INTO study_directions (direction, study_id, objective) VALUES (?, ?, 0)"),
			directionName(dir), s.ID)
		if err != nil {
			return fmt.Errorf("inserting study direction: %w", err)
		}
		return nil
	})
	if err != nil {
		return ledger.Study{}, fmt.Errorf("create study %q %s: %w", name, dir, err)
	}
	return s, nil
}

// GetStudy implements ledger.Ledger.
func (l *Ledger) GetStudy(ctx context.Context, name string) (ledger.Study, error) {
	var s ledger.Study
	err := l.read(ctx, func(tx *sql.Tx) error {
		var err error
		s, err = l.findStudy(ctx, tx, name)
		return err
	})
	if err != nil {
		return ledger.Study{}, fmt.Errorf("get study %q: %w", name, err)
	}
	return s, nil
}

// findStudy reads a study and its one direction; a multi-objective study
// (made by Optuna) is an error, since this ledger keeps one value per trial.
func (l *Ledger) findStudy(ctx context.Context, tx *sql.Tx, name string) (ledger.Study, error) {
	rows, err := tx.QueryContext(ctx, l.q(`SELECT s.study_id, CAST(d.direction AS TEXT) FROM studies s
		LEFT JOIN study_directions d ON d.study_id = s.study_id
		WHERE s.study_name = ? ORDER BY d.objective`), name)
	if err != nil {
		return ledger.Study{}, fmt.Errorf("reading study: %w", err)
	}
	defer rows.Close()
	s := ledger.Study{Name: name}
	var dirs []string
	for rows.Next() {
		var dir sql.NullString
		if err := rows.Scan(&s.ID, &dir); err != nil {
			return ledger.Study{}, fmt.Errorf("reading study: %w", err)
		}
		dirs = append(dirs, dir.String)
	}
	if err := rows.Err(); err != nil {
		return ledger.Study{}, fmt.Errorf("reading study: %w", err)
	}
	switch len(dirs) {
	case 0:
		return ledger.Study{}, ledger.ErrNotFound
	case 1:
		s.Direction, err = parseDirection(dirs[0])
		return s, err
	}
	return ledger.Study{}, fmt.Errorf("study has %d objectives; this ledger supports single-objective studies only", len(dirs))
}

// lockStudy checks that the study exists and, where the dialect locks rows,
// locks it until the transaction ends: trial numbers are counted under this
// lock, as Optuna's RDBStorage does.
func (l *Ledger) lockStudy(ctx context.Context, tx *sql.Tx, studyID int64) error {
	var id int64
	err := tx.QueryRowContext(ctx, l.q("SELECT study_id FROM studies WHERE study_id = ?"+l.d.ForUpdate), studyID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("study id %d: %w", studyID, ledger.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("locking study %d: %w", studyID, err)
	}
	return nil
}
