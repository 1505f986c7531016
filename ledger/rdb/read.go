package rdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
)

// maxListed is the most unfinished ids put into one IN list; beyond it the
// read starts at the smallest of them and filters in Go.
const maxListed = 500

// filter selects the trials rows (alias t) that one read returns.
type filter struct {
	where string
	args  []any
	keep  func(id int64) bool // extra filter in Go; nil keeps every row
}

// cursorFilter selects the trials that changed since c: ids >= NextTrialID
// and the ids c still lists as unfinished.
//
// With a cursor, the study test is written +t.study_id: the unary plus keeps
// SQLite's planner (which has no statistics) from walking the study's whole
// ix_trials_study_id index and makes it seek the primary key instead, so an
// incremental read touches only the changed rows. On PostgreSQL it is a
// no-op expression.
func cursorFilter(studyID int64, c ledger.Cursor) filter {
	study := "t.study_id = ?"
	if c.NextTrialID > 0 {
		study = "+t.study_id = ?"
	}
	f := filter{where: study + " AND t.trial_id >= ?", args: []any{studyID, c.NextTrialID}}
	switch {
	case len(c.Unfinished) == 0:
	case len(c.Unfinished) <= maxListed:
		f.where = study + " AND (t.trial_id >= ? OR t.trial_id IN (?" + strings.Repeat(", ?", len(c.Unfinished)-1) + "))"
		for _, id := range c.Unfinished {
			f.args = append(f.args, id)
		}
	default:
		lowest := c.Unfinished[0]
		again := make(map[int64]bool, len(c.Unfinished))
		for _, id := range c.Unfinished {
			again[id] = true
			lowest = min(lowest, id)
		}
		f.args[1] = min(lowest, c.NextTrialID)
		f.keep = func(id int64) bool { return id >= c.NextTrialID || again[id] }
	}
	return f
}

// Trials implements ledger.Ledger. It runs four queries (trials, params,
// values, intermediate values) in one read transaction, each limited to the
// changed trials, so its cost follows what changed, not the study's size.
func (l *Ledger) Trials(ctx context.Context, studyID int64, since ledger.Cursor) ([]hpo.Trial, ledger.Cursor, error) {
	var trials []hpo.Trial
	var ids []int64
	err := l.read(ctx, func(tx *sql.Tx) error {
		if err := l.studyExists(ctx, tx, studyID); err != nil {
			return err
		}
		var err error
		trials, ids, err = l.readTrials(ctx, tx, cursorFilter(studyID, since))
		return err
	})
	if err != nil {
		return nil, since, fmt.Errorf("trials of study %d: %w", studyID, err)
	}
	states := make([]hpo.TrialState, len(trials))
	for i, t := range trials {
		states[i] = t.State
	}
	return trials, ledger.MergeCursor(since, ids, states), nil
}

func (l *Ledger) studyExists(ctx context.Context, tx *sql.Tx, studyID int64) error {
	var id int64
	err := tx.QueryRowContext(ctx, l.q("SELECT study_id FROM studies WHERE study_id = ?"), studyID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("study id %d: %w", studyID, ledger.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("reading study %d: %w", studyID, err)
	}
	return nil
}

// Best implements ledger.Ledger: the COMPLETE trial with the best value in
// the study's direction (-inf < finite < +inf, as Optuna orders them), the
// lowest number among equals.
func (l *Ledger) Best(ctx context.Context, studyID int64) (hpo.Trial, error) {
	var best hpo.Trial
	err := l.read(ctx, func(tx *sql.Tx) error {
		s, err := l.studyByID(ctx, tx, studyID)
		if err != nil {
			return err
		}
		order := "DESC"
		if s == hpo.Minimize {
			order = "ASC"
		}
		var id int64
		err = tx.QueryRowContext(ctx, l.q(`SELECT t.trial_id FROM trials t JOIN trial_values v ON v.trial_id = t.trial_id
			WHERE t.study_id = ? AND t.state = 'COMPLETE' AND v.objective = 0
			ORDER BY CASE CAST(v.value_type AS TEXT) WHEN 'INF_NEG' THEN -1 WHEN 'FINITE' THEN 0 ELSE 1 END `+order+`,
			v.value `+order+`, t.number ASC LIMIT 1`), studyID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("no COMPLETE trial: %w", ledger.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("finding the best trial: %w", err)
		}
		trials, _, err := l.readTrials(ctx, tx, filter{where: "t.trial_id = ?", args: []any{id}})
		if err == nil && len(trials) != 1 {
			err = fmt.Errorf("best trial id %d vanished", id)
		}
		if err == nil {
			best = trials[0]
		}
		return err
	})
	if err != nil {
		return hpo.Trial{}, fmt.Errorf("best trial of study %d: %w", studyID, err)
	}
	return best, nil
}

func (l *Ledger) studyByID(ctx context.Context, tx *sql.Tx, studyID int64) (hpo.Direction, error) {
	var dir string
	err := tx.QueryRowContext(ctx, l.q("SELECT CAST(direction AS TEXT) FROM study_directions WHERE study_id = ? AND objective = 0"),
		studyID).Scan(&dir)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("study id %d: %w", studyID, ledger.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("reading study %d: %w", studyID, err)
	}
	return parseDirection(dir)
}

// readTrials reads the trials f selects with their params, values and
// intermediate values, sorted by number, and their row ids.
func (l *Ledger) readTrials(ctx context.Context, tx *sql.Tx, f filter) ([]hpo.Trial, []int64, error) {
	byID, err := l.readTrialRows(ctx, tx, f)
	if err != nil || len(byID) == 0 {
		return nil, nil, err
	}
	if err := l.readParamRows(ctx, tx, f, byID); err != nil {
		return nil, nil, err
	}
	if err := l.readValueRows(ctx, tx, f, byID); err != nil {
		return nil, nil, err
	}
	if err := l.readIntermediateRows(ctx, tx, f, byID); err != nil {
		return nil, nil, err
	}
	ids := make([]int64, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return byID[ids[i]].Number < byID[ids[j]].Number })
	trials := make([]hpo.Trial, len(ids))
	for i, id := range ids {
		trials[i] = *byID[id]
	}
	return trials, ids, nil
}

func (l *Ledger) readTrialRows(ctx context.Context, tx *sql.Tx, f filter) (map[int64]*hpo.Trial, error) {
	rows, err := tx.QueryContext(ctx, l.q("SELECT t.trial_id, t.number, CAST(t.state AS TEXT) FROM trials t WHERE "+f.where), f.args...)
	if err != nil {
		return nil, fmt.Errorf("reading trials: %w", err)
	}
	defer rows.Close()
	byID := make(map[int64]*hpo.Trial)
	for rows.Next() {
		var id int64
		var number sql.NullInt64
		var state string
		if err := rows.Scan(&id, &number, &state); err != nil {
			return nil, fmt.Errorf("reading trials: %w", err)
		}
		if f.keep != nil && !f.keep(id) {
			continue
		}
		st, err := parseState(state)
		if err != nil {
			return nil, fmt.Errorf("trial id %d: %w", id, err)
		}
		if !number.Valid {
			return nil, fmt.Errorf("trial id %d has no number", id)
		}
		byID[id] = &hpo.Trial{Number: int(number.Int64), State: st, Params: map[string]float64{},
			Dists: map[string]hpo.Distribution{}, Intermediate: map[int]float64{}}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading trials: %w", err)
	}
	return byID, nil
}
