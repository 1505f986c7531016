// Package workflows holds the Temporal workflows of a study: StudyWorkflow
// (one per study, workflow ID = study name) and TrialWorkflow (one per trial,
// ID "<study>/trial-<n>"), their inputs and results (types.go), and the
// names shared with workers, starters and tests (names.go).
//
// # Who does what
//
//   - The study suggests trials in batches through the SuggestTrials local
//     activity (sampling is heavy and reads the ledger: it must not run in a
//     workflow task; runs recorded before study-batch-suggest used one
//     SuggestTrial activity per trial), starts them as children, runs the
//     pruner on their epoch reports (the pruner is pure, deterministic Go
//     whose state lives in the workflow and crosses continue-as-new as
//     bytes), and counts their ends, which it learns from trial-done
//     signals, child futures and its own CheckTrials checks of trials it has
//     not heard from (study_liveness.go; docs/design.md §4).
//   - A trial trains epoch by epoch (TrainEpoch in a session), writes its
//     intermediate values and its end to the ledger, and reports to the study
//     by signal. The study writes to the ledger the parameters of a new
//     trial (SuggestTrials) and the end of a trial that could not write it
//     itself: one that closed without reporting (recorded FAIL) or whose
//     FinishTrial failed for good (TrialDone.Unrecorded). Every ledger write
//     is idempotent (see package activities).
//
// # Signals and queries
//
// Study: SignalStop, SignalCancel, SignalSetParallelism (int),
// SignalPruneTrial (int); from trials SignalReport (EpochReport) and
// SignalTrialDone (TrialDone). Trial: SignalPrune (PruneRequest or none) and
// SignalVerdict (Verdict, from the study). Both answer QueryStatus. From a
// shell, for a study named S:
//
//	temporal workflow signal --workflow-id S --name stop
//	temporal workflow signal --workflow-id S --name cancel
//	temporal workflow signal --workflow-id S --name set-parallelism --input 8
//	temporal workflow signal --workflow-id S --name prune-trial --input 42
//	temporal workflow signal --workflow-id S/trial-42 --name prune --input '{"reason":"by hand"}'
//	temporal workflow query --workflow-id S --type status
//	temporal workflow query --workflow-id S/trial-42 --type status
//
// # Determinism rules (workflow code is replayed)
//
//   - No map iteration without sorted keys (workflow.DeterministicKeys), no
//     time.Now, no native goroutines, channels or select, no randomness.
//   - Floating point that steers the workflow is limited to comparisons
//     (best value, early stopping) and the pruner, whose package avoids
//     fusable x*y+z expressions.
//   - Versioning: any change to the commands these workflows issue, or to
//     their order, for workflows that may be running when it is deployed,
//     is guarded with workflow.GetVersion(ctx, "<change-id>",
//     workflow.DefaultVersion, N), keeping the old branch until no run that
//     took it remains; the replay tests over the recorded histories in
//     testsuite/testdata/histories catch misses. The change IDs so far are
//     study-batch-suggest (study_suggest.go), study-check-models
//     (study_workflow.go), study-outputs (study_outputs.go), study-narrow
//     (study_narrow.go), study-trial-liveness (study_liveness.go) and
//     trial-cancel-verdict-timer (trial_verdict.go); docs/design.md §8
//     lists their versions. New
//     fields of StudySpec, StudyCarry, TrialInput, TrialDone, TrialResult
//     and Timeouts must give the old behaviour at their zero value.
package workflows
