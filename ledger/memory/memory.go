// Package memory is an in-memory ledger.Ledger for tests and demos. It keeps
// every rule of the durable ledgers (idempotent writes, immutable finished
// trials, dense numbers, incremental cursors) but nothing survives Close or
// the process.
package memory

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
)

// Ledger is an in-memory ledger.Ledger. It is safe for concurrent use by
// several goroutines; all methods are non-blocking apart from a mutex.
type Ledger struct {
	mu      sync.Mutex
	studies []*study // index = study id - 1
	byName  map[string]*study
	lastID  int64 // last trial id handed out, across studies (like a table)
	closed  bool
}

type study struct {
	meta   ledger.Study
	trials []*trial          // index = trial number
	attrs  map[string]string // study user attributes (details.go)
}

type trial struct {
	id           int64
	hpo          hpo.Trial
	attrs        map[string]string
	start, ended time.Time
}

// New returns an empty ledger.
func New() *Ledger {
	return &Ledger{byName: make(map[string]*study)}
}

var _ ledger.Ledger = (*Ledger)(nil)

// CreateStudy implements ledger.Ledger.
func (l *Ledger) CreateStudy(ctx context.Context, name string, dir hpo.Direction) (ledger.Study, error) {
	if err := ledger.CheckStudyName(name); err != nil {
		return ledger.Study{}, fmt.Errorf("create study: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable(ctx); err != nil {
		return ledger.Study{}, err
	}
	if s, ok := l.byName[name]; ok {
		if s.meta.Direction != dir {
			return ledger.Study{}, fmt.Errorf("create study %q %s: recorded as %s: %w", name, dir, s.meta.Direction, ledger.ErrConflict)
		}
		return s.meta, nil
	}
	s := &study{meta: ledger.Study{ID: int64(len(l.studies) + 1), Name: name, Direction: dir}}
	l.studies = append(l.studies, s)
	l.byName[name] = s
	return s.meta, nil
}

// GetStudy implements ledger.Ledger.
func (l *Ledger) GetStudy(ctx context.Context, name string) (ledger.Study, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable(ctx); err != nil {
		return ledger.Study{}, err
	}
	s, ok := l.byName[name]
	if !ok {
		return ledger.Study{}, fmt.Errorf("study %q: %w", name, ledger.ErrNotFound)
	}
	return s.meta, nil
}

// NextTrial implements ledger.Ledger.
func (l *Ledger) NextTrial(ctx context.Context, studyID int64, start time.Time) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, err := l.study(ctx, studyID)
	if err != nil {
		return 0, err
	}
	return l.appendTrial(s, start).hpo.Number, nil
}

func (l *Ledger) appendTrial(s *study, start time.Time) *trial {
	l.lastID++
	t := &trial{id: l.lastID, start: start, attrs: map[string]string{}}
	t.hpo = hpo.Trial{Number: len(s.trials), State: hpo.Running, Params: map[string]float64{},
		Dists: map[string]hpo.Distribution{}, Intermediate: map[int]float64{}}
	s.trials = append(s.trials, t)
	return t
}

// PutTrial implements ledger.Ledger.
func (l *Ledger) PutTrial(ctx context.Context, studyID int64, n int, params map[string]float64, dists map[string]hpo.Distribution, start time.Time) error {
	if err := ledger.CheckTrialNumber(n); err != nil {
		return fmt.Errorf("put trial: %w", err)
	}
	if err := ledger.CheckParams(params, dists); err != nil {
		return fmt.Errorf("put trial %d: %w", n, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	s, err := l.study(ctx, studyID)
	if err != nil {
		return err
	}
	switch {
	case n > len(s.trials):
		return fmt.Errorf("put trial %d: next free number is %d: %w", n, len(s.trials), ledger.ErrGap)
	case n == len(s.trials):
		l.appendTrial(s, start)
	}
	t := s.trials[n]
	if len(t.hpo.Params) > 0 {
		if !ledger.SameParams(t.hpo.Params, t.hpo.Dists, params, dists) {
			return fmt.Errorf("put trial %d: other parameters are recorded: %w", n, ledger.ErrConflict)
		}
		return nil
	}
	if t.hpo.State.Finished() {
		return fmt.Errorf("put trial %d: %w", n, ledger.ErrTrialFinished)
	}
	t.hpo.Params = maps.Clone(params)
	t.hpo.Dists = maps.Clone(dists)
	return nil
}

// Report implements ledger.Ledger.
func (l *Ledger) Report(ctx context.Context, studyID int64, n, step int, value float64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, err := l.trial(ctx, studyID, n)
	if err != nil {
		return fmt.Errorf("report trial %d step %d: %w", n, step, err)
	}
	if t.hpo.State.Finished() {
		if old, ok := t.hpo.Intermediate[step]; ok && ledger.SameFloat(old, value) {
			return nil
		}
		return fmt.Errorf("report trial %d step %d: %w", n, step, ledger.ErrTrialFinished)
	}
	t.hpo.Intermediate[step] = value
	return nil
}

// SetUserAttr implements ledger.Ledger.
func (l *Ledger) SetUserAttr(ctx context.Context, studyID int64, n int, key, valueJSON string) error {
	if err := ledger.CheckUserAttr(key, valueJSON); err != nil {
		return fmt.Errorf("set user attribute of trial %d: %w", n, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	t, err := l.trial(ctx, studyID, n)
	if err != nil {
		return fmt.Errorf("set user attribute %q of trial %d: %w", key, n, err)
	}
	if t.hpo.State.Finished() {
		if old, ok := t.attrs[key]; ok && old == valueJSON {
			return nil
		}
		return fmt.Errorf("set user attribute %q of trial %d: %w", key, n, ledger.ErrTrialFinished)
	}
	t.attrs[key] = valueJSON
	return nil
}

// Finish implements ledger.Ledger.
func (l *Ledger) Finish(ctx context.Context, studyID int64, n int, state hpo.TrialState, value *float64, end time.Time) error {
	if err := ledger.CheckFinish(state, value); err != nil {
		return fmt.Errorf("finish trial %d: %w", n, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	t, err := l.trial(ctx, studyID, n)
	if err != nil {
		return fmt.Errorf("finish trial %d: %w", n, err)
	}
	if t.hpo.State.Finished() {
		if t.hpo.State == state && ledger.SameValue(t.hpo.Value, value) {
			return nil
		}
		return fmt.Errorf("finish trial %d as %s: recorded as %s: %w", n, state, t.hpo.State, ledger.ErrTrialFinished)
	}
	t.hpo.State = state
	if value != nil {
		v := *value
		t.hpo.Value = &v
	}
	t.ended = end
	return nil
}

// Trials implements ledger.Ledger.
func (l *Ledger) Trials(ctx context.Context, studyID int64, since ledger.Cursor) ([]hpo.Trial, ledger.Cursor, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, err := l.study(ctx, studyID)
	if err != nil {
		return nil, since, err
	}
	again := make(map[int64]bool, len(since.Unfinished))
	for _, id := range since.Unfinished {
		again[id] = true
	}
	var out []hpo.Trial
	var ids []int64
	var states []hpo.TrialState
	for _, t := range s.trials {
		if t.id >= since.NextTrialID || again[t.id] {
			out = append(out, snapshot(t))
			ids = append(ids, t.id)
			states = append(states, t.hpo.State)
		}
	}
	return out, ledger.MergeCursor(since, ids, states), nil
}

// Best implements ledger.Ledger.
func (l *Ledger) Best(ctx context.Context, studyID int64) (hpo.Trial, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, err := l.study(ctx, studyID)
	if err != nil {
		return hpo.Trial{}, err
	}
	var best *trial
	for _, t := range s.trials {
		if t.hpo.State != hpo.Complete || t.hpo.Value == nil {
			continue
		}
		if best == nil || s.meta.Direction.Better(*t.hpo.Value, *best.hpo.Value) {
			best = t
		}
	}
	if best == nil {
		return hpo.Trial{}, fmt.Errorf("best trial of study %d: no COMPLETE trial: %w", studyID, ledger.ErrNotFound)
	}
	return snapshot(best), nil
}

// Close implements ledger.Ledger; later calls fail.
func (l *Ledger) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	return nil
}

func (l *Ledger) usable(ctx context.Context) error {
	if l.closed {
		return fmt.Errorf("memory ledger is closed")
	}
	return ctx.Err()
}

func (l *Ledger) study(ctx context.Context, id int64) (*study, error) {
	if err := l.usable(ctx); err != nil {
		return nil, err
	}
	if id < 1 || id > int64(len(l.studies)) {
		return nil, fmt.Errorf("study id %d: %w", id, ledger.ErrNotFound)
	}
	return l.studies[id-1], nil
}

func (l *Ledger) trial(ctx context.Context, studyID int64, n int) (*trial, error) {
	s, err := l.study(ctx, studyID)
	if err != nil {
		return nil, err
	}
	if n < 0 || n >= len(s.trials) {
		return nil, fmt.Errorf("trial %d of study %d: %w", n, studyID, ledger.ErrNotFound)
	}
	return s.trials[n], nil
}

// snapshot copies t so that callers never share maps with the ledger.
func snapshot(t *trial) hpo.Trial {
	c := t.hpo
	c.Params = maps.Clone(t.hpo.Params)
	c.Dists = maps.Clone(t.hpo.Dists)
	c.Intermediate = maps.Clone(t.hpo.Intermediate)
	if t.hpo.Value != nil {
		v := *t.hpo.Value
		c.Value = &v
	}
	return c
}
