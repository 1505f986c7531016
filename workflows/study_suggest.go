package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/redsm5/supermax-hpo/activities"
)

// versionBatchSuggest is the change ID of batched suggestions.
//   - DefaultVersion (runs recorded before): one SuggestTrial activity and
//     one child start per workflow task.
//   - batchActivity: a run suggests every trial that may start now in one
//     SuggestTrials activity and starts them all in one workflow task.
//   - batchLocal: the same, with SuggestTrials as a local activity: it runs
//     in the worker that runs the workflow task, whose completion then
//     carries the suggestions and the child starts together, saving the
//     server round trips of a scheduled activity.
const versionBatchSuggest = "study-batch-suggest"

// Versions of versionBatchSuggest.
const (
	batchActivity workflow.Version = 1
	batchLocal    workflow.Version = 2
)

// batchVersion decides, once per run, how the run suggests trials. A run
// replaying a history recorded without the marker keeps the old path; every
// new run records the newest version.
func batchVersion(ctx workflow.Context) workflow.Version {
	return workflow.GetVersion(ctx, versionBatchSuggest, workflow.DefaultVersion, batchLocal)
}

// startTrials starts what may start now: a batch of room() trials, or one
// trial on the old path.
func (s *study) startTrials(ctx workflow.Context) error {
	if s.batch == workflow.DefaultVersion {
		return s.startNext(ctx)
	}
	return s.startBatch(ctx, s.room())
}

// room is how many trials may start now: the free slots, bounded by the
// trials left to start, this run's budget of TrialsPerRun (K) and
// MaxSuggestBatch. At least 1 whenever canStart holds and it is not yet
// time to continue as new.
func (s *study) room() int {
	k := min(s.c.Parallel-len(s.running), s.spec.NTrials-s.started(), activities.MaxSuggestBatch)
	if s.spec.TrialsPerRun > 0 {
		k = min(k, s.spec.TrialsPerRun-s.startedThisRun)
	}
	return k
}

// startBatch suggests trials NextNumber .. NextNumber+k-1 in one activity
// call (sampled in order, each earlier one counted RUNNING: constant liar)
// and starts them all in this workflow task. The suggestion runs in an
// activity, local or not (s.batch): sampling is heavy (it must not block
// the workflow's coroutines) and reads the ledger; a retried call returns
// what the ledger holds.
func (s *study) startBatch(ctx workflow.Context, k int) error {
	if k < 1 {
		return fmt.Errorf("study %q: start a batch of %d trials: want >= 1 (room computed wrong)", s.spec.Study, k)
	}
	first := s.c.NextNumber
	var a *activities.Activities
	var r activities.SuggestBatchResult
	req := activities.SuggestBatchRequest{SuggestRequest: s.withWarmStart(s.suggestRequest(first), k), Count: k}
	var f workflow.Future
	if s.batch >= batchLocal {
		f = workflow.ExecuteLocalActivity(shortLocalActivity(ctx, s.spec.Timeouts), a.SuggestTrials, req)
	} else {
		f = workflow.ExecuteActivity(shortActivity(ctx, s.spec.Timeouts), a.SuggestTrials, req)
	}
	err := f.Get(ctx, &r)
	if err != nil {
		return fmt.Errorf("study %q: suggest trials %d..%d: %w", s.spec.Study, first, first+k-1, err)
	}
	if len(r.Trials) != k {
		return fmt.Errorf("study %q: suggest trials %d..%d: got %d suggestions, want %d", s.spec.Study, first, first+k-1, len(r.Trials), k)
	}
	for i, t := range r.Trials {
		if t.Number != first+i {
			return fmt.Errorf("study %q: suggest trials %d..%d: suggestion %d is trial %d", s.spec.Study, first, first+k-1, i, t.Number)
		}
	}
	for i, t := range r.Trials {
		s.begin(ctx, first+i, t)
	}
	s.label(ctx)
	return nil
}

// shortLocalActivity returns ctx with the options of a short local
// activity: those of shortActivity. A local activity that outlasts the
// workflow task timeout keeps the task alive (the SDK heartbeats it), and
// retries after a worker's death rerun it from the next workflow task.
func shortLocalActivity(ctx workflow.Context, t Timeouts) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: t.Activity,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			MaximumAttempts:        30,
			NonRetryableErrorTypes: activities.NonRetryableErrorTypes(),
		},
	})
}

// startNext suggests the next trial and starts it: the path of runs
// recorded before versionBatchSuggest, kept so they replay unchanged.
func (s *study) startNext(ctx workflow.Context) error {
	n := s.c.NextNumber
	var a *activities.Activities
	var r activities.SuggestResult
	err := workflow.ExecuteActivity(shortActivity(ctx, s.spec.Timeouts), a.SuggestTrial, s.withWarmStart(s.suggestRequest(n), 1)).Get(ctx, &r)
	if err != nil {
		return fmt.Errorf("study %q: suggest trial %d: %w", s.spec.Study, n, err)
	}
	if s.begin(ctx, n, r) {
		s.label(ctx)
	}
	return nil
}

// begin takes suggestion r of trial n (NextNumber): it counts a trial the
// ledger already holds as ended (the study was started again under its
// name), never running it twice, and starts any other as a child. It
// reports whether a child was started.
func (s *study) begin(ctx workflow.Context, n int, r activities.SuggestResult) bool {
	s.c.NextNumber++
	s.startedThisRun++
	if r.State.Finished() {
		s.count(TrialDone{Trial: n, State: r.State, Value: r.Value, Params: r.Params})
		return false
	}
	s.running[n] = &RunningTrial{Number: n}
	s.heardFrom(ctx, n)
	s.startChild(ctx, n, r.Params)
	return true
}

// suggestRequest is the request for trial n (the first of a batch).
func (s *study) suggestRequest(n int) activities.SuggestRequest {
	return s.withSpace(activities.SuggestRequest{
		Study: s.spec.Study, StudyID: s.c.StudyID, Storage: s.spec.Storage, Agent: s.spec.Agent,
		AgentOptions: s.spec.AgentOptions, Direction: s.spec.Direction, Seed: s.spec.Seed,
		Sampler: s.spec.Sampler, TPE: s.spec.TPE, Number: n,
	}) // study_narrow.go
}
