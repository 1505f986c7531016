package testsuite

import (
	"testing"
)

func TestStudyRunsEveryTrialOnce(t *testing.T) {
	h := newWFHarness(t, wfOptions{})
	res := h.run(h.spec(5, 2, 3))
	if res.Counts.Complete != 5 || res.Counts.Ended() != 5 {
		t.Fatalf("counts = %+v, want 5 complete", res.Counts)
	}
	trials := h.trials("wf-test")
	if len(trials) != 5 {
		t.Fatalf("ledger has %d trials, want 5: %+v", len(trials), trials)
	}
	for i, tr := range trials {
		if tr.Number != i || tr.State != "COMPLETE" || tr.Epochs != 3 {
			t.Errorf("trial %d in the ledger = %+v, want number %d COMPLETE with 3 epochs", i, tr, i)
		}
	}
	if res.Best == nil || len(res.Best.Params) == 0 {
		t.Fatalf("best = %+v, want a trial with params", res.Best)
	}
}
