package pruners

import (
	"slices"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
)

func TestHyperbandBrackets(t *testing.T) {
	cases := []struct {
		min, max, eta int
		budgets       []int
	}{
		// Budgets from Optuna's formula ceil(n * eta^s / (s+1)), s = n-1-i.
		{1, 100, 3, []int{81, 34, 15, 8, 5}},
		{1, 30, 3, []int{27, 12, 6, 4}},
		{1, 9, 3, []int{9, 5, 3}},
		{2, 100, 4, []int{16, 6, 3}},
		{5, 5, 3, []int{1}},
		// floor(log3(243)) + 1 = 6 exactly; Optuna's math.log(243, 3) is
		// 4.999999999999999 and gives 5 brackets (documented divergence).
		{1, 243, 3, []int{243, 98, 41, 18, 9, 6}},
	}
	for _, tc := range cases {
		h := newHyperband("s", tc.min, tc.max, tc.eta, hpo.Maximize)
		if !slices.Equal(h.budgets, tc.budgets) {
			t.Errorf("Hyperband(%d, %d, %d) budgets %v, want %v", tc.min, tc.max, tc.eta, h.budgets, tc.budgets)
		}
	}
}

// TestHyperbandBracketOf checks trial placement for the evidence study's
// name with the default (1, 100, 3), total budget 143. Expected values from
// Python: zlib.crc32(b"noaug-evidence-supermax_0") = 650350286, 650350286 %
// 143 = 14 -> bracket 0 (0..80); _1: 1371848280 % 143 = 88 -> bracket 1 (81..114);
// _6: 3483380731 % 143 = 116 -> bracket 2 (115..129); the rest by the same
// script: for n in range(12).
func TestHyperbandBracketOf(t *testing.T) {
	h := newHyperband("noaug-evidence-supermax", 1, 100, 3, hpo.Maximize)
	want := []int{0, 1, 0, 0, 0, 1, 2, 2, 0, 0, 0, 0}
	for n, b := range want {
		if got := h.bracketOf(n); got != b {
			t.Errorf("trial %d in bracket %d, want %d", n, got, b)
		}
	}
}

// TestHyperbandBracketsIsolated: with (1, 9, 3) and study "iso", Python's
// zlib.crc32 places trials 1, 2, 3, 6 in bracket 0 (rungs at 1, 3, 9),
// 0, 4, 5 in bracket 1 (rungs at 3, 9) and 7 in bracket 2 (rung at 9). Each
// bracket judges a trial only against its own trials.
func TestHyperbandBracketsIsolated(t *testing.T) {
	p := mustNew(t, HyperbandConfig(9), hpo.Study{Name: "iso"})
	expect(t, p,
		report{1, 1, 0.9, false}, // bracket 0, rung 0: {0.9}
		report{2, 1, 0.5, true},  // bracket 0: {0.5 0.9}
		report{0, 1, 0.1, false}, // bracket 1 has no rung at step 1
		report{0, 2, 0.1, false},
		report{1, 2, 0.9, false},
		report{1, 3, 0.9, false}, // bracket 0, rung 1: {0.9}
		report{0, 3, 0.1, false}, // bracket 1, rung 0: {0.1}, not {0.1 0.9}
		report{4, 3, 0.05, true}, // bracket 1, rung 0: {0.05 0.1}
		report{5, 3, 0.2, false}, // bracket 1: {0.05 0.1 0.2}
		report{7, 8, 0.0, false}, // bracket 2 never prunes before step 9
		report{7, 9, 0.0, false}, // bracket 2, rung 0: {0.0}, alone
		report{3, 1, 0.95, false},
	)
}
