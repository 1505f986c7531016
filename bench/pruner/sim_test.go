package main

import (
	"testing"

	"github.com/redsm5/supermax-hpo/hpo/earlystop"
)

// TestSimulation checks the simulator on a small study: without pruning it
// trains each trial exactly until early stopping or the last epoch; every
// pruner trains no more than that, and its restored state decides the same.
func TestSimulation(t *testing.T) {
	o := options{trials: 60, epochs: 30, parallel: 3, patience: 5, seeds: 1}
	s := newStudy(o, o.trials, 1)
	want := 0
	for _, c := range s.curves {
		var st earlystop.State
		for e := 1; e <= o.epochs; e++ {
			want++
			var stop bool
			if st, stop = s.stopping.Step(st, e, c.observed(e)); stop {
				break
			}
		}
	}
	for _, p := range lineup(o.epochs) {
		r, err := s.run(p.cfg, 10)
		if err != nil {
			t.Fatal(err)
		}
		if p.name == "none" && (r.epochs != want || r.complete != o.trials) {
			t.Errorf("none: %d epochs, %d complete; want %d epochs, %d complete", r.epochs, r.complete, want, o.trials)
		}
		if r.epochs > want || !r.restoredMatches || r.best <= 0 || r.peakState < r.finalState {
			t.Errorf("%s: %+v (no-pruning epochs %d)", p.name, r, want)
		}
	}
}

// TestCurveDeterministic: a trial's curve depends only on (seed, number).
func TestCurveDeterministic(t *testing.T) {
	a, b := newCurve(3, 17, 50), newCurve(3, 17, 50)
	c := newCurve(3, 18, 50)
	same, differs := true, false
	for e := 1; e <= 50; e++ {
		same = same && a.observed(e) == b.observed(e)
		differs = differs || a.observed(e) != c.observed(e)
		if v := a.observed(e); v < 0 || v > 1 {
			t.Fatalf("epoch %d: value %v outside [0, 1]", e, v)
		}
	}
	if !same || !differs {
		t.Errorf("same seed and number equal: %v; other number differs: %v", same, differs)
	}
}
