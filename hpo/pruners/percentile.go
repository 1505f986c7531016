package pruners

import (
	"math"

	"github.com/redsm5/supermax-hpo/hpo"
)

// percentile is Optuna's PercentilePruner (MedianPruner is percentile 50)
// with n_min_trials 1. After nStartup COMPLETE trials, from step nWarmup on,
// at the first report in each interval of intervalSteps, a trial is pruned
// when its best value so far (NaN-ignoring; all NaN prunes) is worse than the
// percentile (numpy's linear interpolation, NaN-ignoring) of the COMPLETE
// trials' values at the same step; no value at that step means no pruning.
//
// State, exact and compact: for each step, the sorted non-NaN values of
// complete trials only; the (step, value) curves of running trials only
// while they run, moved into the step tables when they complete and dropped
// when they are pruned or fail.
type percentile struct {
	q                        float64 // quantile in [0, 1] after the direction flip
	nStartup, nWarmup, every int
	dir                      hpo.Direction
	complete                 int           // number of COMPLETE trials
	steps                    []stepValues  // index step-1
	running                  map[int]curve // running trial -> its reports
}

// stepValues holds the non-NaN values that complete trials reported at one
// step, ascending. NaN values are not kept: with n_min_trials 1 they change no
// decision (numpy's nanpercentile ignores them).
type stepValues struct{ sorted []float64 }

// curve is a running trial's reports in step order, and its best value.
type curve struct {
	steps  []int
	values []float64
	best   float64 // NaN until a non-NaN value arrives
}

func newPercentile(pct float64, nStartup, nWarmup, every int, dir hpo.Direction) *percentile {
	if dir == hpo.Maximize {
		pct = 100 - pct // as Optuna: keep the top pct, so cut at the (100-pct)th
	}
	return &percentile{q: pct / 100, nStartup: nStartup, nWarmup: nWarmup, every: every,
		dir: dir, running: map[int]curve{}}
}

func (p *percentile) fresh() policy {
	f := *p
	f.complete, f.steps, f.running = 0, nil, map[int]curve{}
	return &f
}

func (p *percentile) observe(trial, step int, value float64) {
	c, ok := p.running[trial]
	if !ok {
		c.best = math.NaN()
	}
	c.steps = append(c.steps, step)
	c.values = append(c.values, value)
	c.best = p.better(c.best, value)
	p.running[trial] = c
}

// better is numpy's nanmax (nanmin when minimizing) of two values.
func (p *percentile) better(best, v float64) float64 {
	if math.IsNaN(best) || p.dir.Better(v, best) {
		return v
	}
	return best
}

func (p *percentile) decide(trial, step int, value float64) bool {
	if p.complete == 0 || p.complete < p.nStartup || step < p.nWarmup {
		return false
	}
	c := p.running[trial]
	if !p.firstInInterval(step, c) {
		return false
	}
	if math.IsNaN(c.best) {
		return true
	}
	cut, ok := p.cutoff(step)
	if !ok {
		return false
	}
	if p.dir == hpo.Minimize {
		return c.best > cut
	}
	return c.best < cut
}

// firstInInterval is Optuna's _is_first_in_interval_step: the report before
// this one came before the latest pruning step at or below step.
func (p *percentile) firstInInterval(step int, c curve) bool {
	lowest := (step-p.nWarmup)/p.every*p.every + p.nWarmup
	prev := -1
	if n := len(c.steps); n >= 2 {
		prev = c.steps[n-2]
	}
	return prev < lowest
}

// cutoff is numpy.nanpercentile(values at step, 100*q) with the linear
// method, reproduced operation by operation; ok is false when no complete
// trial has a non-NaN value at step (Optuna: no value, or NaN, no pruning).
func (p *percentile) cutoff(step int) (float64, bool) {
	if step > len(p.steps) {
		return 0, false
	}
	vs := p.steps[step-1].sorted
	if len(vs) == 0 {
		return 0, false
	}
	virtual := float64(len(vs)-1) * p.q
	if virtual >= float64(len(vs)-1) {
		return vs[len(vs)-1], true
	}
	lo := math.Floor(virtual)
	a, b := vs[int(lo)], vs[int(lo)+1]
	return lerp(a, b, virtual-lo), true
}

// lerp is numpy's _lerp. The explicit float64 conversions forbid fusing a
// product into the following sum or difference (Go spec, "Arithmetic
// operators"), so every machine rounds exactly as numpy does.
func lerp(a, b, t float64) float64 {
	diff := b - a
	if t >= 0.5 {
		return b - float64(diff*(1-t))
	}
	return a + float64(diff*t)
}

func (p *percentile) finish(trial int, state hpo.TrialState) {
	c := p.running[trial]
	delete(p.running, trial)
	if state != hpo.Complete {
		return
	}
	p.complete++
	for i, step := range c.steps {
		for len(p.steps) < step {
			p.steps = append(p.steps, stepValues{})
		}
		if v := c.values[i]; !math.IsNaN(v) {
			p.steps[step-1].sorted = insertSorted(p.steps[step-1].sorted, v)
		}
	}
}

func (p *percentile) encode(e *encoder) {
	e.int(p.complete)
	e.uvarint(uint64(len(p.steps)))
	for _, sv := range p.steps {
		e.sortedFloats(sv.sorted)
	}
	keys := sortedTrials(p.running)
	e.uvarint(uint64(len(keys)))
	for _, t := range keys {
		c := p.running[t]
		e.int(t)
		e.uvarint(uint64(len(c.steps)))
		prev := 0
		for i, s := range c.steps {
			e.int(s - prev)
			e.float(c.values[i])
			prev = s
		}
	}
}

func (p *percentile) decode(d *decoder) {
	p.complete = d.atLeast("complete trial count", 0)
	n := d.count("step count", 1)
	if d.err == nil && n > MaxStep {
		d.fail("step count %d exceeds %d", n, MaxStep)
	}
	p.steps = make([]stepValues, n)
	for i := range p.steps {
		p.steps[i].sorted = d.sortedFloats("step table")
	}
	m := d.count("running trial count", 2)
	for i := 0; i < m && d.err == nil; i++ {
		t := d.atLeast("trial number", 0)
		if _, dup := p.running[t]; dup {
			d.fail("trial %d listed twice", t)
		}
		p.running[t] = p.decodeCurve(d)
	}
}

// decodeCurve reads one running trial's reports; steps must ascend from 1.
func (p *percentile) decodeCurve(d *decoder) curve {
	c := curve{best: math.NaN()}
	k := d.count("curve length", 9)
	step := 0
	for j := 0; j < k && d.err == nil; j++ {
		step += d.atLeast("curve step delta", 1)
		v := d.float("curve value")
		if d.err == nil && step > MaxStep {
			d.fail("curve step %d exceeds %d", step, MaxStep)
		}
		c.steps = append(c.steps, step)
		c.values = append(c.values, v)
		c.best = p.better(c.best, v)
	}
	return c
}
