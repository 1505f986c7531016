package pruners

import (
	"testing"

	"github.com/redsm5/supermax-hpo/hpo"
)

// report is one Report call and the decision it must return.
type report struct {
	trial, step int
	value       float64
	prune       bool
}

// mustNew builds a pruner or fails the test.
func mustNew(t *testing.T, cfg Config, study hpo.Study) hpo.Pruner {
	t.Helper()
	p, err := New(cfg, study)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return p
}

// expect runs the reports in order and checks each decision.
func expect(t *testing.T, p hpo.Pruner, reports ...report) {
	t.Helper()
	for _, r := range reports {
		if got := p.Report(r.trial, r.step, r.value); got != r.prune {
			t.Errorf("Report(trial %d, step %d, %v) = %v, want %v", r.trial, r.step, r.value, got, r.prune)
		}
	}
}

// complete reports a whole curve from step 1 (no pruning expected) and
// finishes the trial as Complete.
func complete(t *testing.T, p hpo.Pruner, trial int, curve ...float64) {
	t.Helper()
	for i, v := range curve {
		if p.Report(trial, i+1, v) {
			t.Fatalf("setup trial %d was pruned at step %d", trial, i+1)
		}
	}
	p.Finish(trial, hpo.Complete, curve[len(curve)-1])
}
