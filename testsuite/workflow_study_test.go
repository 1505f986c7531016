package testsuite

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo/pruners"
	"github.com/redsm5/supermax-hpo/workflows"
)

func TestStudyRunsEveryTrialOnce(t *testing.T) {
	h := newWFHarness(t, wfOptions{})
	res := h.run(h.spec(5, 2, 3))
	if res.Counts.Complete != 5 || res.Counts.Ended() != 5 || res.State != workflows.StudyStateCompleted {
		t.Fatalf("result = %+v, want 5 complete, COMPLETED", res)
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
	v, err := h.env.QueryWorkflow(workflows.QueryStatus)
	if err != nil {
		t.Fatal(err)
	}
	var st workflows.StudyStatus
	if err := v.Get(&st); err != nil {
		t.Fatal(err)
	}
	// (The test environment keeps no history, so HistoryLength stays 0 here;
	// the integration test sees it on a real server.)
	if st.Study != "wf-test" || st.State != workflows.StudyStateCompleted || st.Run != 1 || st.Started != 5 ||
		st.Counts.Complete != 5 || len(st.Running) != 0 || st.Parallel != 2 || st.Best == nil || st.Best.Number != res.Best.Number {
		t.Fatalf("status = %+v", st)
	}
}

func TestStudyNeverExceedsParallelism(t *testing.T) {
	c := &concurrency{delay: 60 * time.Millisecond}
	h := newWFHarness(t, wfOptions{trainer: func(sim activities.Trainer) activities.Trainer { c.inner = sim; return c }})
	res := h.run(h.spec(9, 3, 2))
	if res.Counts.Complete != 9 {
		t.Fatalf("counts = %+v, want 9 complete", res.Counts)
	}
	peak, calls := c.peak()
	if peak != 3 {
		t.Fatalf("at most %d epochs ran at once, want exactly the parallelism 3", peak)
	}
	if calls != 18 {
		t.Fatalf("%d epochs trained, want 9 trials x 2", calls)
	}
}

// set-parallelism takes effect while the study runs: from 1 to 3 after the
// first trial ended.
func TestStudySetParallelismLive(t *testing.T) {
	c := &phased{concurrency: concurrency{delay: 60 * time.Millisecond}}
	h := newWFHarness(t, wfOptions{
		trainer: func(sim activities.Trainer) activities.Trainer { c.inner = sim; return c },
		// With parallelism 1 and one epoch per trial, trial 1 starts
		// after trial 0 ended.
		beforeEpoch: func(env *testsuite.TestWorkflowEnvironment, req activities.EpochRequest) {
			if req.Number == 1 {
				c.next()
				env.SignalWorkflow(workflows.SignalSetParallelism, 3)
			}
		},
	})
	res := h.run(h.spec(8, 1, 1))
	if res.Counts.Complete != 8 {
		t.Fatalf("counts = %+v, want 8 complete", res.Counts)
	}
	before, after := c.peaks()
	if before != 1 || after != 3 {
		t.Fatalf("peak concurrency %d before and %d after set-parallelism 3, want 1 and 3", before, after)
	}
}

// stop: no new trials; the running ones finish all their epochs.
func TestStudyStopLetsRunningTrialsFinish(t *testing.T) {
	var once sync.Once
	h := newWFHarness(t, wfOptions{
		beforeEpoch: func(env *testsuite.TestWorkflowEnvironment, req activities.EpochRequest) {
			if req.Epoch == 2 {
				once.Do(func() { env.SignalWorkflow(workflows.SignalStop, nil) })
			}
		},
	})
	res := h.run(h.spec(10, 2, 3))
	if res.State != workflows.StudyStateStopped {
		t.Fatalf("state = %s, want %s", res.State, workflows.StudyStateStopped)
	}
	trials := h.trials("wf-test")
	if len(trials) >= 10 || len(trials) < 2 || res.Counts.Complete != len(trials) {
		t.Fatalf("result %+v with %d trials in the ledger, want 2..9 trials, all complete", res, len(trials))
	}
	for _, tr := range trials {
		if tr.State != "COMPLETE" || tr.Epochs != 3 {
			t.Errorf("trial %+v, want COMPLETE after all 3 epochs", tr)
		}
	}
}

// cancel: running trials are cancelled and recorded FAIL; the study ends.
func TestStudyCancelCancelsRunningTrials(t *testing.T) {
	var once sync.Once
	tr := newScripted(func(_, _ int) float64 { return 0.5 })
	h := newWFHarness(t, wfOptions{
		trainer: func(activities.Trainer) activities.Trainer { return slowAfterFirst{tr} },
		beforeEpoch: func(env *testsuite.TestWorkflowEnvironment, req activities.EpochRequest) {
			if req.Number == 2 && req.Epoch == 2 {
				once.Do(func() { env.SignalWorkflow(workflows.SignalCancel, nil) })
			}
		},
	})
	res := h.run(h.spec(10, 3, 5))
	if res.State != workflows.StudyStateCancelled {
		t.Fatalf("state = %s, want %s", res.State, workflows.StudyStateCancelled)
	}
	trials := h.trials("wf-test")
	if len(trials) != 3 || res.Counts.Fail != 3 || res.Counts.Running != 0 {
		t.Fatalf("result %+v with ledger %+v, want the 3 running trials FAIL", res, trials)
	}
	for _, tr := range trials {
		if tr.State != "FAIL" || tr.Epochs >= 5 {
			t.Errorf("trial %+v, want FAIL before its last epoch", tr)
		}
		// The trial wound down itself: its own result says cancelled.
		if r, ok := h.childResult(tr.Number); !ok || r.Reason != workflows.ReasonCancelled {
			t.Errorf("trial %d result = %+v (completed %v), want reason %q", tr.Number, r, ok, workflows.ReasonCancelled)
		}
	}
}

// prune-trial prunes one running trial; the others complete.
func TestStudyPruneTrialSignal(t *testing.T) {
	var once sync.Once
	h := newWFHarness(t, wfOptions{
		beforeEpoch: func(env *testsuite.TestWorkflowEnvironment, req activities.EpochRequest) {
			if req.Number == 1 && req.Epoch == 2 {
				once.Do(func() { env.SignalWorkflow(workflows.SignalPruneTrial, 1) })
			}
		},
	})
	res := h.run(h.spec(4, 2, 6))
	if res.Counts.Pruned != 1 || res.Counts.Complete != 3 {
		t.Fatalf("counts = %+v, want 1 pruned and 3 complete", res.Counts)
	}
	trials := h.trials("wf-test")
	if trials[1].State != "PRUNED" || trials[1].Epochs >= 6 {
		t.Fatalf("trial 1 = %+v, want PRUNED before epoch 6", trials[1])
	}
}

// The pruner's verdict arrives before the next epoch starts: a trial the
// median pruner prunes at epoch 1 trains exactly one epoch.
func TestStudyPrunerVerdictStopsBeforeNextEpoch(t *testing.T) {
	tr := newScripted(func(trial, _ int) float64 {
		if trial == 0 {
			return 0.9
		}
		return 0.1
	})
	h := newWFHarness(t, wfOptions{trainer: func(activities.Trainer) activities.Trainer { return tr }})
	spec := h.spec(4, 1, 5)
	spec.Pruner = pruners.MedianConfig()
	spec.Pruner.NStartupTrials = 1
	res := h.run(spec)
	if res.Counts.Complete != 1 || res.Counts.Pruned != 3 {
		t.Fatalf("counts = %+v, want trial 0 complete and 3 pruned", res.Counts)
	}
	for n := 1; n < 4; n++ {
		if got := tr.trained(n); got != 1 {
			t.Errorf("trial %d trained %d epochs, want 1 (pruned at its first report)", n, got)
		}
	}
	if res.Best == nil || res.Best.Number != 0 || res.Best.Value != 0.9 {
		t.Fatalf("best = %+v, want trial 0 with 0.9", res.Best)
	}
}

// A trial failing with a non-retryable error (out of memory) ends FAIL; the
// study goes on and completes the others.
func TestStudyGoesOnAfterAFailedTrial(t *testing.T) {
	h := newWFHarness(t, wfOptions{trainer: func(sim activities.Trainer) activities.Trainer { return oomTrial{sim, 2} }})
	res := h.run(h.spec(5, 2, 2))
	if res.State != workflows.StudyStateCompleted || res.Counts.Fail != 1 || res.Counts.Complete != 4 {
		t.Fatalf("result = %+v, want COMPLETED with 1 fail and 4 complete", res)
	}
	if trials := h.trials("wf-test"); trials[2].State != "FAIL" {
		t.Fatalf("trial 2 = %+v, want FAIL", trials[2])
	}
}

// A trial workflow that ends without signalling trial-done (it failed, or
// was terminated) is recorded FAIL by the study, which goes on.
func TestStudyRecordsTrialsThatEndedWithoutReporting(t *testing.T) {
	h := newWFHarness(t, wfOptions{})
	h.env.OnWorkflow(workflows.TrialWorkflowName, mock.Anything, mock.Anything).
		Return(workflows.TrialResult{}, errors.New("worker lost its disk"))
	res := h.run(h.spec(3, 2, 2))
	if res.State != workflows.StudyStateCompleted || res.Counts.Fail != 3 {
		t.Fatalf("result = %+v, want COMPLETED with 3 failed trials", res)
	}
	for _, tr := range h.trials("wf-test") {
		if tr.State != "FAIL" {
			t.Errorf("trial %+v, want FAIL in the ledger", tr)
		}
	}
}
