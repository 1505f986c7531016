package testsuite

import (
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo/pruners"
	"github.com/redsm5/supermax-hpo/workflows"
)

// A study of 7 trials with K = 3 trials per run continues as new twice. The
// test environment runs one run per environment, so the test plays the
// server: it starts each next run with the carried input, sharing the ledger,
// and delivers there the trial-done signals of the trials that were still
// running at continue-as-new (the trials outlive the run, ABANDON, and their
// signal goes to the study's current run). Every trial runs exactly once,
// the carried state adds up, and a set-parallelism of run 1 is carried.
func TestStudyContinueAsNewCarriesStateWithoutLosingTrials(t *testing.T) {
	tr := newScripted(func(trial, _ int) float64 { return 0.5 + 0.01*float64(trial) })
	tr.delay = 10 * time.Millisecond
	opts := wfOptions{trainer: func(activities.Trainer) activities.Trainer { return tr }}
	h := newWFHarness(t, opts)
	h.env.RegisterDelayedCallback(func() { h.env.SignalWorkflow(workflows.SignalSetParallelism, 3) }, time.Millisecond)
	spec := h.spec(7, 2, 2)
	spec.TrialsPerRun = 3
	spec.Pruner = pruners.MedianConfig()

	var res workflows.StudyResult
	for run := 1; ; run++ {
		if run > 5 {
			t.Fatal("more runs than expected")
		}
		next, done := runOnce(t, h, spec, &res)
		if done {
			if res.Runs != run {
				t.Fatalf("result says %d runs, the test ran %d", res.Runs, run)
			}
			break
		}
		checkCarry(t, next.Carry, run, spec.TrialsPerRun)
		if run == 1 && next.Carry.Parallel != 3 {
			t.Fatalf("carried parallelism %d, want 3 (set in run 1)", next.Carry.Parallel)
		}
		spec = next
		prev := h
		opts.ledger, opts.outdir = prev.ledger, prev.outdir
		h = newWFHarness(t, opts)
		replayTrialDone(t, prev, h, spec.Carry.Running)
	}
	if res.Runs != 3 || res.Counts.Complete != 7 || res.Counts.Ended() != 7 {
		t.Fatalf("result = %+v, want 7 complete over 3 runs", res)
	}
	if res.Best == nil || res.Best.Number != 6 {
		t.Fatalf("best = %+v, want trial 6 (highest value)", res.Best)
	}
	trials := h.trials("wf-test")
	if len(trials) != 7 {
		t.Fatalf("ledger has %d trials, want 7", len(trials))
	}
	for i, lt := range trials {
		if lt.Number != i || lt.State != "COMPLETE" || tr.trained(i) != 2 {
			t.Errorf("trial %d: ledger %+v, trained %d epochs; want COMPLETE, trained exactly 2", i, lt, tr.trained(i))
		}
	}
}

// runOnce executes one run; it returns the next run's spec, or done with res filled.
func runOnce(t *testing.T, h *wfHarness, spec workflows.StudySpec, res *workflows.StudyResult) (workflows.StudySpec, bool) {
	t.Helper()
	h.env.ExecuteWorkflow(workflows.StudyWorkflow, spec)
	err := h.env.GetWorkflowError()
	var can *workflow.ContinueAsNewError
	if errors.As(err, &can) {
		var next workflows.StudySpec
		if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
			t.Fatal(err)
		}
		if next.Carry == nil {
			t.Fatal("continue-as-new without carried state")
		}
		return next, false
	}
	if err != nil {
		t.Fatalf("study failed: %v", err)
	}
	if err := h.env.GetWorkflowResult(res); err != nil {
		t.Fatal(err)
	}
	return workflows.StudySpec{}, true
}

// checkCarry checks the compact state handed to run+1.
func checkCarry(t *testing.T, c *workflows.StudyCarry, run, k int) {
	t.Helper()
	if c.Run != run || c.NextNumber != run*k || c.FirstNumber != 0 {
		t.Fatalf("carry after run %d = run %d, trials %d..%d; want next trial %d", run, c.Run, c.FirstNumber, c.NextNumber, run*k)
	}
	if got := c.Counts.Ended() + len(c.Running); got != c.NextNumber {
		t.Fatalf("carry: %d ended + %d running != %d started", c.Counts.Ended(), len(c.Running), c.NextNumber)
	}
	for i := 1; i < len(c.Running); i++ {
		if c.Running[i-1].Number >= c.Running[i].Number {
			t.Fatalf("carried running trials not sorted: %+v", c.Running)
		}
	}
	if len(c.PrunerState) == 0 {
		t.Fatal("carry has no pruner state")
	}
}

// replayTrialDone delivers to the new run the trial-done signals of the
// trials that were running when the previous run continued as new.
func replayTrialDone(t *testing.T, prev, next *wfHarness, running []workflows.RunningTrial) {
	t.Helper()
	var done []workflows.TrialDone
	for _, rt := range running {
		r, ok := prev.childResult(rt.Number)
		if !ok {
			t.Fatalf("carried trial %d did not complete in the previous environment", rt.Number)
		}
		done = append(done, workflows.TrialDone{Trial: r.Number, State: r.State, Value: r.Value, Epochs: r.Epochs, Reason: r.Reason})
	}
	next.env.RegisterDelayedCallback(func() {
		for _, d := range done {
			next.env.SignalWorkflow(workflows.SignalTrialDone, d)
		}
	}, time.Millisecond)
}
