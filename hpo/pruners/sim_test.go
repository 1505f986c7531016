package pruners

import (
	"math"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
)

// scenario is a deterministic schedule of trials that the Go pruners and
// Optuna (optuna_test.go) both run: `parallel` slots report round-robin, one
// step per slot per round; trial n (numbered in start order, from 0) reports
// curves[n][0..] at steps 1, 2, ... and completes after its last value unless
// pruned first; a freed slot starts the next trial in the next round.
type scenario struct {
	Parallel int
	Curves   [][]float64
}

// outcome is the step at which each trial was pruned, 0 when it completed.
type outcome []int

// run drives p through the scenario, finishing trials as it goes.
func (s scenario) run(t *testing.T, p hpo.Pruner) outcome {
	t.Helper()
	out := make(outcome, len(s.Curves))
	slots := make([]int, s.Parallel) // trial in each slot, -1 when idle
	steps := make([]int, s.Parallel)
	next := 0
	for i := range slots {
		slots[i], next = next, next+1
		if slots[i] >= len(s.Curves) {
			slots[i] = -1
		}
	}
	for busy := true; busy; {
		busy = false
		for i, n := range slots {
			if n < 0 {
				continue
			}
			busy = true
			steps[i]++
			v := s.Curves[n][steps[i]-1]
			pruned := p.Report(n, steps[i], v)
			if pruned {
				out[n] = steps[i]
				p.Finish(n, hpo.Pruned, v)
			} else if steps[i] == len(s.Curves[n]) {
				p.Finish(n, hpo.Complete, v)
			}
			if pruned || steps[i] == len(s.Curves[n]) {
				slots[i], steps[i] = -1, 0
				if next < len(s.Curves) {
					slots[i], next = next, next+1
				}
			}
		}
	}
	return out
}

// rng is SplitMix64, enough for reproducible test curves.
type rng uint64

func (r *rng) float() float64 {
	*r += 0x9e3779b97f4a7c15
	x := uint64(*r)
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}

// randomScenario builds noisy saturating curves of varied length (early
// stopping), a few with NaN reports, and some exact ties (rounded values).
func randomScenario(seed uint64, trials, maxSteps, parallel int) scenario {
	r := rng(seed)
	s := scenario{Parallel: parallel}
	for n := 0; n < trials; n++ {
		top, rate := 0.3+0.6*r.float(), 0.05+0.5*r.float()
		length := maxSteps
		if r.float() < 0.3 {
			length = 1 + int(r.float()*float64(maxSteps))
		}
		round := r.float() < 0.2
		curve := make([]float64, length)
		for k := range curve {
			v := top*(1-math.Exp(-rate*float64(k+1))) + 0.05*(r.float()-0.5)
			if round {
				v = math.Round(v*20) / 20
			}
			if r.float() < 0.02 {
				v = math.NaN()
			}
			curve[k] = v
		}
		s.Curves = append(s.Curves, curve)
	}
	return s
}

// lossCurves turns rising metric curves into falling loss curves (1 - v).
func (s scenario) lossCurves() scenario {
	out := scenario{Parallel: s.Parallel}
	for _, c := range s.Curves {
		l := make([]float64, len(c))
		for i, v := range c {
			l[i] = 1 - v
		}
		out.Curves = append(out.Curves, l)
	}
	return out
}
