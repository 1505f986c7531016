package testsuite

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo/pruners"
	"github.com/redsm5/supermax-hpo/workflows"
)

// suggestCalls records the suggestion activities a study scheduled.
type suggestCalls struct {
	mu      sync.Mutex
	batches []activities.SuggestBatchRequest // SuggestTrials, in call order
	local   int                              // how many of them ran as local activities
	singles int                              // SuggestTrial calls
}

// listen records every suggestion activity the harness's study starts,
// local or not.
func (c *suggestCalls) listen(t *testing.T, h *wfHarness) {
	h.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, args converter.EncodedValues) {
		switch info.ActivityType.Name {
		case "SuggestTrials":
			var req activities.SuggestBatchRequest
			if err := args.Get(&req); err != nil {
				t.Errorf("decode SuggestTrials input: %v", err)
				return
			}
			c.add(req)
		case "SuggestTrial":
			c.addSingle()
		}
	})
	h.env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, args []any) {
		switch info.ActivityType.Name {
		case "SuggestTrials":
			req, ok := args[0].(activities.SuggestBatchRequest)
			if !ok {
				t.Errorf("local SuggestTrials input is %T", args[0])
				return
			}
			c.add(req)
			c.mu.Lock()
			c.local++
			c.mu.Unlock()
		case "SuggestTrial":
			c.addSingle()
		}
	})
}

func (c *suggestCalls) add(req activities.SuggestBatchRequest) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.batches = append(c.batches, req)
}

func (c *suggestCalls) addSingle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.singles++
}

// take returns the batches recorded so far and forgets them.
func (c *suggestCalls) take() ([]activities.SuggestBatchRequest, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, s := c.batches, c.singles
	c.batches, c.singles, c.local = nil, 0, 0
	return b, s
}

// checkBatches checks that batches number the trials first..first+total-1
// consecutively, each within 1..max trials.
func checkBatches(t *testing.T, batches []activities.SuggestBatchRequest, first, total, max int) {
	t.Helper()
	next := first
	for _, b := range batches {
		if b.Number != next || b.Count < 1 || b.Count > max {
			t.Fatalf("batches %+v: batch from %d of %d trials, want from %d, 1..%d trials", batches, b.Number, b.Count, next, max)
		}
		next += b.Count
	}
	if next != first+total {
		t.Fatalf("batches suggested trials %d..%d, want %d..%d", first, next-1, first, first+total-1)
	}
}

// With all slots free the study suggests a whole batch in one activity call
// and starts it at once; later batches fill the slots that trials freed
// while others still run (trials of staggered lengths).
// Parallelism is never exceeded, and every trial runs exactly once.
func TestStudyBatchesSuggestionsWithinParallelism(t *testing.T) {
	c := &concurrency{delay: 20 * time.Millisecond}
	h := newWFHarness(t, wfOptions{trainer: func(sim activities.Trainer) activities.Trainer { c.inner = staggered{sim}; return c }})
	var calls suggestCalls
	calls.listen(t, h)
	res := h.run(h.spec(14, 4, 1))
	if res.Counts.Complete != 14 || res.Counts.Ended() != 14 {
		t.Fatalf("counts = %+v, want 14 complete", res.Counts)
	}
	calls.mu.Lock()
	local := calls.local
	calls.mu.Unlock()
	batches, singles := calls.take()
	if singles != 0 || local != len(batches) {
		t.Fatalf("%d SuggestTrial calls and %d of %d batches local, want batches only, all local (a new study's version)",
			singles, local, len(batches))
	}
	checkBatches(t, batches, 0, 14, 4)
	if batches[0].Count != 4 {
		t.Fatalf("first batch of %d trials, want 4 (all slots free)", batches[0].Count)
	}
	if len(batches) >= 14 {
		t.Fatalf("%d suggestion calls for 14 trials: no batching", len(batches))
	}
	peak, epochs := c.peak()
	if peak != 4 || epochs != 14 {
		t.Fatalf("peak %d epochs at once over %d epochs, want exactly the parallelism 4 over 14", peak, epochs)
	}
	trials := h.trials("wf-test")
	if len(trials) != 14 {
		t.Fatalf("ledger has %d trials, want 14", len(trials))
	}
	for i, tr := range trials {
		if tr.Number != i || tr.State != "COMPLETE" || tr.Epochs != 1 {
			t.Errorf("trial %d in the ledger = %+v, want number %d COMPLETE with 1 epoch", i, tr, i)
		}
	}
}

// staggered trains trial n's epochs 20 ms x (n mod 4) longer, so trials end
// at different times and batches start while others run.
type staggered struct{ inner activities.Trainer }

func (s staggered) TrainEpoch(ctx context.Context, req activities.EpochRequest) (activities.EpochResult, error) {
	select {
	case <-time.After(time.Duration(req.Number%4) * 20 * time.Millisecond):
	case <-ctx.Done():
		return activities.EpochResult{}, ctx.Err()
	}
	return s.inner.TrainEpoch(ctx, req)
}

// A batch never crosses the K budget of a run: with K = 3 below the
// parallelism 5, run 1 suggests one batch of 3 (not 5) and each run exactly
// 3 trials (the last one the 2 left), so continue-as-new happens where it did before batching, and no
// trial is lost or doubled across runs.
func TestStudyBatchRespectsTrialsPerRunAcrossContinueAsNew(t *testing.T) {
	tr := newScripted(func(trial, _ int) float64 { return 0.5 + 0.01*float64(trial) })
	tr.delay = 10 * time.Millisecond
	opts := wfOptions{trainer: func(activities.Trainer) activities.Trainer { return tr }}
	h := newWFHarness(t, opts)
	var calls suggestCalls
	spec := h.spec(8, 5, 1)
	spec.TrialsPerRun = 3
	spec.Pruner = pruners.MedianConfig()
	var res workflows.StudyResult
	for run := 1; ; run++ {
		if run > 3 {
			t.Fatal("more than 3 runs for 8 trials at K = 3")
		}
		calls.listen(t, h)
		next, done := runOnce(t, h, spec, &res)
		batches, singles := calls.take()
		first := (run - 1) * 3
		checkBatches(t, batches, first, min(3, 8-first), 3)
		// Run 1 starts with every slot free: one batch of exactly K. Later
		// runs start with the carried trials still in their slots.
		if singles != 0 || (run == 1 && len(batches) != 1) {
			t.Fatalf("run %d: %d batches and %d single suggestions, want batches only, one in run 1", run, len(batches), singles)
		}
		if done {
			break
		}
		checkCarry(t, next.Carry, run, spec.TrialsPerRun)
		spec = next
		prev := h
		opts.ledger, opts.outdir = prev.ledger, prev.outdir
		h = newWFHarness(t, opts)
		replayTrialDone(t, prev, h, spec.Carry.Running)
	}
	if res.Runs != 3 || res.Counts.Complete != 8 {
		t.Fatalf("result = %+v, want 8 complete over 3 runs", res)
	}
	trials := h.trials("wf-test")
	if len(trials) != 8 {
		t.Fatalf("ledger has %d trials, want 8", len(trials))
	}
	for i, lt := range trials {
		if lt.Number != i || lt.State != "COMPLETE" || tr.trained(i) != 1 {
			t.Errorf("trial %d: ledger %+v, trained %d epochs; want COMPLETE, trained exactly 1", i, lt, tr.trained(i))
		}
	}
}
