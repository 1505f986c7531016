package workflows

import (
	"time"

	"github.com/redsm5/supermax-hpo/hpo"
	"github.com/redsm5/supermax-hpo/hpo/agents"
	"github.com/redsm5/supermax-hpo/hpo/earlystop"
	"github.com/redsm5/supermax-hpo/hpo/pruners"
	"github.com/redsm5/supermax-hpo/hpo/tpe"
)

// StudySpec is the input of StudyWorkflow: everything a study needs, as one
// JSON-serializable struct (new fields must keep the zero value meaning
// "as before", so running studies stay compatible). Start from
// DefaultStudySpec and check with Validate.
type StudySpec struct {
	// Study is the study name: the study's workflow ID and its name in the
	// ledger. Trials are "<Study>/trial-<n>".
	Study string `json:"study"`
	// Agent is criteria, evidence, share or joint; it picks the search space.
	Agent string `json:"agent"`
	// AgentOptions narrows the agent's search space (HPO_MODEL_CHOICES,
	// HPO_HEAD_LIMITS_JSON).
	AgentOptions agents.Options `json:"agent_options"`
	// NTrials is how many trials this study runs to their end.
	NTrials int `json:"n_trials"`
	// Parallel is how many trials may run at once; SignalSetParallelism
	// changes it live.
	Parallel int `json:"parallel"`
	// Epochs is the maximum number of epochs of a trial.
	Epochs int `json:"epochs"`
	// Patience and MinDelta configure the trials' early stopping
	// (docs/design.md §9); Patience 0 turns it off.
	Patience int     `json:"patience"`
	MinDelta float64 `json:"min_delta"`
	// Direction is "maximize" or "minimize".
	Direction string `json:"direction"`
	// Seed is the study seed: sampling and trial seeds derive from it.
	Seed int64 `json:"seed"`
	// Sampler is "tpe" or "random"; TPE holds the TPE options (Optuna's
	// kwargs names) used when Sampler is "tpe".
	Sampler string      `json:"sampler"`
	TPE     tpe.Options `json:"tpe"`
	// Pruner configures the pruner that runs in the study workflow.
	Pruner pruners.Config `json:"pruner"`
	// Storage is the ledger URL (sqlite:///path.db or postgresql://...).
	Storage string `json:"storage"`
	// Outdir is the output folder; trial checkpoints go under
	// <Outdir>/<Study>/trials/<n>/.
	Outdir string `json:"outdir"`
	// Trainer is the trainer kind: "gotch" or "simulated" (never a default
	// fallback: a worker without that trainer fails the trial with a reason).
	Trainer string `json:"trainer"`
	// TrialsPerRun (K) continues the study as new after K trials started in
	// one run; 0 means only when the server suggests it.
	TrialsPerRun int `json:"trials_per_run"`
	// KeepBestK keeps the checkpoints of the best K finished trials and
	// deletes those of other finished trials; 0 keeps all.
	KeepBestK int `json:"keep_best_k"`
	// Timeouts of the activities and sessions.
	Timeouts Timeouts `json:"timeouts"`
	// Outputs, when set, makes the study write its results when it ends
	// (study_outputs.go); nil writes none, as before.
	Outputs *Outputs `json:"outputs,omitempty"`
	// WarmStart are configurations (external values, e.g. an earlier
	// study's best trials) that the study's first trials take instead of
	// the sampler's suggestions, in order (study_warmstart.go); empty for
	// none.
	WarmStart []map[string]hpo.Value `json:"warm_start,omitempty"`
	// Carry is set only by the study itself when it continues as new: the
	// compact state of the previous run. Clients leave it nil.
	Carry *StudyCarry `json:"carry,omitempty"`
}

// Timeouts configures activity and session timeouts. Zero fields take the
// values of DefaultTimeouts.
type Timeouts struct {
	// EpochStartToClose bounds one TrainEpoch attempt.
	EpochStartToClose time.Duration `json:"epoch_start_to_close"`
	// EpochHeartbeat is the TrainEpoch heartbeat timeout: a worker that goes
	// silent this long is considered lost and the epoch is retried.
	EpochHeartbeat time.Duration `json:"epoch_heartbeat"`
	// EpochMaxAttempts bounds the retries of one epoch (retryable errors).
	EpochMaxAttempts int32 `json:"epoch_max_attempts"`
	// Activity bounds the short activities (suggest, ledger writes, clean-up).
	Activity time.Duration `json:"activity"`
	// SessionCreation bounds the wait for a worker slot (session) for a trial.
	SessionCreation time.Duration `json:"session_creation"`
	// SessionHeartbeat is the session heartbeat timeout: how fast a dead
	// session worker is detected.
	SessionHeartbeat time.Duration `json:"session_heartbeat"`
	// Verdict bounds how long a trial waits for the study's verdict on an
	// epoch before it goes on (the study may be busy continuing as new).
	Verdict time.Duration `json:"verdict"`
	// TrialCheck is how long a running trial may stay silent (no report,
	// no end) before the study asks the server about its workflow, so a
	// trial that ended without telling it (terminated, timed out, reset,
	// or carried over continue-as-new) is still counted
	// (docs/design.md, "How a trial's end is known").
	TrialCheck time.Duration `json:"trial_check,omitempty"`
}

// StudyCarry is the compact state a study run hands to the next one across
// continue-as-new. Its size does not grow with the number of finished
// trials, except the pruner state (bounded by the pruner's design).
type StudyCarry struct {
	Run         int            `json:"run"`          // number of this run, from 1
	StudyID     int64          `json:"study_id"`     // ledger study id
	FirstNumber int            `json:"first_number"` // number of this study's first trial
	NextNumber  int            `json:"next_number"`  // next trial number to suggest
	Running     []RunningTrial `json:"running"`      // sorted by number
	Counts      Counts         `json:"counts"`
	Best        *BestTrial     `json:"best,omitempty"`
	Parallel    int            `json:"parallel"`
	Stopping    bool           `json:"stopping"`
	PrunerState []byte         `json:"pruner_state"`
	// Space lists the live narrowings (SignalNarrow), oldest first.
	Space []SpaceChange `json:"space,omitempty"`
}

// RunningTrial is a trial the study is waiting for.
type RunningTrial struct {
	Number    int      `json:"number"`
	Epoch     int      `json:"epoch"` // last epoch reported, 0 before the first
	LastValue *float64 `json:"last_value,omitempty"`
}

// Counts are the study's trials by state. Running counts trials started and
// not yet reported done.
type Counts struct {
	Running  int `json:"running"`
	Complete int `json:"complete"`
	Pruned   int `json:"pruned"`
	Fail     int `json:"fail"`
}

// Ended is the number of trials that reached a final state.
func (c Counts) Ended() int { return c.Complete + c.Pruned + c.Fail }

// BestTrial is the best COMPLETE trial so far.
type BestTrial struct {
	Number int                  `json:"number"`
	Value  float64              `json:"value"`
	Params map[string]hpo.Value `json:"params,omitempty"`
}

// StudyResult is what StudyWorkflow returns.
type StudyResult struct {
	Study  string     `json:"study"`
	Best   *BestTrial `json:"best,omitempty"`
	Counts Counts     `json:"counts"`
	// Runs is the number of workflow runs (continue-as-new) the study took.
	Runs int `json:"runs"`
	// State is StudyStateCompleted, StudyStateStopped or StudyStateCancelled.
	State string `json:"state"`
}

// StudyStatus answers the study's QueryStatus.
type StudyStatus struct {
	Study    string         `json:"study"`
	Agent    string         `json:"agent"`
	State    string         `json:"state"` // StudyState*
	Run      int            `json:"run"`
	NTrials  int            `json:"n_trials"`
	Started  int            `json:"started"` // trials suggested and started so far
	Counts   Counts         `json:"counts"`
	Running  []RunningTrial `json:"running"`
	Best     *BestTrial     `json:"best,omitempty"`
	Parallel int            `json:"parallel"`
	// HistoryLength is this run's history length in events.
	HistoryLength int `json:"history_length"`
	// Space lists the live narrowings of the study's space, oldest first.
	Space []SpaceChange `json:"space,omitempty"`
}

// TrialInput is the input of TrialWorkflow.
type TrialInput struct {
	// StudyWorkflowID is the workflow ID to signal (reports, trial-done);
	// empty runs the trial standalone, signalling nobody.
	StudyWorkflowID string `json:"study_workflow_id"`
	Study           string `json:"study"`
	StudyID         int64  `json:"study_id"`
	Agent           string `json:"agent"`
	Number          int    `json:"number"`
	// Params are the trial's parameters in external form (what a trainer
	// reads: "optim.lr" -> 3e-5, "model.name" -> "roberta-base").
	Params map[string]hpo.Value `json:"params"`
	// Seed is the study seed; the trainer derives the trial's seed from it
	// and Number unless Params holds "seed".
	Seed      int64                   `json:"seed"`
	Epochs    int                     `json:"epochs"`
	EarlyStop earlystop.EarlyStopping `json:"early_stop"`
	Storage   string                  `json:"storage"`
	Outdir    string                  `json:"outdir"`
	Trainer   string                  `json:"trainer"`
	Timeouts  Timeouts                `json:"timeouts"`
	// AwaitVerdict makes the trial wait, after each epoch but the last, for
	// the study's SignalVerdict on that epoch before training the next one,
	// so a pruned trial never trains an extra epoch. The study sets it when
	// its pruner can prune.
	AwaitVerdict bool `json:"await_verdict"`
}

// TrialResult is what TrialWorkflow returns (and, as TrialDone, signals).
type TrialResult struct {
	Number int            `json:"number"`
	State  hpo.TrialState `json:"state"` // Complete, Pruned or Fail
	// Value is the best epoch value for COMPLETE, the last epoch value for
	// PRUNED (as Optuna records it), and none for FAIL.
	Value     *float64 `json:"value,omitempty"`
	BestEpoch int      `json:"best_epoch"`
	// Epochs is the number of epochs trained.
	Epochs int `json:"epochs"`
	// Intermediate holds the value of each epoch trained, epoch 1 first.
	Intermediate []float64 `json:"intermediate"`
	// Reason says why the trial ended: "max epochs", "early stopping",
	// "pruned by the study", "cancelled", or the failure's message.
	Reason string `json:"reason"`
	// Unrecorded: the trial could not write its end to the ledger
	// (FinishTrial failed for good); the study writes it.
	Unrecorded bool `json:"unrecorded,omitempty"`
}

// TrialStatus answers the trial's QueryStatus.
type TrialStatus struct {
	Number          int            `json:"number"`
	State           hpo.TrialState `json:"state"`
	Epoch           int            `json:"epoch"` // epochs finished
	LastValue       *float64       `json:"last_value,omitempty"`
	Best            *float64       `json:"best,omitempty"`
	BestEpoch       int            `json:"best_epoch"`
	BadEpochs       int            `json:"bad_epochs"`
	PruneRequested  bool           `json:"prune_requested"`
	SessionRestarts int            `json:"session_restarts"`
}

// EpochReport is the payload of SignalReport: trial Trial finished epoch
// Epoch (from 1) with validation value Value.
type EpochReport struct {
	Trial int     `json:"trial"`
	Epoch int     `json:"epoch"`
	Value float64 `json:"value"`
}

// TrialDone is the payload of SignalTrialDone, sent once the trial's final
// state is in the ledger (or, Unrecorded, once writing it failed for good).
type TrialDone struct {
	Trial  int            `json:"trial"`
	State  hpo.TrialState `json:"state"`
	Value  *float64       `json:"value,omitempty"`
	Epochs int            `json:"epochs"`
	Reason string         `json:"reason"`
	// Params are the trial's parameters (external), so the study can report
	// the best trial's parameters without reading the ledger.
	Params map[string]hpo.Value `json:"params,omitempty"`
	// Unrecorded: the trial's end is not in the ledger (its FinishTrial
	// failed for good); the study writes it, with Intermediate (every
	// epoch's value, epoch 1 first; sent only then).
	Unrecorded   bool      `json:"unrecorded,omitempty"`
	Intermediate []float64 `json:"intermediate,omitempty"`
}

// Verdict is the payload of SignalVerdict: the study's pruning decision on
// a trial's report of Epoch.
type Verdict struct {
	Epoch int  `json:"epoch"`
	Prune bool `json:"prune"`
}

// PruneRequest is the optional payload of SignalPrune.
type PruneRequest struct {
	Reason string `json:"reason"`
}
