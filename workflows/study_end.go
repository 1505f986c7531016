package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/redsm5/supermax-hpo/activities"
)

// complete ends a study whose trials have all ended (or that was stopped and
// whose running trials finished).
func (s *study) complete(ctx workflow.Context) (StudyResult, error) {
	s.cleanup(ctx)
	state := StudyStateCompleted
	if s.c.Stopping && s.started() < s.spec.NTrials {
		state = StudyStateStopped
	}
	s.writeOutputs(ctx)
	s.setState(ctx, state)
	return s.result(state), nil
}

// cancel cancels every running trial (their epoch activity too), waits for
// them to report, records those that did not as FAIL "cancelled", and ends
// the study. It runs disconnected from ctx, so a study cancelled through
// Temporal still winds its trials down; it then ends as cancelled.
func (s *study) cancel(ctx workflow.Context) (StudyResult, error) {
	s.cancelling = true
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	s.label(dctx)
	numbers := s.runningNumbers()
	futures := make([]workflow.Future, 0, len(numbers))
	for _, n := range numbers {
		futures = append(futures, workflow.RequestCancelExternalWorkflow(dctx, TrialWorkflowID(s.spec.Study, n), ""))
	}
	for i, f := range futures {
		if err := f.Get(dctx, nil); err != nil {
			workflow.GetLogger(dctx).Warn("study: cancelling a trial failed (it may have ended)", "trial", numbers[i], "error", err)
		}
	}
	// A cancelled epoch stops at its next heartbeat; give it two heartbeat
	// timeouts plus time to record its end.
	wait := 2*s.spec.Timeouts.EpochHeartbeat + s.spec.Timeouts.Activity
	if _, err := workflow.AwaitWithTimeout(dctx, wait, func() bool { return len(s.running) == 0 }); err != nil {
		workflow.GetLogger(dctx).Warn("study: waiting for cancelled trials failed", "error", err)
	}
	for _, n := range s.runningNumbers() {
		s.failTrial(dctx, n, ReasonCancelled)
	}
	s.cleanup(dctx)
	s.setState(dctx, StudyStateCancelled)
	res := s.result(StudyStateCancelled)
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	return res, nil
}

// continueAsNew hands the compact state to a new run. First it waits until
// every command of this run is acknowledged (child starts, signals) and
// every signal already received is handled: ABANDON children outlive the
// run, but an unhandled signal would be lost with it.
func (s *study) continueAsNew(ctx workflow.Context) (StudyResult, error) {
	// Clean up first: it yields, and nothing may yield between the last
	// drain and the return, or a signal handled meanwhile would issue a
	// command (a verdict) that dies with this run.
	s.cleanup(ctx)
	for {
		if err := workflow.Await(ctx, func() bool { return s.inflight == 0 }); err != nil {
			return s.cancel(ctx)
		}
		if s.drain(s.bg) == 0 && s.inflight == 0 {
			break
		}
	}
	switch {
	case s.cancelling:
		return s.cancel(ctx)
	case s.done():
		return s.complete(ctx)
	}
	state, err := s.pruner.MarshalBinary()
	if err != nil {
		return StudyResult{}, err
	}
	carry := s.c
	carry.Running = s.runningSorted()
	carry.PrunerState = state
	spec := s.spec
	spec.Carry = &carry
	workflow.GetLogger(ctx).Info("study: continuing as new", "run", s.c.Run, "next_trial", s.c.NextNumber,
		"running", len(carry.Running), "pruner_state_bytes", len(state))
	return StudyResult{}, workflow.NewContinueAsNewError(ctx, StudyWorkflow, spec)
}

// cleanup deletes the checkpoints of finished trials outside the best
// KeepBestK. A failure is logged: checkpoints are kept, nothing is lost.
func (s *study) cleanup(ctx workflow.Context) {
	if s.spec.KeepBestK <= 0 {
		return
	}
	var a *activities.Activities
	err := workflow.ExecuteActivity(shortActivity(ctx, s.spec.Timeouts), a.CleanupCheckpoints, activities.CleanupRequest{
		Study: s.spec.Study, StudyID: s.c.StudyID, Storage: s.spec.Storage, Outdir: s.spec.Outdir,
		Direction: s.spec.Direction, KeepBestK: s.spec.KeepBestK,
	}).Get(ctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Warn("study: checkpoint clean-up failed", "error", err)
	}
}

// runningNumbers lists the running trials' numbers in ascending order.
func (s *study) runningNumbers() []int {
	return workflow.DeterministicKeys(s.running)
}

// result is the study's summary in state.
func (s *study) result(state string) StudyResult {
	return StudyResult{Study: s.spec.Study, Best: s.c.Best, Counts: s.counts(), Runs: s.c.Run, State: state}
}
