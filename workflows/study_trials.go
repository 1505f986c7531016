package workflows

import (
	"errors"
	"fmt"
	"math"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/pruners"
)

// startChild starts TrialWorkflow n and watches it from a coroutine.
//
// ParentClosePolicy ABANDON: the trial must survive this run's
// continue-as-new (and a study that fails); it reports by signalling the
// study's workflow ID, which reaches whichever run is current.
// REJECT_DUPLICATE: a trial ID never runs twice; a start that finds it
// already running is treated as running (its trial-done will come).
// WaitForCancellation: when the study cancels a trial, the trial winds down
// (records its end) rather than being considered gone at once.
func (s *study) startChild(ctx workflow.Context, n int, params map[string]hpo.Value) {
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            TrialWorkflowID(s.spec.Study, n),
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WaitForCancellation:   true,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			KeyKind.ValueSet(KindTrial), KeyStudy.ValueSet(s.spec.Study), KeyAgent.ValueSet(s.spec.Agent),
			KeyTrial.ValueSet(int64(n)), KeyState.ValueSet(hpo.Running.String()),
		),
	})
	f := workflow.ExecuteChildWorkflow(cctx, TrialWorkflow, s.trialInput(ctx, n, params))
	s.inflight++
	workflow.Go(s.bg, func(ctx workflow.Context) {
		err := f.GetChildWorkflowExecution().Get(ctx, nil)
		s.inflight--
		var started *temporal.ChildWorkflowExecutionAlreadyStartedError
		switch {
		case err != nil && errors.As(err, &started):
			workflow.GetLogger(ctx).Warn("study: trial already started, treated as running", "trial", n)
			return
		case err != nil:
			s.failTrial(ctx, n, "could not start: "+err.Error())
			return
		}
		s.watchChild(ctx, n, f)
	})
}

// watchChild waits for trial n's end. A trial normally signals trial-done
// before it completes; if it ended without doing so (failed, terminated,
// timed out) the study records it here.
func (s *study) watchChild(ctx workflow.Context, n int, f workflow.ChildWorkflowFuture) {
	var res TrialResult
	err := f.Get(ctx, &res)
	if _, running := s.running[n]; !running || s.cancelling {
		return
	}
	switch {
	case err != nil && s.lv != nil:
		// Ask for the latest run: a reset trial goes on in a new one.
		s.checkTrials(ctx, []int{n})
		return
	case err != nil:
		s.failTrial(ctx, n, "trial workflow ended without reporting: "+failureReason(err))
		return
	}
	s.onDone(ctx, TrialDone{Trial: n, State: res.State, Value: res.Value, Epochs: res.Epochs, Reason: res.Reason,
		Unrecorded: res.Unrecorded, Intermediate: res.Intermediate})
}

// trialInput is the input of trial n.
func (s *study) trialInput(ctx workflow.Context, n int, params map[string]hpo.Value) TrialInput {
	return TrialInput{
		StudyWorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID,
		Study:           s.spec.Study, StudyID: s.c.StudyID, Agent: s.spec.Agent, Number: n, Params: params,
		Seed: s.spec.Seed, Epochs: s.spec.Epochs, EarlyStop: s.spec.earlyStopping(),
		Storage: s.spec.Storage, Outdir: s.spec.Outdir, Trainer: s.spec.Trainer, Timeouts: s.spec.Timeouts,
		AwaitVerdict: s.spec.Pruner.Kind != pruners.KindNone,
	}
}

// onReport feeds an epoch report to the pruner and answers the trial.
func (s *study) onReport(ctx workflow.Context, r EpochReport) {
	rt, ok := s.running[r.Trial]
	if !ok || r.Epoch <= rt.Epoch {
		return // a late or repeated report: already counted
	}
	s.heardFrom(ctx, r.Trial)
	v := r.Value
	rt.Epoch, rt.LastValue = r.Epoch, &v
	if s.pruner.Report(r.Trial, r.Epoch, r.Value) {
		s.sendPrune(ctx, r.Trial, fmt.Sprintf("pruner (%s) at epoch %d", s.spec.Pruner.Kind, r.Epoch))
		return
	}
	if s.spec.Pruner.Kind != pruners.KindNone && r.Epoch < s.spec.Epochs {
		s.signalTrial(ctx, r.Trial, SignalVerdict, Verdict{Epoch: r.Epoch})
	}
}

// sendPrune tells trial n to stop, once per run.
func (s *study) sendPrune(ctx workflow.Context, n int, reason string) {
	if s.pruneSent[n] {
		return
	}
	s.pruneSent[n] = true
	s.signalTrial(ctx, n, SignalPrune, PruneRequest{Reason: reason})
}

// signalTrial signals trial n without blocking; continue-as-new waits for
// the signal to be delivered (inflight). A trial that already ended makes
// the signal fail, which is harmless.
func (s *study) signalTrial(ctx workflow.Context, n int, name string, payload any) {
	f := workflow.SignalExternalWorkflow(ctx, TrialWorkflowID(s.spec.Study, n), "", name, payload)
	s.inflight++
	workflow.Go(s.bg, func(ctx workflow.Context) {
		if err := f.Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Debug("study: signal to trial not delivered", "trial", n, "signal", name, "error", err)
		}
		s.inflight--
	})
}

// onDone counts a trial's end, once.
func (s *study) onDone(ctx workflow.Context, d TrialDone) {
	if _, ok := s.running[d.Trial]; !ok {
		return
	}
	if s.settleUnrecorded(d) {
		return // counted once the study wrote the end
	}
	delete(s.running, d.Trial)
	delete(s.pruneSent, d.Trial)
	s.forget(d.Trial)
	s.count(d)
	s.label(ctx)
}

// count adds an ended trial to the counters, the pruner and the best.
func (s *study) count(d TrialDone) {
	value := math.NaN()
	if d.Value != nil {
		value = *d.Value
	}
	switch d.State {
	case hpo.Complete:
		s.c.Counts.Complete++
		if d.Value != nil && (s.c.Best == nil || s.direction().Better(value, s.c.Best.Value)) {
			s.c.Best = &BestTrial{Number: d.Trial, Value: value, Params: d.Params}
		}
	case hpo.Pruned:
		s.c.Counts.Pruned++
	default:
		s.c.Counts.Fail++
	}
	s.pruner.Finish(d.Trial, d.State, value)
}

// failTrial records trial n FAIL from the study's side (the trial could not
// do it) and counts it. Idempotent with the trial's own FinishTrial: the
// first end recorded stands.
func (s *study) failTrial(ctx workflow.Context, n int, reason string) {
	if _, ok := s.running[n]; !ok {
		return
	}
	var a *activities.Activities
	var r activities.FinishResult
	s.inflight++
	err := workflow.ExecuteActivity(shortActivity(ctx, s.spec.Timeouts), a.FinishTrial, activities.FinishRequest{
		Storage: s.spec.Storage, StudyID: s.c.StudyID, Number: n, State: hpo.Fail, Reason: reason,
	}).Get(ctx, &r)
	s.inflight--
	logger := workflow.GetLogger(ctx)
	if err != nil {
		logger.Error("study: recording a failed trial in the ledger failed", "trial", n, "error", err)
	}
	if r.AlreadyFinished {
		logger.Warn("study: trial had already ended in the ledger; that end stands there", "trial", n)
	}
	d := TrialDone{Trial: n, State: hpo.Fail, Reason: reason}
	if s.lv != nil && r.State.Finished() {
		d.State, d.Value = r.State, r.Value // count the end the ledger holds
	}
	s.onDone(ctx, d)
}
