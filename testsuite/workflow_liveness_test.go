package testsuite

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo/pruners"
	"github.com/redsm5/supermax-hpo/workflows"
)

// Trial 1's own FinishTrial fails on every attempt (a retryable error, so
// the trial's 30 attempts run out). The trial still tells the study, with
// Unrecorded set; the study writes the end itself, so the study ends with 3
// trials complete and the ledger holds every trial COMPLETE with both its
// epochs — none stays RUNNING.
func TestStudyRecordsTheEndATrialCouldNotWrite(t *testing.T) {
	h := newWFHarness(t, wfOptions{})
	var trialAttempts, studyWrites atomic.Int32
	h.env.OnActivity("FinishTrial", mock.Anything, mock.Anything).Return(
		func(ctx context.Context, req activities.FinishRequest) (activities.FinishResult, error) {
			fromTrial := strings.Contains(activity.GetInfo(ctx).WorkflowExecution.ID, "/trial-")
			switch {
			case req.Number == 1 && fromTrial:
				trialAttempts.Add(1)
				return activities.FinishResult{}, errors.New("ledger unreachable from this trial")
			case req.Number == 1:
				studyWrites.Add(1)
			}
			return h.acts.FinishTrial(ctx, req)
		})
	res := h.run(h.spec(3, 2, 2))
	if res.State != workflows.StudyStateCompleted || res.Counts.Complete != 3 || res.Counts.Ended() != 3 {
		t.Fatalf("result = %+v, want COMPLETED with 3 complete", res)
	}
	if got := trialAttempts.Load(); got != 30 {
		t.Fatalf("trial 1 tried FinishTrial %d times, want its 30 attempts", got)
	}
	if got := studyWrites.Load(); got != 1 {
		t.Fatalf("the study wrote trial 1's end %d times, want once", got)
	}
	for _, tr := range h.trials("wf-test") {
		if tr.State != "COMPLETE" || tr.Epochs != 2 {
			t.Errorf("trial %d in the ledger = %+v, want COMPLETE with 2 epochs", tr.Number, tr)
		}
	}
}

// With a pruner, each trial waits for the study's verdict after every epoch
// but the last. Every such wait's timer is cancelled once the verdict (or a
// prune) came (trial-cancel-verdict-timer): none fires, so a long trial
// pays no late timer and workflow task per epoch.
func TestTrialCancelsVerdictTimers(t *testing.T) {
	h := newWFHarness(t, wfOptions{})
	const verdict = 7 * time.Second // tells verdict timers from the study's
	var mu sync.Mutex
	verdictTimers := map[string]bool{}
	scheduled, cancelled, fired := 0, 0, 0
	h.env.SetOnTimerScheduledListener(func(id string, d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		if d == verdict {
			verdictTimers[id] = true
			scheduled++
		}
	})
	h.env.SetOnTimerCanceledListener(func(id string) {
		mu.Lock()
		defer mu.Unlock()
		if verdictTimers[id] {
			cancelled++
		}
	})
	h.env.SetOnTimerFiredListener(func(id string) {
		mu.Lock()
		defer mu.Unlock()
		if verdictTimers[id] {
			fired++
		}
	})
	spec := h.spec(4, 2, 3)
	spec.Pruner = pruners.MedianConfig()
	spec.Timeouts.Verdict = verdict
	res := h.run(spec)
	if res.Counts.Ended() != 4 {
		t.Fatalf("result = %+v, want 4 trials ended", res)
	}
	mu.Lock()
	defer mu.Unlock()
	if scheduled == 0 || cancelled != scheduled || fired != 0 {
		t.Fatalf("verdict timers: %d started, %d cancelled, %d fired; want every started one cancelled, none fired",
			scheduled, cancelled, fired)
	}
}
