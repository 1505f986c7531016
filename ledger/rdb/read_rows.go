package rdb

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/redsm5/supermax-hpo/hpo"
)

// distCache parses each distinct distribution JSON once per read: a study's
// thousands of parameter rows repeat a few dozen distributions.
type distCache map[string]hpo.Distribution

func (c distCache) get(raw sql.RawBytes) (hpo.Distribution, error) {
	if d, ok := c[string(raw)]; ok {
		return d, nil
	}
	d, err := hpo.UnmarshalDistribution(raw)
	if err != nil {
		return nil, err
	}
	c[string(raw)] = d
	return d, nil
}

func (l *Ledger) readParamRows(ctx context.Context, tx *sql.Tx, f filter, byID map[int64]*hpo.Trial) error {
	rows, err := tx.QueryContext(ctx, l.q(`SELECT p.trial_id, p.param_name, p.param_value, p.distribution_json
		FROM trial_params p JOIN trials t ON t.trial_id = p.trial_id WHERE `+f.where), f.args...)
	if err != nil {
		return fmt.Errorf("reading parameters: %w", err)
	}
	defer rows.Close()
	cache := distCache{}
	for rows.Next() {
		var id int64
		var name string
		var value float64
		var dj sql.RawBytes
		if err := rows.Scan(&id, &name, &value, &dj); err != nil {
			return fmt.Errorf("reading parameters: %w", err)
		}
		t, ok := byID[id]
		if !ok {
			continue
		}
		d, err := cache.get(dj)
		if err != nil {
			return fmt.Errorf("trial %d parameter %q: %w", t.Number, name, err)
		}
		t.Params[name] = value
		t.Dists[name] = d
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading parameters: %w", err)
	}
	return nil
}

func (l *Ledger) readValueRows(ctx context.Context, tx *sql.Tx, f filter, byID map[int64]*hpo.Trial) error {
	rows, err := tx.QueryContext(ctx, l.q(`SELECT v.trial_id, v.value, CAST(v.value_type AS TEXT)
		FROM trial_values v JOIN trials t ON t.trial_id = v.trial_id WHERE v.objective = 0 AND `+f.where), f.args...)
	if err != nil {
		return fmt.Errorf("reading values: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var v sql.NullFloat64
		var typ string
		if err := rows.Scan(&id, &v, &typ); err != nil {
			return fmt.Errorf("reading values: %w", err)
		}
		t, ok := byID[id]
		if !ok {
			continue
		}
		x, err := decodeValue(v, typ)
		if err != nil {
			return fmt.Errorf("trial %d value: %w", t.Number, err)
		}
		t.Value = &x
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading values: %w", err)
	}
	return nil
}

func (l *Ledger) readIntermediateRows(ctx context.Context, tx *sql.Tx, f filter, byID map[int64]*hpo.Trial) error {
	rows, err := tx.QueryContext(ctx, l.q(`SELECT i.trial_id, i.step, i.intermediate_value, CAST(i.intermediate_value_type AS TEXT)
		FROM trial_intermediate_values i JOIN trials t ON t.trial_id = i.trial_id WHERE `+f.where), f.args...)
	if err != nil {
		return fmt.Errorf("reading intermediate values: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var step int
		var v sql.NullFloat64
		var typ string
		if err := rows.Scan(&id, &step, &v, &typ); err != nil {
			return fmt.Errorf("reading intermediate values: %w", err)
		}
		t, ok := byID[id]
		if !ok {
			continue
		}
		x, err := decodeValue(v, typ)
		if err != nil {
			return fmt.Errorf("trial %d step %d: %w", t.Number, step, err)
		}
		t.Intermediate[step] = x
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading intermediate values: %w", err)
	}
	return nil
}

// readParams reads the parameters of one trial (PutTrial compares them).
func (l *Ledger) readParams(ctx context.Context, tx *sql.Tx, trialID int64) (map[string]float64, map[string]hpo.Distribution, error) {
	t := &hpo.Trial{Params: map[string]float64{}, Dists: map[string]hpo.Distribution{}}
	f := filter{where: "t.trial_id = ?", args: []any{trialID}}
	if err := l.readParamRows(ctx, tx, f, map[int64]*hpo.Trial{trialID: t}); err != nil {
		return nil, nil, err
	}
	return t.Params, t.Dists, nil
}
