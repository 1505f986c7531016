package tpe

import (
	"math"
	"slices"

	"github.com/redsm5/supermax-hpo/hpo"
)

// gamma is Optuna's default_gamma: the number of good ("below") trials among
// n finished ones, min(ceil(0.1 n), 25), computed in float64 as Optuna
// does (for every n below 100,000 that equals the integer ceiling).
func gamma(n int) int {
	return min(int(math.Ceil(0.1*float64(n))), 25)
}

// split is the history as TPE sees it: the good trials that build l(x) and
// the bad ones that build g(x), each in trial-number order, and the number
// of finished (COMPLETE or PRUNED) trials.
type split struct {
	below, above []*hpo.Trial
	finished     int
}

// splitTrials is Optuna's _split_trials for one objective. Trial number
// itself and FAIL and WAITING trials are left out; RUNNING ones only count
// (as bad trials) with the constant liar. The gamma(finished) best go below:
// COMPLETE trials first, best value first, then PRUNED ones by the furthest
// step reached and their value there. A COMPLETE trial without a finite
// value is treated as failed.
func splitTrials(history []hpo.Trial, number int, dir hpo.Direction, liar bool) split {
	var complete, pruned, running []*hpo.Trial
	for i := range history {
		t := &history[i]
		if t.Number == number {
			continue
		}
		switch {
		case t.State == hpo.Complete && t.Value != nil && !math.IsNaN(*t.Value):
			complete = append(complete, t)
		case t.State == hpo.Pruned:
			pruned = append(pruned, t)
		case t.State == hpo.Running && liar:
			running = append(running, t)
		}
	}
	n := len(complete) + len(pruned)
	nBelow := gamma(n)
	good := make(map[*hpo.Trial]bool, nBelow)
	for _, t := range best(complete, nBelow, func(t *hpo.Trial) [2]float64 { return completeKey(t, dir) }) {
		good[t] = true
	}
	for _, t := range best(pruned, nBelow-len(good), func(t *hpo.Trial) [2]float64 { return prunedKey(t, dir) }) {
		good[t] = true
	}
	s := split{finished: n}
	for _, group := range [][]*hpo.Trial{complete, pruned, running} {
		for _, t := range group {
			if good[t] {
				s.below = append(s.below, t)
			} else {
				s.above = append(s.above, t)
			}
		}
	}
	byNumber := func(a, b *hpo.Trial) int { return a.Number - b.Number }
	slices.SortStableFunc(s.below, byNumber)
	slices.SortStableFunc(s.above, byNumber)
	return s
}

// completeKey orders COMPLETE trials best first.
func completeKey(t *hpo.Trial, dir hpo.Direction) [2]float64 {
	if dir == hpo.Maximize {
		return [2]float64{-*t.Value, 0}
	}
	return [2]float64{*t.Value, 0}
}

// prunedKey is Optuna's _get_pruned_trial_score: (-last step, value at it
// signed so lower is better; NaN is worst); (1, 0) without intermediate
// values, after every trial that reported one.
func prunedKey(t *hpo.Trial, dir hpo.Direction) [2]float64 {
	step, v, ok := lastIntermediate(t.Intermediate)
	switch {
	case !ok:
		return [2]float64{1, 0}
	case math.IsNaN(v):
		return [2]float64{-float64(step), math.Inf(1)}
	case dir == hpo.Maximize:
		return [2]float64{-float64(step), -v}
	}
	return [2]float64{-float64(step), v}
}

// lastIntermediate returns the value at the largest step. The result does
// not depend on map order: it is a maximum over the keys.
func lastIntermediate(iv map[int]float64) (step int, v float64, ok bool) {
	for s, x := range iv {
		if !ok || s > step {
			step, v, ok = s, x, true
		}
	}
	return step, v, ok
}

// best returns the m trials with the smallest key, ties broken by position
// in ts (as Python's stable sort does). It keeps a sorted buffer of m, so it
// costs O(len(ts) · m) at worst, with m <= 25.
func best(ts []*hpo.Trial, m int, key func(*hpo.Trial) [2]float64) []*hpo.Trial {
	m = min(m, len(ts))
	if m <= 0 {
		return nil
	}
	type entry struct {
		k [2]float64
		t *hpo.Trial
	}
	less := func(a, b [2]float64) bool { return a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]) }
	buf := make([]entry, 0, m)
	for _, t := range ts {
		k := key(t)
		if len(buf) == m && !less(k, buf[m-1].k) {
			continue
		}
		i := len(buf)
		for i > 0 && less(k, buf[i-1].k) {
			i--
		}
		if len(buf) < m {
			buf = append(buf, entry{})
		}
		copy(buf[i+1:], buf[i:len(buf)-1])
		buf[i] = entry{k, t}
	}
	out := make([]*hpo.Trial, len(buf))
	for i, e := range buf {
		out[i] = e.t
	}
	return out
}
