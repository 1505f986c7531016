package pruners

import (
	"math"

	"github.com/redsm5/supermax-hpo/hpo"
)

// patient is Optuna's PatientPruner around another rule: the inner rule is
// asked (and, for successive halving, records rung values) only when the
// trial has more than patience+1 reports and the best of the last patience+1
// reports is worse than the best before them by more than minDelta
// (NaN-ignoring maxima, or minima when minimizing). Every report still
// reaches the inner rule's observe, so median tables see the whole curve.
type patient struct {
	inner    policy
	patience int
	minDelta float64
	dir      hpo.Direction
	running  map[int]*window
}

// window is a running trial's recent history: the number of reports, the
// best value before the last patience+1 (NaN when none), and those reports.
type window struct {
	n      int
	before float64
	recent []float64
}

func newPatient(inner policy, patience int, minDelta float64, dir hpo.Direction) *patient {
	return &patient{inner: inner, patience: patience, minDelta: minDelta, dir: dir, running: map[int]*window{}}
}

func (p *patient) fresh() policy {
	return newPatient(p.inner.fresh(), p.patience, p.minDelta, p.dir)
}

func (p *patient) observe(trial, step int, value float64) {
	p.inner.observe(trial, step, value)
	w := p.running[trial]
	if w == nil {
		w = &window{before: math.NaN()}
		p.running[trial] = w
	}
	w.n++
	w.recent = append(w.recent, value)
	if len(w.recent) > p.patience+1 {
		w.before = p.best(w.before, w.recent[0])
		w.recent = append(w.recent[:0], w.recent[1:]...)
	}
}

// best is numpy's nanmax (nanmin when minimizing) of two values.
func (p *patient) best(a, b float64) float64 {
	if math.IsNaN(a) || p.dir.Better(b, a) {
		return b
	}
	return a
}

func (p *patient) decide(trial, step int, value float64) bool {
	w := p.running[trial]
	if w.n <= p.patience+1 {
		return false
	}
	recent := math.NaN()
	for _, v := range w.recent {
		recent = p.best(recent, v)
	}
	// NaN on either side makes both comparisons false, as in numpy.
	stalled := w.before-p.minDelta > recent
	if p.dir == hpo.Minimize {
		stalled = w.before+p.minDelta < recent
	}
	return stalled && p.inner.decide(trial, step, value)
}

func (p *patient) finish(trial int, state hpo.TrialState) {
	delete(p.running, trial)
	p.inner.finish(trial, state)
}

func (p *patient) encode(e *encoder) {
	p.inner.encode(e)
	keys := sortedTrials(p.running)
	e.uvarint(uint64(len(keys)))
	for _, t := range keys {
		w := p.running[t]
		e.int(t)
		e.int(w.n)
		e.float(w.before)
		e.uvarint(uint64(len(w.recent)))
		for _, v := range w.recent {
			e.float(v)
		}
	}
}

func (p *patient) decode(d *decoder) {
	p.inner.decode(d)
	m := d.count("patient trial count", 11)
	for i := 0; i < m && d.err == nil; i++ {
		t := d.atLeast("trial number", 0)
		w := &window{n: d.atLeast("report count", 1), before: d.float("best before window")}
		k := d.count("window length", 8)
		for j := 0; j < k; j++ {
			w.recent = append(w.recent, d.float("window value"))
		}
		_, dup := p.running[t]
		want := min(w.n, p.patience+1)
		// Nothing has left the window before it is full.
		early := w.n <= p.patience+1 && !math.IsNaN(w.before)
		if d.err == nil && (dup || k != want || early) {
			d.fail("patient trial %d: %d reports, window of %d (want %d), value before a partial window, or listed twice", t, w.n, k, want)
		}
		p.running[t] = w
	}
}
