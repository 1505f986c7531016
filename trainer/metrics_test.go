package trainer

import (
	"math"
	"testing"
)

// Expected values from scikit-learn's f1_score(average="macro"), worked by
// hand: class 1 has TP 2, FP 1, FN 1 → 2/3; class 0 has TP 1, FP 1, FN 1 →
// 1/2; macro = 7/12.
func TestMacroF1(t *testing.T) {
	tests := []struct {
		preds, targets []int
		want           float64
	}{
		{[]int{1, 1, 0, 1, 0}, []int{1, 1, 0, 0, 1}, 7.0 / 12},
		{[]int{1, 0, 1}, []int{1, 0, 1}, 1},
		{[]int{1, 1, 1, 1}, []int{1, 1, 0, 0}, (2.0/3 + 0) / 2},
		{[]int{0, 0}, []int{0, 0}, 1}, // one class present
	}
	for _, tc := range tests {
		got, err := MacroF1(tc.preds, tc.targets)
		if err != nil || math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("MacroF1(%v, %v) = %v, %v; want %v", tc.preds, tc.targets, got, err, tc.want)
		}
	}
	if _, err := MacroF1([]int{1}, nil); err == nil {
		t.Error("length mismatch accepted")
	}
}
