package earlystop

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
)

// run feeds values from epoch 1 and returns the epoch at which Step first
// said stop (0: never) and the final state.
func run(es EarlyStopping, values ...float64) (int, State) {
	var s State
	for i, v := range values {
		var stop bool
		s, stop = es.Step(s, i+1, v)
		if stop {
			return i + 1, s
		}
	}
	return 0, s
}

func TestStep(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name     string
		es       EarlyStopping
		values   []float64
		stopAt   int
		best     float64
		bestAt   int
		badAfter int
	}{
		{"first value improves", EarlyStopping{Patience: 2}, []float64{0.1}, 0, 0.1, 1, 0},
		{"first value improves despite min_delta", EarlyStopping{Patience: 1, MinDelta: 5}, []float64{-3}, 0, -3, 1, 0},
		{"patience 1 stops at first non-improvement", EarlyStopping{Patience: 1}, []float64{0.5, 0.6, 0.6}, 3, 0.6, 2, 1},
		{"equal is not an improvement", EarlyStopping{Patience: 2}, []float64{0.5, 0.5, 0.5}, 3, 0.5, 1, 2},
		{"improvement resets the count", EarlyStopping{Patience: 2}, []float64{0.5, 0.4, 0.6, 0.6, 0.59}, 5, 0.6, 3, 2},
		{"min_delta: gain of exactly delta is bad", EarlyStopping{Patience: 2, MinDelta: 0.25}, []float64{1, 1.25, 1.2}, 3, 1, 1, 2},
		{"min_delta: gain above delta improves", EarlyStopping{Patience: 2, MinDelta: 0.25}, []float64{1, 1.25, 1.5001}, 0, 1.5001, 3, 0},
		{"mode min", EarlyStopping{Patience: 2, Mode: hpo.Minimize}, []float64{3, 2, 2.5, 1, 1, 1}, 6, 1, 4, 2},
		{"mode min with min_delta", EarlyStopping{Patience: 1, MinDelta: 0.5, Mode: hpo.Minimize}, []float64{3, 2.5}, 2, 3, 1, 1},
		{"NaN is a bad epoch", EarlyStopping{Patience: 2}, []float64{0.5, nan, nan}, 3, 0.5, 1, 2},
		{"NaN first is bad, later value improves", EarlyStopping{Patience: 3}, []float64{nan, 0.2}, 0, 0.2, 2, 0},
		{"patience 20 as the study", EarlyStopping{Patience: 20}, append([]float64{0.9}, make([]float64, 20)...), 21, 0.9, 1, 20},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.es.Validate(); err != nil {
				t.Fatal(err)
			}
			stopAt, s := run(tc.es, tc.values...)
			if stopAt != tc.stopAt || s.Best != tc.best || s.BestEpoch != tc.bestAt || s.BadEpochs != tc.badAfter || !s.HasBest {
				t.Errorf("stop at %d, state %+v; want stop at %d, best %v at %d, %d bad epochs",
					stopAt, s, tc.stopAt, tc.best, tc.bestAt, tc.badAfter)
			}
		})
	}
}

func TestStepDoesNotMutateInput(t *testing.T) {
	es := EarlyStopping{Patience: 3}
	s := State{Best: 1, HasBest: true, BadEpochs: 1, BestEpoch: 2}
	before := s
	if next, _ := es.Step(s, 4, 0); next.BadEpochs != 2 || s != before {
		t.Errorf("Step returned %+v and left input %+v (was %+v)", next, s, before)
	}
}

func TestStateJSONRoundTrip(t *testing.T) {
	es := EarlyStopping{Patience: 3, MinDelta: 0.01}
	_, s := run(es, 0.3, 0.5, 0.49)
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back State
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if back != s {
		t.Fatalf("round trip %s gave %+v, want %+v", raw, back, s)
	}
	a, stopA := es.Step(s, 4, 0.505)
	b, stopB := es.Step(back, 4, 0.505)
	if a != b || stopA != stopB || stopA != (a.BadEpochs >= 3) {
		t.Errorf("decisions differ after round trip: %+v %v vs %+v %v", a, stopA, b, stopB)
	}
}

func TestValidate(t *testing.T) {
	bad := []EarlyStopping{
		{Patience: 0},
		{Patience: -1},
		{Patience: 1, MinDelta: -0.1},
		{Patience: 1, MinDelta: math.NaN()},
		{Patience: 1, MinDelta: math.Inf(1)},
		{Patience: 1, Mode: hpo.Direction(7)},
	}
	for _, es := range bad {
		if err := es.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalid", es, err)
		}
	}
	if err := (EarlyStopping{Patience: 20}).Validate(); err != nil {
		t.Errorf("the study's setting is rejected: %v", err)
	}
}
