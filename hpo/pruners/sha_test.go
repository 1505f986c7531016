package pruners

import (
	"math"
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
)

// TestSuccessiveHalvingRungs walks a table by hand: eta 3, rungs complete at
// steps 1, 3, 9; a value is promoted when it is at least the k-th best of the
// rung's values (itself included), k = max(n/3, 1).
func TestSuccessiveHalvingRungs(t *testing.T) {
	cfg := SuccessiveHalvingConfig()
	cfg.ReductionFactor = 3
	p := mustNew(t, cfg, hpo.Study{Name: "sha"})
	expect(t, p,
		report{0, 1, 0.5, false},  // rung 0: {0.5}, alone: promoted
		report{1, 1, 0.4, true},   // {0.4 0.5}: k=1, below 0.5
		report{2, 1, 0.6, false},  // {0.4 0.5 0.6}: k=1, the best
		report{3, 1, 0.55, true},  // n=4, k=1: below 0.6
		report{4, 1, 0.58, true},  // n=5, k=1
		report{5, 1, 0.59, false}, // n=6, k=2: 0.59 is the 2nd best
		report{0, 2, 0.1, false},  // between rungs: never pruned
		report{0, 3, 0.7, false},  // rung 1: {0.7}
		report{2, 2, 0.6, false},
		report{2, 3, 0.65, true},  // rung 1: {0.65 0.7}
		report{5, 2, 0.6, false},  // no rung at step 2
		report{5, 3, 0.71, false}, // rung 1: {0.65 0.7 0.71}, k=1: the best
		report{0, 9, 0.1, false},  // rung 2 alone, even after skipped steps
	)
}

func TestSuccessiveHalvingMinimize(t *testing.T) {
	cfg := SuccessiveHalvingConfig() // eta 4
	p := mustNew(t, cfg, hpo.Study{Name: "sha", Direction: hpo.Minimize})
	expect(t, p,
		report{0, 1, 2.0, false},
		report{1, 1, 3.0, true},   // {2 3}: k=1, must be <= 2
		report{2, 1, 1.0, false},  // the smallest
		report{3, 1, 2.5, true},   // n=4, k=1: must be <= 1
		report{4, 1, 1.5, true},   // n=5, k=1
		report{5, 1, 1.2, true},   // n=6, k=1
		report{6, 1, 1.1, true},   // n=7, k=1
		report{7, 1, 1.4, true},   // n=8, k=2: must be <= 1.1
		report{8, 1, 1.05, false}, // n=9, k=2: {1 1.05 ...}: the 2nd best
	)
}

// TestSuccessiveHalvingMinResourceAndRate: min_resource 2, eta 2, rate 1 puts
// the rungs at steps 4, 8, 16; a report that skips steps climbs every rung it
// passed, recording the same value in each.
func TestSuccessiveHalvingMinResourceAndRate(t *testing.T) {
	cfg := Config{Kind: KindSuccessiveHalving, MinResource: 2, ReductionFactor: 2, MinEarlyStoppingRate: 1}
	p := mustNew(t, cfg, hpo.Study{Name: "sha"})
	expect(t, p,
		report{0, 1, 0.9, false},
		report{1, 1, 0.0, false}, // far worse, but before the first rung
		report{1, 3, 0.0, false},
		report{0, 8, 0.9, false}, // rungs 0 and 1 at once: {0.9} each
		report{1, 4, 0.1, true},  // rung 0: {0.1 0.9}, k=1
		report{2, 8, 0.5, true},  // rung 0: {0.1 0.5 0.9}, k=1: pruned there
		report{3, 8, 0.95, false},
		report{3, 9, 0.0, false}, // rung 2 is at 16
	)
}

// TestSuccessiveHalvingNaN: a NaN before a rung is ignored; at a rung it
// prunes without entering the rung's table.
func TestSuccessiveHalvingNaN(t *testing.T) {
	p := mustNew(t, SuccessiveHalvingConfig(), hpo.Study{Name: "sha"})
	nan := math.NaN()
	expect(t, p,
		report{0, 1, nan, true},
		report{1, 1, 0.1, false}, // alone at rung 0: the NaN was not recorded
		report{2, 1, 0.2, false},
	)
	cfg := SuccessiveHalvingConfig()
	cfg.MinResource = 2
	q := mustNew(t, cfg, hpo.Study{Name: "sha"})
	expect(t, q, report{0, 1, nan, false}, report{0, 2, 0.3, false})
}
