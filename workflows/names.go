package workflows

import (
	"strconv"

	"go.temporal.io/sdk/temporal"
)

// TaskQueue is the task queue that workers poll and starters start studies
// on. Trial epochs run on per-worker session queues that the SDK derives
// from it (see TrialWorkflow).
const TaskQueue = "supermax-hpo"

// Workflow type names, as registered by RegisterWorkflowWithOptions in the
// worker and used by clients that start or replay workflows by name.
const (
	StudyWorkflowName = "StudyWorkflow"
	TrialWorkflowName = "TrialWorkflow"
)

// Signals a client (starter, `temporal workflow signal`) sends to a study.
// Payloads: SignalStop and SignalCancel take none; SignalSetParallelism an
// int (>= 1); SignalPruneTrial an int (the trial number).
const (
	// SignalStop: start no new trials; running ones finish; the study ends
	// when they have.
	SignalStop = "stop"
	// SignalCancel: cancel running trials (their epoch activity too), record
	// them FAIL with reason "cancelled", end the study.
	SignalCancel = "cancel"
	// SignalSetParallelism changes how many trials may run at once, live.
	SignalSetParallelism = "set-parallelism"
	// SignalPruneTrial asks the study to prune one running trial by number.
	SignalPruneTrial = "prune-trial"
	// SignalNarrow narrows the study's search space from its next
	// suggestion on; payload agents.Options (study_narrow.go).
	SignalNarrow = "narrow"
)

// Signals trials send to their study (by workflow ID with an empty run ID,
// so they reach the current run after continue-as-new). Payloads:
// EpochReport and TrialDone.
const (
	SignalReport    = "report"
	SignalTrialDone = "trial-done"
)

// SignalVerdict is sent by the study to a trial that awaits verdicts
// (TrialInput.AwaitVerdict), answering each epoch report; payload Verdict.
const SignalVerdict = "verdict"

// SignalPrune is sent to a trial (by the study, or a client); payload
// PruneRequest or none. It is read between epochs: an epoch that is running
// finishes first.
const SignalPrune = "prune"

// QueryStatus is the query type of both workflows: a study answers
// StudyStatus, a trial TrialStatus.
const QueryStatus = "status"

// Search attribute names. They must be registered on the server before
// workflows upsert them (`temporal server start-dev --search-attribute
// NAME=TYPE`, or `temporal operator search-attribute create`);
// SearchAttributes lists them with their types.
const (
	AttrKind   = "SupermaxKind"   // Keyword: "study" or "trial"
	AttrStudy  = "SupermaxStudy"  // Keyword: study name
	AttrAgent  = "SupermaxAgent"  // Keyword: criteria, evidence, share, joint
	AttrState  = "SupermaxState"  // Keyword: study or trial state (StudyState*, hpo.TrialState names)
	AttrTrial  = "SupermaxTrial"  // Int: trial number (trials only)
	AttrBest   = "SupermaxBest"   // Double: study best value / trial value
	AttrEpochs = "SupermaxEpochs" // Int: epochs trained by a trial
)

// Values of AttrKind.
const (
	KindStudy = "study"
	KindTrial = "trial"
)

// Values of AttrState for a study (trials use hpo.TrialState names:
// RUNNING, COMPLETE, PRUNED, FAIL).
const (
	StudyStateRunning    = "RUNNING"
	StudyStateStopping   = "STOPPING"
	StudyStateCancelling = "CANCELLING"
	StudyStateCompleted  = "COMPLETED"
	StudyStateStopped    = "STOPPED"
	StudyStateCancelled  = "CANCELLED"
)

// SearchAttribute is a search attribute name and its type as the Temporal
// CLI spells it (Keyword, Int, Double).
type SearchAttribute struct {
	Name string
	Type string
}

// SearchAttributes lists every search attribute the workflows upsert, in a
// fixed order, so the dev-server script and tests register exactly these.
// Deterministic; returns a fresh slice on each call.
func SearchAttributes() []SearchAttribute {
	return []SearchAttribute{
		{AttrKind, "Keyword"},
		{AttrStudy, "Keyword"},
		{AttrAgent, "Keyword"},
		{AttrState, "Keyword"},
		{AttrTrial, "Int"},
		{AttrBest, "Double"},
		{AttrEpochs, "Int"},
	}
}

// Typed keys of the search attributes above, for workflow.UpsertTypedSearchAttributes
// and visibility queries. They are immutable values.
var (
	KeyKind   = temporal.NewSearchAttributeKeyKeyword(AttrKind)
	KeyStudy  = temporal.NewSearchAttributeKeyKeyword(AttrStudy)
	KeyAgent  = temporal.NewSearchAttributeKeyKeyword(AttrAgent)
	KeyState  = temporal.NewSearchAttributeKeyKeyword(AttrState)
	KeyTrial  = temporal.NewSearchAttributeKeyInt64(AttrTrial)
	KeyBest   = temporal.NewSearchAttributeKeyFloat64(AttrBest)
	KeyEpochs = temporal.NewSearchAttributeKeyInt64(AttrEpochs)
)

// TrialWorkflowID is the workflow ID of trial n of study: "<study>/trial-<n>".
// Deterministic, so a restarted study finds its trials again.
func TrialWorkflowID(study string, n int) string {
	return study + "/trial-" + strconv.Itoa(n)
}
