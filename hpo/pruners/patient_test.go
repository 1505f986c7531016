package pruners

import (
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
)

// TestPatientMedian: patience 2, min_delta 0.1 around a median that would
// prune every trial below 0.5. A trial is pruned only once the best of its
// last 3 reports trails its earlier best by more than 0.1.
func TestPatientMedian(t *testing.T) {
	cfg := Config{Kind: KindMedian, IntervalSteps: 1, Patience: 2, MinDelta: 0.1}
	p := mustNew(t, cfg, hpo.Study{Name: "patient"})
	complete(t, p, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5)
	expect(t, p,
		report{1, 1, 0.40, false}, // fewer than patience+2 reports
		report{1, 2, 0.20, false},
		report{1, 3, 0.20, false},
		report{1, 4, 0.35, false}, // before 0.40, recent 0.35: 0.40-0.1 > 0.35 is false
		report{1, 5, 0.25, false}, // recent max 0.35 still
		report{1, 6, 0.25, false}, // before max(0.40 0.20 0.20)=0.40, recent 0.35
		report{1, 7, 0.25, true},  // before 0.40, recent max(0.25 0.25 0.25): stalled, median prunes
		report{2, 1, 0.9, false},
		report{2, 2, 0.1, false},
		report{2, 3, 0.1, false},
		report{2, 4, 0.1, false}, // stalled, but best 0.9 beats the median
	)
}

// TestPatientTieIsNotStalled: a window that only equals the earlier best
// has not fallen behind it (strict comparison, as Optuna's).
func TestPatientTieIsNotStalled(t *testing.T) {
	cfg := Config{Kind: KindMedian, IntervalSteps: 1, Patience: 1}
	p := mustNew(t, cfg, hpo.Study{Name: "patient"})
	complete(t, p, 0, 0.5, 0.5, 0.5, 0.5, 0.5)
	expect(t, p,
		report{1, 1, 0.4, false},
		report{1, 2, 0.4, false},
		report{1, 3, 0.4, false}, // before 0.4, window max 0.4: a tie
		report{1, 4, 0.3, false}, // window max(0.4 0.3) = 0.4: still a tie
		report{1, 5, 0.3, true},  // window max 0.3 < 0.4: stalled, median prunes
	)
}

// TestPatientMinimizeGatesSuccessiveHalving: the inner rule runs only when
// the trial stalls, so rung values are recorded late, as in Optuna.
func TestPatientMinimizeGatesSuccessiveHalving(t *testing.T) {
	cfg := Config{Kind: KindSuccessiveHalving, MinResource: 1, ReductionFactor: 2, Patience: 1}
	p := mustNew(t, cfg, hpo.Study{Name: "patient", Direction: hpo.Minimize})
	expect(t, p,
		report{0, 1, 5, false},
		report{0, 2, 4, false},
		report{0, 3, 3, false},  // improving: SHA not asked, nothing recorded
		report{1, 1, 1, false},  // 2 reports or fewer: not asked
		report{1, 2, 2, false},  //
		report{1, 3, 3, false},  // stalled: SHA records 3 at rungs 0 (step 1) and 1 (step 2), alone
		report{2, 1, 1, false},  //
		report{2, 2, 2, false},  //
		report{2, 3, 3.5, true}, // stalled: rung 0 {3 3.5}, k=1: 3.5 > 3
	)
}
