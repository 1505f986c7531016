package workflows

import (
	"errors"
	"fmt"
	"math"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/earlystop"
)

// Reasons a trial ends, as recorded in TrialResult.Reason and the ledger.
const (
	ReasonMaxEpochs     = "max epochs"
	ReasonEarlyStopping = "early stopping"
	ReasonPruned        = "pruned by the study"
	ReasonCancelled     = "cancelled"
)

// TrialWorkflow trains one trial epoch by epoch and returns its result.
//
// Each epoch is one TrainEpoch activity inside a session, so all epochs run
// on one worker and device; when that worker dies the session fails and the
// trial opens a new session elsewhere, where the epoch resumes from the
// trial's checkpoint. After each epoch the trial signals the study
// SignalReport, applies early stopping (and records the value in the ledger
// with RecordIntermediate while the next epoch trains, or with FinishTrial),
// and — when AwaitVerdict — waits for the study's verdict before
// the next epoch. It stops at the last epoch, on early stopping, on a prune
// (read between epochs: an epoch that is running finishes first), on a
// failure (non-retryable errors such as out-of-memory end it FAIL with their
// reason) or when cancelled (the running epoch activity is cancelled too; the
// trial is recorded FAIL, reason "cancelled"). Before returning it finishes
// the trial in the ledger (FinishTrial) and then signals the study
// SignalTrialDone. A trial failure is a result, not a workflow error.
func TrialWorkflow(ctx workflow.Context, in TrialInput) (TrialResult, error) {
	in.Timeouts = in.Timeouts.withDefaults()
	t := &trial{in: in, state: hpo.Running, verdicts: make(map[int]bool)}
	if err := workflow.SetQueryHandler(ctx, QueryStatus, t.status); err != nil {
		return TrialResult{}, fmt.Errorf("trial %d: register query: %w", in.Number, err)
	}
	t.listen(ctx)
	res := t.run(ctx)
	return t.finish(ctx, res), nil
}

// trial is the state of one TrialWorkflow run.
type trial struct {
	in        TrialInput
	state     hpo.TrialState
	es        earlystop.State
	values    []float64
	metrics   []map[string]float64 // each epoch's EpochResult.Metrics, beside values
	best      *float64
	bestEpoch int
	// pruneReason is set by a prune signal or a prune verdict.
	pruneReason string
	// verdicts holds the epochs the study answered.
	verdicts        map[int]bool
	sessionRestarts int
	writes          []workflow.Future // ledger writes of intermediate values
	reports         []workflow.Future // report signals to the study
	recorded        int               // epochs whose value was sent to the ledger
	// verdictWait is how the trial waits for verdicts
	// (versionCancelVerdictTimer); decided once, at the first wait.
	verdictWait        workflow.Version
	verdictWaitDecided bool
}

// listen starts the coroutines that receive the trial's signals.
func (t *trial) listen(ctx workflow.Context) {
	prune := workflow.GetSignalChannel(ctx, SignalPrune)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var req PruneRequest
			if !prune.Receive(ctx, &req) {
				return
			}
			if t.pruneReason == "" {
				t.pruneReason = ReasonPruned
				if req.Reason != "" {
					t.pruneReason = ReasonPruned + ": " + req.Reason
				}
			}
		}
	})
	verdict := workflow.GetSignalChannel(ctx, SignalVerdict)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var v Verdict
			if !verdict.Receive(ctx, &v) {
				return
			}
			t.verdicts[v.Epoch] = true
			if v.Prune && t.pruneReason == "" {
				t.pruneReason = ReasonPruned
			}
		}
	})
}

// run trains the epochs and returns the trial's end.
func (t *trial) run(ctx workflow.Context) TrialResult {
	s, err := t.openSession(ctx)
	if err != nil {
		return t.end(ctx, hpo.Fail, err)
	}
	defer func() { workflow.CompleteSession(s.ctx) }()
	for epoch := 1; epoch <= t.in.Epochs; epoch++ {
		if t.pruneReason != "" {
			return t.result(hpo.Pruned, t.pruneReason)
		}
		t.recordValues(ctx)
		r, err := s.train(ctx, t, epoch)
		if err != nil {
			return t.end(ctx, hpo.Fail, err)
		}
		t.metrics = append(t.metrics, r.Metrics)
		if stop := t.observe(ctx, epoch, r.Value); stop {
			return t.result(hpo.Complete, ReasonEarlyStopping)
		}
		if epoch < t.in.Epochs {
			t.awaitVerdict(ctx, epoch)
		}
	}
	return t.result(hpo.Complete, ReasonMaxEpochs)
}

// observe takes an epoch's value: study report, best value and early
// stopping. It reports whether early stopping ends the trial.
func (t *trial) observe(ctx workflow.Context, epoch int, value float64) bool {
	t.values = append(t.values, value)
	if !math.IsNaN(value) && (t.best == nil || t.in.EarlyStop.Mode.Better(value, *t.best)) {
		v := value
		t.best, t.bestEpoch = &v, epoch
	}
	if t.in.StudyWorkflowID != "" {
		t.reports = append(t.reports, workflow.SignalExternalWorkflow(ctx, t.in.StudyWorkflowID, "", SignalReport,
			EpochReport{Trial: t.in.Number, Epoch: epoch, Value: value}))
	}
	stop := false
	if t.in.EarlyStop.Patience > 0 {
		t.es, stop = t.in.EarlyStop.Step(t.es, epoch, value)
	}
	workflow.SetCurrentDetails(ctx, t.progress(epoch, value))
	return stop
}

// recordValues writes the epoch values not yet in the ledger, without
// waiting: it runs as the next epoch starts, so the write is off the
// critical path. The values of the last epochs, which no next epoch
// follows, go to the ledger with FinishTrial.
func (t *trial) recordValues(ctx workflow.Context) {
	var a *activities.Activities
	for ; t.recorded < len(t.values); t.recorded++ {
		t.writes = append(t.writes, workflow.ExecuteActivity(shortActivity(ctx, t.in.Timeouts), a.RecordIntermediate,
			activities.IntermediateRequest{Storage: t.in.Storage, StudyID: t.in.StudyID, Number: t.in.Number,
				Epoch: t.recorded + 1, Value: t.values[t.recorded], Metrics: t.metrics[t.recorded]}))
	}
}

// someMetrics is ms, or nil when no epoch has metrics (the criteria
// agent), so that FinishTrial's input is unchanged for agents without
// them.
func someMetrics(ms []map[string]float64) []map[string]float64 {
	for _, m := range ms {
		if len(m) > 0 {
			return ms
		}
	}
	return nil
}

// progress is the one-line summary shown in the Web UI while the trial runs.
func (t *trial) progress(epoch int, value float64) string {
	line := fmt.Sprintf("trial %d epoch %d/%d: value %.6g", t.in.Number, epoch, t.in.Epochs, value)
	if t.best != nil {
		line += fmt.Sprintf(", best %.6g at epoch %d", *t.best, t.bestEpoch)
	}
	if t.in.EarlyStop.Patience > 0 {
		line += fmt.Sprintf(", %d/%d epochs without improvement", t.es.BadEpochs, t.in.EarlyStop.Patience)
	}
	return line
}

// awaitVerdict waits, when the trial awaits verdicts, for the study's answer
// on epoch (or a prune), at most Timeouts.Verdict.
func (t *trial) awaitVerdict(ctx workflow.Context, epoch int) {
	if !t.in.AwaitVerdict || t.in.StudyWorkflowID == "" {
		return
	}
	_, err := t.awaitOrTimeout(ctx, func() bool {
		return t.verdicts[epoch] || t.pruneReason != ""
	})
	if err == nil {
		delete(t.verdicts, epoch)
	}
}

// end returns the result of a trial stopped by err: cancelled when ctx is,
// else FAIL with err's message as the reason.
func (t *trial) end(ctx workflow.Context, state hpo.TrialState, err error) TrialResult {
	if ctx.Err() != nil || temporal.IsCanceledError(err) {
		return t.result(hpo.Fail, ReasonCancelled)
	}
	return t.result(state, failureReason(err))
}

// failureReason is the message of the innermost application error (the
// trainer's own words), else of err.
func failureReason(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Type() + ": " + app.Message()
	}
	return err.Error()
}

// result builds the trial's result in state. A COMPLETE trial without any
// non-NaN value becomes FAIL: Optuna requires a value for COMPLETE.
func (t *trial) result(state hpo.TrialState, reason string) TrialResult {
	r := TrialResult{Number: t.in.Number, State: state, Epochs: len(t.values),
		Intermediate: append([]float64(nil), t.values...), Reason: reason, BestEpoch: t.bestEpoch}
	switch {
	case state == hpo.Complete && t.best == nil:
		r.State, r.Reason = hpo.Fail, "no epoch produced a value (all NaN or none)"
	case state == hpo.Complete:
		v := *t.best
		r.Value = &v
	case state == hpo.Pruned && len(t.values) > 0 && !math.IsNaN(t.values[len(t.values)-1]):
		v := t.values[len(t.values)-1]
		r.Value = &v
	}
	t.state = r.State
	return r
}

// finish records the end in the ledger, tells the study and labels the
// workflow. It runs on a disconnected context when the trial was cancelled,
// so the cancellation is recorded rather than lost.
func (t *trial) finish(ctx workflow.Context, r TrialResult) TrialResult {
	if ctx.Err() != nil {
		ctx, _ = workflow.NewDisconnectedContext(ctx)
	}
	logger := workflow.GetLogger(ctx)
	// Earlier values must be in the ledger before the end (a finished trial
	// takes no more values); they were written while later epochs trained,
	// so this rarely waits. Report signals are not waited for here: that
	// would put a round trip between the last epoch and the end.
	awaitAll(ctx, t.writes, "ledger write of an epoch value", t.in.Number)
	var a *activities.Activities
	err := workflow.ExecuteActivity(shortActivity(ctx, t.in.Timeouts), a.FinishTrial, activities.FinishRequest{
		Storage: t.in.Storage, StudyID: t.in.StudyID, Number: t.in.Number, State: r.State, Value: r.Value, Reason: r.Reason,
		FromEpoch: t.recorded + 1, Values: t.values[t.recorded:],
		Metrics: someMetrics(t.metrics[t.recorded:]),
	}).Get(ctx, nil)
	if err != nil {
		// The study writes the end instead (study_liveness.go): a trial
		// never stays RUNNING in the ledger after its workflow closed.
		logger.Error("trial: recording the end in the ledger failed; the study records it", "trial", t.in.Number, "error", err)
		r.Unrecorded = true
	}
	awaitAll(ctx, t.reports, "report to the study", t.in.Number)
	if t.in.StudyWorkflowID != "" {
		done := TrialDone{Trial: t.in.Number, State: r.State, Value: r.Value, Epochs: r.Epochs, Reason: r.Reason, Params: t.in.Params}
		if r.Unrecorded {
			done.Unrecorded, done.Intermediate = true, r.Intermediate
		}
		if err := workflow.SignalExternalWorkflow(ctx, t.in.StudyWorkflowID, "", SignalTrialDone, done).Get(ctx, nil); err != nil {
			logger.Warn("trial: signalling the study failed (it may have ended)", "trial", t.in.Number, "error", err)
		}
	}
	t.label(ctx, r)
	return r
}

// awaitAll waits for futures, logging failures (the trial's result stands:
// a missing intermediate value or report does not change it).
func awaitAll(ctx workflow.Context, fs []workflow.Future, what string, trial int) {
	for _, f := range fs {
		if err := f.Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Warn("trial: "+what+" failed", "trial", trial, "error", err)
		}
	}
}

// label upserts the trial's final search attributes and current details.
func (t *trial) label(ctx workflow.Context, r TrialResult) {
	updates := []temporal.SearchAttributeUpdate{
		KeyKind.ValueSet(KindTrial), KeyStudy.ValueSet(t.in.Study), KeyAgent.ValueSet(t.in.Agent),
		KeyTrial.ValueSet(int64(t.in.Number)), KeyState.ValueSet(r.State.String()), KeyEpochs.ValueSet(int64(r.Epochs)),
	}
	if r.Value != nil {
		updates = append(updates, KeyBest.ValueSet(*r.Value))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		workflow.GetLogger(ctx).Warn("trial: search attributes not updated", "error", err)
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("trial %d %s after %d epochs: %s", t.in.Number, r.State, r.Epochs, r.Reason))
}

// status answers QueryStatus.
func (t *trial) status() (TrialStatus, error) {
	st := TrialStatus{Number: t.in.Number, State: t.state, Epoch: len(t.values), Best: t.best, BestEpoch: t.bestEpoch,
		BadEpochs: t.es.BadEpochs, PruneRequested: t.pruneReason != "", SessionRestarts: t.sessionRestarts}
	if n := len(t.values); n > 0 {
		v := t.values[n-1]
		st.LastValue = &v
	}
	return st, nil
}
