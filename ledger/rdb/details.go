package rdb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/redsm5/supermax-hpo/ledger"
)

var _ ledger.Details = (*Ledger)(nil)

// storedTimeFormat parses the DATETIME text of both SQLite (what we and
// SQLAlchemy write) and PostgreSQL's timestamp cast to text (fraction
// optional).
const storedTimeFormat = "2006-01-02 15:04:05.999999999"

// TrialRecords implements ledger.Details: the trials with their params,
// values and intermediate values (as Trials reads them), then their times
// and user attributes, all in one read transaction.
func (l *Ledger) TrialRecords(ctx context.Context, studyID int64) ([]ledger.TrialRecord, error) {
	var out []ledger.TrialRecord
	err := l.read(ctx, func(tx *sql.Tx) error {
		if err := l.studyExists(ctx, tx, studyID); err != nil {
			return err
		}
		trials, ids, err := l.readTrials(ctx, tx, filter{where: "t.study_id = ?", args: []any{studyID}})
		if err != nil {
			return err
		}
		out = make([]ledger.TrialRecord, len(trials))
		index := make(map[int64]int, len(ids))
		for i, t := range trials {
			out[i] = ledger.TrialRecord{Trial: t, UserAttrs: map[string]string{}}
			index[ids[i]] = i
		}
		if err := l.readTimes(ctx, tx, studyID, index, out); err != nil {
			return err
		}
		return l.readTrialAttrs(ctx, tx, studyID, index, out)
	})
	if err != nil {
		return nil, fmt.Errorf("trial records of study %d: %w", studyID, err)
	}
	return out, nil
}

func (l *Ledger) readTimes(ctx context.Context, tx *sql.Tx, studyID int64, index map[int64]int, out []ledger.TrialRecord) error {
	rows, err := tx.QueryContext(ctx, l.q(`SELECT trial_id, CAST(datetime_start AS TEXT), CAST(datetime_complete AS TEXT)
		FROM trials WHERE study_id = ?`), studyID)
	if err != nil {
		return fmt.Errorf("reading trial times: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var start, end sql.NullString
		if err := rows.Scan(&id, &start, &end); err != nil {
			return fmt.Errorf("reading trial times: %w", err)
		}
		i, ok := index[id]
		if !ok {
			continue
		}
		if out[i].Start, err = decodeStoredTime(start); err != nil {
			return fmt.Errorf("trial %d datetime_start: %w", out[i].Number, err)
		}
		if out[i].Complete, err = decodeStoredTime(end); err != nil {
			return fmt.Errorf("trial %d datetime_complete: %w", out[i].Number, err)
		}
	}
	return rows.Err()
}

func (l *Ledger) readTrialAttrs(ctx context.Context, tx *sql.Tx, studyID int64, index map[int64]int, out []ledger.TrialRecord) error {
	rows, err := tx.QueryContext(ctx, l.q(`SELECT a.trial_id, a."key", a.value_json FROM trial_user_attributes a
		JOIN trials t ON t.trial_id = a.trial_id WHERE t.study_id = ?`), studyID)
	if err != nil {
		return fmt.Errorf("reading trial user attributes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var key, value sql.NullString
		if err := rows.Scan(&id, &key, &value); err != nil {
			return fmt.Errorf("reading trial user attributes: %w", err)
		}
		if i, ok := index[id]; ok && key.Valid {
			out[i].UserAttrs[key.String] = value.String
		}
	}
	return rows.Err()
}

// decodeStoredTime parses a stored naive UTC DATETIME; NULL is the zero time.
func decodeStoredTime(s sql.NullString) (time.Time, error) {
	if !s.Valid || s.String == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(storedTimeFormat, s.String)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s.String, err)
	}
	return t, nil
}

// SetStudyUserAttr implements ledger.Details.
func (l *Ledger) SetStudyUserAttr(ctx context.Context, studyID int64, key, valueJSON string) error {
	if err := ledger.CheckUserAttr(key, valueJSON); err != nil {
		return fmt.Errorf("set user attribute of study %d: %w", studyID, err)
	}
	err := l.write(ctx, func(tx *sql.Tx) error {
		if err := l.studyExists(ctx, tx, studyID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, l.q(`INSERT INTO study_user_attributes (study_id, "key", value_json) VALUES (?, ?, ?)
			ON CONFLICT (study_id, "key") DO UPDATE SET value_json = excluded.value_json`), studyID, key, valueJSON)
		if err != nil {
			return fmt.Errorf("writing study user attribute: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set user attribute %q of study %d: %w", key, studyID, err)
	}
	return nil
}

// StudyUserAttrs implements ledger.Details.
func (l *Ledger) StudyUserAttrs(ctx context.Context, studyID int64) (map[string]string, error) {
	attrs := map[string]string{}
	err := l.read(ctx, func(tx *sql.Tx) error {
		if err := l.studyExists(ctx, tx, studyID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, l.q(`SELECT "key", value_json FROM study_user_attributes WHERE study_id = ?`), studyID)
		if err != nil {
			return fmt.Errorf("reading study user attributes: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var key, value sql.NullString
			if err := rows.Scan(&key, &value); err != nil {
				return fmt.Errorf("reading study user attributes: %w", err)
			}
			if key.Valid {
				attrs[key.String] = value.String
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("user attributes of study %d: %w", studyID, err)
	}
	return attrs, nil
}
