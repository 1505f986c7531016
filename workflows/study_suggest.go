package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/redsm5/supermax-hpo/activities"
)

// versionBatchSuggest is the change ID of batched suggestions. Version 1: a
// run suggests every trial that may start now in one SuggestTrials call and
// starts them all in the same workflow task. DefaultVersion (runs recorded
// before): one SuggestTrial call and one child start per workflow task.
const versionBatchSuggest = "study-batch-suggest"

// batchVersion decides, once per run, whether the run batches suggestions.
// A run replaying a history recorded without the marker keeps the old path;
// every new run records version 1.
func batchVersion(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, versionBatchSuggest, workflow.DefaultVersion, 1) == 1
}

// startTrials starts what may start now: a batch of room() trials, or one
// trial on the old path.
func (s *study) startTrials(ctx workflow.Context) error {
	if s.batch {
		return s.startBatch(ctx, s.room())
	}
	return s.startNext(ctx)
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
// activity: sampling is heavy (it must not block a workflow task) and reads
// the ledger; a retried call returns what the ledger holds.
func (s *study) startBatch(ctx workflow.Context, k int) error {
	if k < 1 {
		return fmt.Errorf("study %q: start a batch of %d trials: want >= 1 (room computed wrong)", s.spec.Study, k)
	}
	first := s.c.NextNumber
	var a *activities.Activities
	var r activities.SuggestBatchResult
	err := workflow.ExecuteActivity(shortActivity(ctx, s.spec.Timeouts), a.SuggestTrials, activities.SuggestBatchRequest{
		SuggestRequest: s.suggestRequest(first), Count: k,
	}).Get(ctx, &r)
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

// startNext suggests the next trial and starts it: the path of runs
// recorded before versionBatchSuggest, kept so they replay unchanged.
func (s *study) startNext(ctx workflow.Context) error {
	n := s.c.NextNumber
	var a *activities.Activities
	var r activities.SuggestResult
	err := workflow.ExecuteActivity(shortActivity(ctx, s.spec.Timeouts), a.SuggestTrial, s.suggestRequest(n)).Get(ctx, &r)
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
	s.startChild(ctx, n, r.Params)
	return true
}

// suggestRequest is the request for trial n (the first of a batch).
func (s *study) suggestRequest(n int) activities.SuggestRequest {
	return activities.SuggestRequest{
		Study: s.spec.Study, StudyID: s.c.StudyID, Storage: s.spec.Storage, Agent: s.spec.Agent,
		AgentOptions: s.spec.AgentOptions, Direction: s.spec.Direction, Seed: s.spec.Seed,
		Sampler: s.spec.Sampler, TPE: s.spec.TPE, Number: n,
	}
}
