package testsuite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/activities/simtrainer"
	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/ledger"
	"github.com/redsm5/supermax-hpo/workflows"
)

// Early stopping (patience 2, min delta 0): values 0.5, 0.6, 0.6, 0.55 —
// epoch 3 does not beat 0.6 strictly, epoch 4 neither: stop after epoch 4.
func TestTrialEarlyStoppingEndsAtTheRightEpoch(t *testing.T) {
	values := []float64{0.5, 0.6, 0.6, 0.55, 0.9, 0.9}
	tr := newScripted(func(_, epoch int) float64 { return values[epoch-1] })
	h := newWFHarness(t, wfOptions{trainer: func(activities.Trainer) activities.Trainer { return tr }})
	id := h.putTrial("wf-trial", 0)
	res := h.runTrial(h.trialInput(id, 0, len(values), 2))
	if res.State != hpo.Complete || res.Epochs != 4 || res.Reason != workflows.ReasonEarlyStopping {
		t.Fatalf("result = %+v, want COMPLETE after 4 epochs by early stopping", res)
	}
	if res.Value == nil || *res.Value != 0.6 || res.BestEpoch != 2 {
		t.Fatalf("value = %v at epoch %d, want 0.6 at epoch 2", res.Value, res.BestEpoch)
	}
	if got := tr.trained(0); got != 4 {
		t.Fatalf("trained %d epochs, want 4", got)
	}
	got := h.ledgerTrial(id, 0)
	if got.State != hpo.Complete || len(got.Intermediate) != 4 || got.Value == nil || *got.Value != 0.6 {
		t.Fatalf("ledger trial = %+v, want COMPLETE 0.6 with 4 intermediate values", got)
	}
	v, err := h.env.QueryWorkflow(workflows.QueryStatus)
	if err != nil {
		t.Fatal(err)
	}
	var st workflows.TrialStatus
	if err := v.Get(&st); err != nil {
		t.Fatal(err)
	}
	if st.State != hpo.Complete || st.Epoch != 4 || st.BadEpochs != 2 || *st.Best != 0.6 || *st.LastValue != 0.55 {
		t.Fatalf("trial status = %+v", st)
	}
}

// Without early stopping the trial trains every epoch; its value is the best
// epoch's, not the last.
func TestTrialValueIsBestEpoch(t *testing.T) {
	values := []float64{0.5, 0.8, 0.7}
	tr := newScripted(func(_, epoch int) float64 { return values[epoch-1] })
	h := newWFHarness(t, wfOptions{trainer: func(activities.Trainer) activities.Trainer { return tr }})
	id := h.putTrial("wf-trial", 0)
	res := h.runTrial(h.trialInput(id, 0, 3, 0))
	if res.State != hpo.Complete || res.Epochs != 3 || res.Reason != workflows.ReasonMaxEpochs || *res.Value != 0.8 {
		t.Fatalf("result = %+v, want COMPLETE 0.8 after 3 epochs (max epochs)", res)
	}
}

// A prune signal is read between epochs: the epoch running when it arrives
// finishes, then the trial ends PRUNED with its last value.
func TestTrialPruneSignalStopsBetweenEpochs(t *testing.T) {
	tr := newScripted(func(_, epoch int) float64 { return 0.1 * float64(epoch) })
	tr.delay = 20 * time.Millisecond
	h := newWFHarness(t, wfOptions{trainer: func(activities.Trainer) activities.Trainer { return tr }})
	id := h.putTrial("wf-trial", 0)
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflow(workflows.SignalPrune, workflows.PruneRequest{Reason: "test"})
	}, time.Millisecond)
	res := h.runTrial(h.trialInput(id, 0, 10, 0))
	if res.State != hpo.Pruned || res.Epochs >= 10 || !strings.HasPrefix(res.Reason, workflows.ReasonPruned) {
		t.Fatalf("result = %+v, want PRUNED before epoch 10", res)
	}
	if res.Value == nil || *res.Value != res.Intermediate[len(res.Intermediate)-1] {
		t.Fatalf("pruned value = %v, want the last epoch value of %v", res.Value, res.Intermediate)
	}
	if got := h.ledgerTrial(id, 0); got.State != hpo.Pruned || len(got.Intermediate) != res.Epochs {
		t.Fatalf("ledger trial = %+v, want PRUNED with %d values", got, res.Epochs)
	}
}

// Out of memory is not retried: the trial ends FAIL with the reason after
// one attempt of the failing epoch; the ledger records FAIL.
func TestTrialOutOfMemoryFailsWithoutRetry(t *testing.T) {
	var calls int
	h := newWFHarness(t, wfOptions{trainer: func(sim activities.Trainer) activities.Trainer {
		return activities.TrainerFunc(func(ctx context.Context, req activities.EpochRequest) (activities.EpochResult, error) {
			calls++
			req.Params = map[string]hpo.Value{simtrainer.ParamFail: hpo.String("oom"), simtrainer.ParamFailEpoch: hpo.Int(2)}
			return sim.TrainEpoch(ctx, req)
		})
	}})
	id := h.putTrial("wf-trial", 0)
	res := h.runTrial(h.trialInput(id, 0, 5, 0))
	if res.State != hpo.Fail || res.Epochs != 1 || !strings.Contains(res.Reason, activities.ErrTypeOutOfMemory) {
		t.Fatalf("result = %+v, want FAIL after 1 epoch with an OutOfMemory reason", res)
	}
	if calls != 2 {
		t.Fatalf("trainer called %d times, want 2 (epoch 1, then epoch 2 once)", calls)
	}
	if got := h.ledgerTrial(id, 0); got.State != hpo.Fail || got.Value != nil {
		t.Fatalf("ledger trial = %+v, want FAIL without value", got)
	}
}

// A transient failure is retried and the epoch resumes from the checkpoint:
// the trial completes all its epochs.
func TestTrialTransientFailureIsRetried(t *testing.T) {
	var calls int
	h := newWFHarness(t, wfOptions{trainer: func(sim activities.Trainer) activities.Trainer {
		return activities.TrainerFunc(func(ctx context.Context, req activities.EpochRequest) (activities.EpochResult, error) {
			calls++
			req.Params = map[string]hpo.Value{simtrainer.ParamFail: hpo.String("transient"), simtrainer.ParamFailEpoch: hpo.Int(2)}
			return sim.TrainEpoch(ctx, req)
		})
	}})
	id := h.putTrial("wf-trial", 0)
	res := h.runTrial(h.trialInput(id, 0, 3, 0))
	if res.State != hpo.Complete || res.Epochs != 3 {
		t.Fatalf("result = %+v, want COMPLETE after 3 epochs", res)
	}
	if calls != 4 {
		t.Fatalf("trainer called %d times, want 4 (epoch 2 twice)", calls)
	}
	ck, err := simtrainer.ReadCheckpoint(activities.TrialDir(h.outdir, "wf-trial", 0))
	if err != nil || ck.Epoch != 3 {
		t.Fatalf("checkpoint = %+v, %v; want epoch 3", ck, err)
	}
}

// Cancelling a trial cancels its running epoch activity and records the
// trial FAIL with reason "cancelled".
func TestTrialCancelCancelsTheEpoch(t *testing.T) {
	cancelled := make(chan struct{}, 1)
	h := newWFHarness(t, wfOptions{trainer: func(activities.Trainer) activities.Trainer {
		return activities.TrainerFunc(func(ctx context.Context, req activities.EpochRequest) (activities.EpochResult, error) {
			if req.Epoch == 1 {
				return activities.EpochResult{Epoch: 1, Value: 0.4}, nil
			}
			select {
			case <-ctx.Done():
				cancelled <- struct{}{}
				return activities.EpochResult{}, ctx.Err()
			case <-time.After(30 * time.Second):
				return activities.EpochResult{}, nil
			}
		})
	}})
	id := h.putTrial("wf-trial", 0)
	h.env.RegisterDelayedCallback(h.env.CancelWorkflow, 2*time.Second)
	res := h.runTrial(h.trialInput(id, 0, 5, 0))
	if res.State != hpo.Fail || res.Reason != workflows.ReasonCancelled || res.Epochs != 1 {
		t.Fatalf("result = %+v, want FAIL cancelled after 1 epoch", res)
	}
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the running epoch's context was not cancelled")
	}
	if got := h.ledgerTrial(id, 0); got.State != hpo.Fail {
		t.Fatalf("ledger trial = %+v, want FAIL", got)
	}
}

// ledgerTrial reads trial n of study id.
func (h *wfHarness) ledgerTrial(studyID int64, n int) hpo.Trial {
	h.t.Helper()
	ts, _, err := h.ledger.Trials(context.Background(), studyID, ledger.Cursor{})
	if err != nil {
		h.t.Fatal(err)
	}
	for _, tr := range ts {
		if tr.Number == n {
			return tr
		}
	}
	h.t.Fatalf("trial %d not in the ledger", n)
	return hpo.Trial{}
}
