package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/hpo"
)

// versionTrialLiveness is the change ID of the study's own watch over its
// trials (docs/design.md, "How a trial's end is known").
//   - DefaultVersion (runs recorded before): a trial's end is known from its
//     trial-done signal or, for a trial this run started, from its child
//     future; a child that closed without reporting is recorded FAIL at once.
//   - liveChecks: besides those, the run asks the server (CheckTrials) about
//     every running trial it has not heard from for Timeouts.TrialCheck —
//     the trials carried over continue-as-new included — and about a child
//     whose future failed (a reset child has a new run that goes on); it
//     writes the end of a trial that could not (TrialDone.Unrecorded, or a
//     workflow closed without a result), and counts the end the ledger
//     holds, so counts and ledger agree.
const versionTrialLiveness = "study-trial-liveness"

// liveChecks is the version of versionTrialLiveness with the checks above.
const liveChecks workflow.Version = 1

// liveness is the run's bookkeeping of versionTrialLiveness (nil on the
// old path). Rebuilt by each run: carried trials start as just heard from.
type liveness struct {
	// heard is when the run last heard from each running trial (its start,
	// a report, or a check that found it running).
	heard map[int]time.Time
	// settling marks trials whose end the study is writing to the ledger;
	// they stay running (uncounted) until the write returns.
	settling map[int]bool
}

// startLiveness decides, once per run, whether the run watches its trials
// itself (versionTrialLiveness) and, if so, starts the watcher.
func (s *study) startLiveness(ctx workflow.Context) {
	if workflow.GetVersion(ctx, versionTrialLiveness, workflow.DefaultVersion, liveChecks) < liveChecks {
		return
	}
	s.lv = &liveness{heard: make(map[int]time.Time), settling: make(map[int]bool)}
	now := workflow.Now(ctx)
	for _, n := range s.runningNumbers() {
		s.lv.heard[n] = now
	}
	workflow.Go(ctx, s.watchTrials)
}

// heardFrom notes that trial n gave a sign of life.
func (s *study) heardFrom(ctx workflow.Context, n int) {
	if s.lv != nil {
		s.lv.heard[n] = workflow.Now(ctx)
	}
}

// forget drops trial n's liveness bookkeeping once it is counted.
func (s *study) forget(n int) {
	if s.lv != nil {
		delete(s.lv.heard, n)
		delete(s.lv.settling, n)
	}
}

// watchTrials checks, every Timeouts.TrialCheck while trials run, those
// not heard from during the last interval. It sleeps only while some trial
// runs, so an idle study adds no timers to its history.
func (s *study) watchTrials(ctx workflow.Context) {
	every := s.spec.Timeouts.TrialCheck
	for {
		if err := workflow.Await(ctx, func() bool { return len(s.running) > 0 }); err != nil {
			return
		}
		if err := workflow.Sleep(ctx, every); err != nil {
			return
		}
		if s.cancelling {
			return
		}
		since := workflow.Now(ctx).Add(-every)
		var due []int
		for _, n := range s.runningNumbers() {
			if !s.lv.settling[n] && !s.lv.heard[n].After(since) {
				due = append(due, n)
			}
		}
		if len(due) > 0 {
			s.checkTrials(ctx, due)
		}
	}
}

// checkTrials asks the server about trials (CheckTrials) and settles every
// one whose workflow has closed; a trial found running counts as heard
// from. A failed check is logged and tried again at the next interval.
func (s *study) checkTrials(ctx workflow.Context, numbers []int) {
	ids := make([]string, len(numbers))
	for i, n := range numbers {
		ids[i] = TrialWorkflowID(s.spec.Study, n)
	}
	var a *activities.Activities
	var r activities.CheckTrialsResult
	s.inflight++
	err := workflow.ExecuteActivity(shortActivity(ctx, s.spec.Timeouts), a.CheckTrials,
		activities.CheckTrialsRequest{WorkflowIDs: ids}).Get(ctx, &r)
	s.inflight--
	if err != nil {
		workflow.GetLogger(ctx).Warn("study: checking silent trials failed; trying again later", "trials", numbers, "error", err)
		return
	}
	if len(r.Checks) != len(numbers) {
		workflow.GetLogger(ctx).Error("study: CheckTrials answered the wrong number of trials", "asked", len(numbers), "got", len(r.Checks))
		return
	}
	for i, c := range r.Checks {
		n := numbers[i]
		if _, running := s.running[n]; !running || s.lv.settling[n] {
			continue // counted (or being written) meanwhile
		}
		if !c.Closed() {
			s.heardFrom(ctx, n)
			continue
		}
		s.settleClosed(ctx, n, c)
	}
}

// settleClosed takes the end of trial n, whose workflow closed without the
// study counting it. A completed trial's result is counted as it is (once
// written to the ledger, if the trial could not write it); any other close
// (failed, terminated, timed out, gone) is recorded FAIL.
func (s *study) settleClosed(ctx workflow.Context, n int, c activities.TrialCheck) {
	logger := workflow.GetLogger(ctx)
	if e := c.End; c.Status == "COMPLETED" && e != nil {
		logger.Warn("study: trial completed without its end reaching the study; counting its result", "trial", n, "state", e.State)
		s.onDone(ctx, TrialDone{Trial: n, State: e.State, Value: e.Value, Epochs: e.Epochs, Reason: e.Reason,
			Unrecorded: e.Unrecorded, Intermediate: e.Intermediate})
		return
	}
	reason := "trial workflow " + c.Status + " without reporting its end"
	if c.Reason != "" {
		reason += ": " + c.Reason
	}
	logger.Warn("study: trial closed without reporting; recording it FAIL", "trial", n, "status", c.Status)
	s.settle(TrialDone{Trial: n, State: hpo.Fail, Reason: reason})
}

// settleUnrecorded takes a trial's end that the trial could not write to
// the ledger (d.Unrecorded) and settles it. Reports whether it took d
// (false on the old path or when d was recorded).
func (s *study) settleUnrecorded(d TrialDone) bool {
	if s.lv == nil || !d.Unrecorded {
		return false
	}
	s.settle(d)
	return true
}

// settle writes and then counts trial d.Trial's end from a coroutine of its
// own (recordEnd), once: a trial already settling is left to that one.
func (s *study) settle(d TrialDone) {
	if s.lv.settling[d.Trial] {
		return
	}
	s.lv.settling[d.Trial] = true
	s.inflight++ // until the coroutine runs: continue-as-new must wait for it
	workflow.Go(s.bg, func(ctx workflow.Context) {
		s.inflight--
		s.recordEnd(ctx, d)
	})
}

// recordEnd writes trial d.Trial's end to the ledger from the study's side
// (FinishTrial, idempotent: the first end recorded stands) and counts the
// end the ledger then holds. The write is retried until it succeeds or
// fails for good (a ledger that is down delays the study, it does not
// leave the trial RUNNING); the trial stays running meanwhile, so the
// study neither ends nor continues as new before it is written.
func (s *study) recordEnd(ctx workflow.Context, d TrialDone) {
	if _, ok := s.running[d.Trial]; !ok {
		delete(s.lv.settling, d.Trial)
		return
	}
	var a *activities.Activities
	var r activities.FinishResult
	req := activities.FinishRequest{Storage: s.spec.Storage, StudyID: s.c.StudyID, Number: d.Trial,
		State: d.State, Value: d.Value, Reason: d.Reason}
	if len(d.Intermediate) > 0 {
		req.FromEpoch, req.Values = 1, d.Intermediate
	}
	s.inflight++
	err := workflow.ExecuteActivity(ledgerWriteActivity(ctx, s.spec.Timeouts), a.FinishTrial, req).Get(ctx, &r)
	s.inflight--
	if err != nil {
		workflow.GetLogger(ctx).Error("study: recording a trial's end in the ledger failed for good", "trial", d.Trial, "error", err)
	}
	if r.State.Finished() {
		d.State, d.Value = r.State, r.Value // the ledger's end is the one counted
	}
	d.Unrecorded, d.Intermediate = false, nil
	delete(s.lv.settling, d.Trial)
	s.onDone(ctx, d)
}

// ledgerWriteActivity returns ctx with the options of the study's own
// ledger writes of trial ends: retried without a bound on attempts (at
// most a minute apart) except the non-retryable types.
func ledgerWriteActivity(ctx workflow.Context, t Timeouts) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: t.Activity,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			NonRetryableErrorTypes: activities.NonRetryableErrorTypes(),
		},
	})
}
