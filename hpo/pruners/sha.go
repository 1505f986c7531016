package pruners

import (
	"math"

	"github.com/redsm5/supermax-hpo/hpo"
)

// sha is asynchronous successive halving as Optuna's SuccessiveHalvingPruner
// (bootstrap_count 0). Rung r completes at step
// minResource * eta^(minEarlyStoppingRate + r). A trial that reaches it
// records its value in the rung's table and is promoted when the value is in
// the top 1/eta of the table (itself included): with n values it must be at
// least as good as the k-th best, k = max(n/eta, 1) in integer division, so
// the first trials at a rung (n < eta) are promoted when they match the best.
type sha struct {
	minResource, eta, rate int
	dir                    hpo.Direction
	rungs                  [][]float64 // ascending values recorded at each rung
	completed              map[int]int // running trial -> rungs it has completed
}

func newSHA(minResource, eta, rate int, dir hpo.Direction) *sha {
	return &sha{minResource: minResource, eta: eta, rate: rate, dir: dir, completed: map[int]int{}}
}

func (s *sha) fresh() policy { return newSHA(s.minResource, s.eta, s.rate, s.dir) }

func (s *sha) observe(trial, step int, value float64) {}

// decide walks the rungs the trial has reached at step, as Optuna's loop does:
// a NaN value at a rung prunes without being recorded; a value recorded at a
// rung either loses (prune) or climbs to the next rung.
func (s *sha) decide(trial, step int, value float64) bool {
	rung := s.completed[trial]
	for step >= s.rungStep(rung) {
		if math.IsNaN(value) {
			return true
		}
		for len(s.rungs) <= rung {
			s.rungs = append(s.rungs, nil)
		}
		s.rungs[rung] = insertSorted(s.rungs[rung], value)
		rung++
		s.completed[trial] = rung
		if !promotable(value, s.rungs[rung-1], s.eta, s.dir) {
			return true
		}
	}
	return false
}

// rungStep is the step at which rung completes, saturating at MaxStep+1
// (never reached) instead of overflowing.
func (s *sha) rungStep(rung int) int {
	step := s.minResource
	for i := 0; i < s.rate+rung; i++ {
		if step > MaxStep/s.eta {
			return MaxStep + 1
		}
		step *= s.eta
	}
	return step
}

// promotable reports whether value is in the top 1/eta of the ascending
// table, which holds value itself: Optuna's _is_trial_promotable_to_next_rung.
func promotable(value float64, table []float64, eta int, dir hpo.Direction) bool {
	idx := len(table)/eta - 1
	if idx < 0 {
		idx = 0
	}
	if dir == hpo.Minimize {
		return value <= table[idx]
	}
	return value >= table[len(table)-1-idx]
}

func (s *sha) finish(trial int, state hpo.TrialState) { delete(s.completed, trial) }

func (s *sha) encode(e *encoder) {
	e.uvarint(uint64(len(s.rungs)))
	for _, r := range s.rungs {
		e.sortedFloats(r)
	}
	keys := sortedTrials(s.completed)
	e.uvarint(uint64(len(keys)))
	for _, t := range keys {
		e.int(t)
		e.int(s.completed[t])
	}
}

func (s *sha) decode(d *decoder) {
	n := d.count("rung count", 1)
	s.rungs = make([][]float64, n)
	for i := range s.rungs {
		s.rungs[i] = d.sortedFloats("rung table")
	}
	m := d.count("running trial count", 2)
	for i := 0; i < m && d.err == nil; i++ {
		t := d.atLeast("trial number", 0)
		c := d.atLeast("completed rungs", 1)
		if _, dup := s.completed[t]; d.err == nil && (dup || c > len(s.rungs)) {
			d.fail("trial %d: %d completed rungs (of %d) or listed twice", t, c, len(s.rungs))
		}
		s.completed[t] = c
	}
}
