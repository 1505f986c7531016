package tpe

import (
	"slices"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
)

// TestGamma: min(ceil(0.1 n), 25); the values printed by Optuna 5.0.0's
// default_gamma for the same n.
func TestGamma(t *testing.T) {
	want := map[int]int{0: 0, 1: 1, 9: 1, 10: 1, 11: 2, 30: 3, 100: 10, 250: 25, 251: 25, 8000: 25}
	for _, n := range []int{0, 1, 9, 10, 11, 30, 100, 250, 251, 8000} {
		if got := gamma(n); got != want[n] {
			t.Errorf("gamma(%d) = %d, want %d", n, got, want[n])
		}
	}
}

func val(v float64) *float64 { return &v }

func numbers(ts []*hpo.Trial) []int {
	out := make([]int, len(ts))
	for i, t := range ts {
		out[i] = t.Number
	}
	return out
}

func sameInts(a, b []int) bool { return slices.Equal(a, b) }

// TestSplitTrials walks Optuna's _split_trials by hand. Finished trials:
// 20 COMPLETE with values and 2 PRUNED -> n = 22, gamma = 3 below.
func TestSplitTrials(t *testing.T) {
	var hist []hpo.Trial
	for i := range 20 {
		// values 20, 19, ..., 1 for trials 0..19: lower numbers are worse
		// when minimizing.
		hist = append(hist, hpo.Trial{Number: i, State: hpo.Complete, Value: val(float64(20 - i))})
	}
	hist = append(hist,
		hpo.Trial{Number: 20, State: hpo.Pruned, Intermediate: map[int]float64{1: 0.5, 3: 0.1}},
		hpo.Trial{Number: 21, State: hpo.Pruned},
		hpo.Trial{Number: 22, State: hpo.Fail},
		hpo.Trial{Number: 23, State: hpo.Running},
		hpo.Trial{Number: 24, State: hpo.Running}, // the trial being sampled
	)
	tests := []struct {
		name       string
		dir        hpo.Direction
		liar       bool
		below      []int
		aboveCount int
	}{
		// minimize: best values 1, 2, 3 are trials 19, 18, 17.
		{"minimize", hpo.Minimize, false, []int{17, 18, 19}, 19},
		// maximize: best values 20, 19, 18 are trials 0, 1, 2.
		{"maximize", hpo.Maximize, false, []int{0, 1, 2}, 19},
		// the constant liar adds running trial 23 (not 24) to the bad side.
		{"liar", hpo.Minimize, true, []int{17, 18, 19}, 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := splitTrials(hist, 24, tc.dir, tc.liar)
			if s.finished != 22 {
				t.Fatalf("finished = %d, want 22", s.finished)
			}
			if got := numbers(s.below); !sameInts(got, tc.below) {
				t.Fatalf("below = %v, want %v", got, tc.below)
			}
			if len(s.above) != tc.aboveCount {
				t.Fatalf("above has %d trials, want %d: %v", len(s.above), tc.aboveCount, numbers(s.above))
			}
			for i := 1; i < len(s.above); i++ {
				if s.above[i-1].Number > s.above[i].Number {
					t.Fatalf("above not in number order: %v", numbers(s.above))
				}
			}
			for _, tr := range s.above {
				if tr.Number == 22 || tr.Number == 24 || (!tc.liar && tr.Number == 23) {
					t.Fatalf("trial %d must not be in the split", tr.Number)
				}
			}
		})
	}
}

// TestSplitPrunedOrder: with too few COMPLETE trials the rest of gamma comes
// from PRUNED ones ranked by (-last step, value): the trial that got
// furthest first, then the better value at that step; a trial that reported
// nothing ranks last, a NaN value after every number at its step.
func TestSplitPrunedOrder(t *testing.T) {
	nan := func() float64 { var z float64; return z / z }()
	hist := []hpo.Trial{
		{Number: 0, State: hpo.Pruned, Intermediate: map[int]float64{1: 0.1, 2: 0.9}}, // (-2, 0.9)
		{Number: 1, State: hpo.Pruned, Intermediate: map[int]float64{1: 0.0}},         // (-1, 0.0)
		{Number: 2, State: hpo.Pruned, Intermediate: map[int]float64{1: 0.5, 2: 0.3}}, // (-2, 0.3)
		{Number: 3, State: hpo.Pruned},                                                // (1, 0)
		{Number: 4, State: hpo.Pruned, Intermediate: map[int]float64{2: nan}},         // (-2, +inf)
	}
	for i := 5; i < 10; i++ { // pad to n = 10 -> gamma = 1; step 1, value 1
		hist = append(hist, hpo.Trial{Number: i, State: hpo.Pruned, Intermediate: map[int]float64{1: 1}})
	}
	// minimize: at step 2, 0.3 (trial 2) beats 0.9 (trial 0).
	if got := numbers(splitTrials(hist, 99, hpo.Minimize, false).below); !sameInts(got, []int{2}) {
		t.Fatalf("minimize: below = %v, want [2]", got)
	}
	// maximize flips the value: 0.9 (trial 0) wins.
	if got := numbers(splitTrials(hist, 99, hpo.Maximize, false).below); !sameInts(got, []int{0}) {
		t.Fatalf("maximize: below = %v, want [0]", got)
	}
	// pad to n = 20 -> gamma = 2 (value 1 at step 1 ranks after every
	// step-2 trial but before trial 3, which reported nothing): minimize
	// takes 2 then 0; a NaN at step 2 still beats every step-1 trial.
	for i := 10; i < 20; i++ {
		hist = append(hist, hpo.Trial{Number: i, State: hpo.Pruned, Intermediate: map[int]float64{1: 1}})
	}
	if got := numbers(splitTrials(hist, 99, hpo.Minimize, false).below); !sameInts(got, []int{0, 2}) {
		t.Fatalf("minimize, gamma 2: below = %v, want [0 2]", got)
	}
	// a COMPLETE trial comes before every pruned one.
	hist = append(hist, hpo.Trial{Number: 30, State: hpo.Complete, Value: val(100)}) // n = 21, gamma = 3
	if got := numbers(splitTrials(hist, 99, hpo.Minimize, false).below); !sameInts(got, []int{0, 2, 30}) {
		t.Fatalf("with a complete trial: below = %v, want [0 2 30]", got)
	}
	// gamma 3 of pruned only, in maximize: 0, 2, then the NaN trial 4.
	hist = hist[:len(hist)-1]
	hist = append(hist, hpo.Trial{Number: 31, State: hpo.Pruned, Intermediate: map[int]float64{1: 2}})
	if got := numbers(splitTrials(hist, 99, hpo.Maximize, false).below); !sameInts(got, []int{0, 2, 4}) {
		t.Fatalf("maximize, gamma 3: below = %v, want [0 2 4]", got)
	}
}

func TestSplitTiesKeepTrialOrder(t *testing.T) {
	var hist []hpo.Trial
	for i := range 15 { // gamma(15) = 2; all equal values
		hist = append(hist, hpo.Trial{Number: i, State: hpo.Complete, Value: val(1)})
	}
	for _, dir := range []hpo.Direction{hpo.Minimize, hpo.Maximize} {
		if got := numbers(splitTrials(hist, 99, dir, false).below); !sameInts(got, []int{0, 1}) {
			t.Fatalf("%v: below = %v, want the first two trials [0 1]", dir, got)
		}
	}
}
