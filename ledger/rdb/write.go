package rdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
)

// trialRow is the part of a trials row that writes check.
type trialRow struct {
	id    int64
	state hpo.TrialState
}

// NextTrial implements ledger.Ledger. The number is the count of the study's
// trials, taken under the study lock, as Optuna's ask does.
func (l *Ledger) NextTrial(ctx context.Context, studyID int64, start time.Time) (int, error) {
	var n int
	err := l.write(ctx, func(tx *sql.Tx) error {
		if err := l.lockStudy(ctx, tx, studyID); err != nil {
			return err
		}
		var err error
		_, n, err = l.insertTrial(ctx, tx, studyID, start)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("next trial of study %d: %w", studyID, err)
	}
	return n, nil
}

func (l *Ledger) insertTrial(ctx context.Context, tx *sql.Tx, studyID int64, start time.Time) (id int64, n int, err error) {
	err = tx.QueryRowContext(ctx, l.q(`INSERT INTO trials (number, study_id, state, datetime_start)
		VALUES ((SELECT COUNT(*) FROM trials WHERE study_id = ?), ?, 'RUNNING', ?) RETURNING trial_id, number`),
		studyID, studyID, encodeTime(start)).Scan(&id, &n)
	if err != nil {
		return 0, 0, fmt.Errorf("inserting trial: %w", err)
	}
	return id, n, nil
}

// PutTrial implements ledger.Ledger.
func (l *Ledger) PutTrial(ctx context.Context, studyID int64, n int, params map[string]float64, dists map[string]hpo.Distribution, start time.Time) error {
	if err := ledger.CheckTrialNumber(n); err != nil {
		return fmt.Errorf("put trial: %w", err)
	}
	if err := ledger.CheckParams(params, dists); err != nil {
		return fmt.Errorf("put trial %d: %w", n, err)
	}
	err := l.write(ctx, func(tx *sql.Tx) error {
		t, err := l.trialForPut(ctx, tx, studyID, n, start)
		if err != nil {
			return err
		}
		oldP, oldD, err := l.readParams(ctx, tx, t.id)
		if err != nil {
			return err
		}
		if len(oldP) > 0 {
			if !ledger.SameParams(oldP, oldD, params, dists) {
				return fmt.Errorf("other parameters are recorded: %w", ledger.ErrConflict)
			}
			return nil
		}
		if t.state.Finished() {
			return ledger.ErrTrialFinished
		}
		return l.insertParams(ctx, tx, t.id, params, dists)
	})
	if err != nil {
		return fmt.Errorf("put trial %d of study %d: %w", n, studyID, err)
	}
	return nil
}

// trialForPut returns trial n, creating it when n is the next free number.
func (l *Ledger) trialForPut(ctx context.Context, tx *sql.Tx, studyID int64, n int, start time.Time) (trialRow, error) {
	if err := l.lockStudy(ctx, tx, studyID); err != nil {
		return trialRow{}, err
	}
	var count int
	if err := tx.QueryRowContext(ctx, l.q("SELECT COUNT(*) FROM trials WHERE study_id = ?"), studyID).Scan(&count); err != nil {
		return trialRow{}, fmt.Errorf("counting trials: %w", err)
	}
	switch {
	case n > count:
		return trialRow{}, fmt.Errorf("next free number is %d: %w", count, ledger.ErrGap)
	case n == count:
		id, _, err := l.insertTrial(ctx, tx, studyID, start)
		return trialRow{id: id, state: hpo.Running}, err
	}
	return l.findTrial(ctx, tx, studyID, n)
}

func (l *Ledger) insertParams(ctx context.Context, tx *sql.Tx, trialID int64, params map[string]float64, dists map[string]hpo.Distribution) error {
	stmt, err := tx.PrepareContext(ctx, l.q("INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) VALUES (?, ?, ?, ?)"))
	if err != nil {
		return fmt.Errorf("preparing parameter insert: %w", err)
	}
	defer stmt.Close()
	for _, name := range ledger.SortedNames(params) {
		dj, err := ledger.CanonicalDistribution(dists[name])
		if err != nil {
			return fmt.Errorf("parameter %q: %w", name, err)
		}
		if _, err := stmt.ExecContext(ctx, trialID, name, params[name], string(dj)); err != nil {
			return fmt.Errorf("inserting parameter %q: %w", name, err)
		}
	}
	return nil
}

// findTrial reads (and where the dialect can, locks) trial n of a study.
func (l *Ledger) findTrial(ctx context.Context, tx *sql.Tx, studyID int64, n int) (trialRow, error) {
	var t trialRow
	var state string
	err := tx.QueryRowContext(ctx, l.q("SELECT trial_id, CAST(state AS TEXT) FROM trials WHERE study_id = ? AND number = ?"+l.d.ForUpdate),
		studyID, n).Scan(&t.id, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return trialRow{}, fmt.Errorf("trial %d of study %d: %w", n, studyID, ledger.ErrNotFound)
	}
	if err != nil {
		return trialRow{}, fmt.Errorf("reading trial %d: %w", n, err)
	}
	t.state, err = parseState(state)
	return t, err
}

// Report implements ledger.Ledger.
func (l *Ledger) Report(ctx context.Context, studyID int64, n, step int, value float64) error {
	v, typ := encodeValue(value)
	err := l.write(ctx, func(tx *sql.Tx) error {
		t, err := l.findTrial(ctx, tx, studyID, n)
		if err != nil {
			return err
		}
		if t.state.Finished() {
			return l.sameIntermediate(ctx, tx, t.id, step, value)
		}
		_, err = tx.ExecContext(ctx, l.q(`INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type)
			VALUES (?, ?, ?, ?) ON CONFLICT (trial_id, step) DO UPDATE
			SET intermediate_value = excluded.intermediate_value, intermediate_value_type = excluded.intermediate_value_type`),
			t.id, step, v, typ)
		if err != nil {
			return fmt.Errorf("writing intermediate value: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("report trial %d step %d: %w", n, step, err)
	}
	return nil
}

// sameIntermediate accepts a repeated report on a finished trial.
func (l *Ledger) sameIntermediate(ctx context.Context, tx *sql.Tx, trialID int64, step int, value float64) error {
	var v sql.NullFloat64
	var typ string
	err := tx.QueryRowContext(ctx, l.q(`SELECT intermediate_value, CAST(intermediate_value_type AS TEXT)
		FROM trial_intermediate_values WHERE trial_id = ? AND step = ?`), trialID, step).Scan(&v, &typ)
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.ErrTrialFinished
	}
	if err != nil {
		return fmt.Errorf("reading intermediate value: %w", err)
	}
	old, err := decodeValue(v, typ)
	if err != nil {
		return err
	}
	if !ledger.SameFloat(old, value) {
		return ledger.ErrTrialFinished
	}
	return nil
}

// SetUserAttr implements ledger.Ledger.
func (l *Ledger) SetUserAttr(ctx context.Context, studyID int64, n int, key, valueJSON string) error {
	if err := ledger.CheckUserAttr(key, valueJSON); err != nil {
		return fmt.Errorf("set user attribute of trial %d: %w", n, err)
	}
	err := l.write(ctx, func(tx *sql.Tx) error {
		t, err := l.findTrial(ctx, tx, studyID, n)
		if err != nil {
			return err
		}
		if t.state.Finished() {
			var old string
			err := tx.QueryRowContext(ctx, l.q(`SELECT value_json FROM trial_user_attributes WHERE trial_id = ? AND "key" = ?`),
				t.id, key).Scan(&old)
			if err == nil && old == valueJSON {
				return nil
			}
			return ledger.ErrTrialFinished
		}
		_, err = tx.ExecContext(ctx, l.q(`INSERT INTO trial_user_attributes (trial_id, "key", value_json) VALUES (?, ?, ?)
			ON CONFLICT (trial_id, "key") DO UPDATE SET value_json = excluded.value_json`), t.id, key, valueJSON)
		if err != nil {
			return fmt.Errorf("writing user attribute: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set user attribute %q of trial %d: %w", key, n, err)
	}
	return nil
}

// Finish implements ledger.Ledger.
func (l *Ledger) Finish(ctx context.Context, studyID int64, n int, state hpo.TrialState, value *float64, end time.Time) error {
	if err := ledger.CheckFinish(state, value); err != nil {
		return fmt.Errorf("finish trial %d: %w", n, err)
	}
	err := l.write(ctx, func(tx *sql.Tx) error {
		t, err := l.findTrial(ctx, tx, studyID, n)
		if err != nil {
			return err
		}
		if t.state.Finished() {
			old, err := l.readValue(ctx, tx, t.id)
			if err != nil {
				return err
			}
			if t.state != state || !ledger.SameValue(old, value) {
				return fmt.Errorf("recorded as %s: %w", t.state, ledger.ErrTrialFinished)
			}
			return nil
		}
		return l.finishRow(ctx, tx, t.id, state, value, end)
	})
	if err != nil {
		return fmt.Errorf("finish trial %d of study %d as %s: %w", n, studyID, state, err)
	}
	return nil
}

func (l *Ledger) finishRow(ctx context.Context, tx *sql.Tx, trialID int64, state hpo.TrialState, value *float64, end time.Time) error {
	_, err := tx.ExecContext(ctx, l.q("UPDATE trials SET state = ?, datetime_complete = ? WHERE trial_id = ?"),
		state.String(), encodeTime(end), trialID)
	if err != nil {
		return fmt.Errorf("updating trial state: %w", err)
	}
	if value == nil {
		return nil
	}
	v, typ := encodeValue(*value)
	_, err = tx.ExecContext(ctx, l.q(`INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (?, 0, ?, ?)
		ON CONFLICT (trial_id, objective) DO UPDATE SET value = excluded.value, value_type = excluded.value_type`),
		trialID, v, typ)
	if err != nil {
		return fmt.Errorf("writing trial value: %w", err)
	}
	return nil
}

// readValue returns the objective value of a trial, nil when it has none.
func (l *Ledger) readValue(ctx context.Context, tx *sql.Tx, trialID int64) (*float64, error) {
	var v sql.NullFloat64
	var typ string
	err := tx.QueryRowContext(ctx, l.q("SELECT value, CAST(value_type AS TEXT) FROM trial_values WHERE trial_id = ? AND objective = 0"),
		trialID).Scan(&v, &typ)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading trial value: %w", err)
	}
	x, err := decodeValue(v, typ)
	if err != nil {
		return nil, err
	}
	return &x, nil
}
