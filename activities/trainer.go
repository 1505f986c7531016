// Package activities holds the Temporal activities of a study: suggesting
// trials (sampler over the ledger), training one epoch of a trial through a
// Trainer, recording intermediate and final results in the ledger, checking
// the state of trial workflows (CheckTrials, for the study's liveness
// checks, docs/design.md §4), and deleting the checkpoints of trials outside
// the best k.
//
// Who writes what to the ledger (each write exactly once in effect, every
// write idempotent so activity retries are harmless):
//   - SuggestTrials (a local activity of the study; SuggestTrial for runs
//     recorded before batches) writes the trials' parameters as RUNNING
//     (ledger PutTrial);
//   - RecordIntermediate (called by the trial while its next epoch trains)
//     writes an epoch's value (ledger Report, an upsert);
//   - FinishTrial (called by the trial, or by the study for a trial that
//     could not finish itself, which then counts the end FinishTrial
//     returns) writes the values no RecordIntermediate
//     wrote, the reason, then the final state and value (ledger Finish; a
//     second, different end is ignored: the first one wins).
package activities

import (
	"context"
	"errors"

	"github.com/redsm5/supermax-hpo/hpo"
)

// Sentinel errors a Trainer wraps (fmt.Errorf("...: %w", ErrOutOfMemory)) to
// tell TrainEpoch how to classify a failure; test with errors.Is.
var (
	// ErrOutOfMemory: the trial does not fit the device. Not retried: the
	// trial ends FAIL with the reason, the study goes on.
	ErrOutOfMemory = errors.New("out of memory")
	// ErrInvalidConfig: the parameters cannot be trained (unknown choice,
	// inconsistent values, a trainer kind this worker lacks). Not retried.
	ErrInvalidConfig = errors.New("invalid trial configuration")
	// ErrCheckpointMissing: epoch e > 1 was asked for but the checkpoint of
	// epoch e-1 is not in the checkpoint directory (e.g. a worker without the
	// shared outdir). Not retried.
	ErrCheckpointMissing = errors.New("checkpoint missing")
)

// Application error type names of the non-retryable failures above, as they
// appear in temporal.ApplicationError.Type() and in RetryPolicy
// NonRetryableErrorTypes.
const (
	ErrTypeOutOfMemory       = "OutOfMemory"
	ErrTypeInvalidConfig     = "InvalidConfig"
	ErrTypeCheckpointMissing = "CheckpointMissing"
	ErrTypeLedgerConflict    = "LedgerConflict"
)

// NonRetryableErrorTypes lists the error types activity retry policies must
// not retry. Returns a fresh slice.
func NonRetryableErrorTypes() []string {
	return []string{ErrTypeOutOfMemory, ErrTypeInvalidConfig, ErrTypeCheckpointMissing, ErrTypeLedgerConflict}
}

// Progress is a trainer's position inside an epoch; TrainEpoch sends the
// latest one as heartbeat details, and a retried attempt gets it back in
// EpochRequest.Resume.
type Progress struct {
	Epoch int     `json:"epoch"`
	Step  int     `json:"step"`  // steps done in this epoch
	Steps int     `json:"steps"` // steps in the epoch
	Loss  float64 `json:"loss"`  // running training loss
}

// EpochRequest asks a trainer for one epoch of one trial.
type EpochRequest struct {
	Study  string `json:"study"`
	Agent  string `json:"agent"`
	Number int    `json:"number"` // trial number
	// Params are the trial's parameters in external form.
	Params map[string]hpo.Value `json:"params"`
	// Seed is the trial's seed (hpo.TrialSeed of the study seed and number,
	// or the "seed" parameter when the space has one).
	Seed uint64 `json:"seed"`
	// Epoch to train, from 1; MaxEpochs is the trial's epoch budget (for
	// schedules).
	Epoch     int `json:"epoch"`
	MaxEpochs int `json:"max_epochs"`
	// CheckpointDir is the trial's folder, <outdir>/<study>/trials/<n>/.
	CheckpointDir string `json:"checkpoint_dir"`
	// Device is "cpu" or "cuda:N", chosen by the worker.
	Device string `json:"device"`
	// Resume is the progress of an earlier attempt of this epoch (heartbeat
	// details), or nil. A trainer may resume mid-epoch from it when it has
	// saved a mid-epoch state; otherwise it restarts the epoch.
	Resume *Progress `json:"resume,omitempty"`
	// Progress, when set, receives the trainer's progress every few steps.
	// It must be cheap and must not block.
	Progress func(Progress) `json:"-"`
}

// EpochResult is the outcome of one epoch.
type EpochResult struct {
	Epoch     int     `json:"epoch"`
	Value     float64 `json:"value"`      // validation metric of the agent
	TrainLoss float64 `json:"train_loss"` // mean training loss of the epoch
	// Resumed is true when this attempt started from saved state of the same
	// epoch (a mid-epoch checkpoint, or the epoch's own checkpoint because it
	// had already finished) rather than from the previous epoch's end.
	Resumed bool `json:"resumed"`
	// ResumedAtStep is the step the attempt resumed at when Resumed.
	ResumedAtStep int `json:"resumed_at_step"`
	// Metrics are optional further validation metrics of the epoch by name
	// (the evidence agent's "f1" beside its exact-match Value); the trial
	// records them in the ledger with the epoch's value (MetricsAttr). Nil
	// when the agent has none.
	Metrics map[string]float64 `json:"metrics,omitempty"`
}

// TestResult is a trial's re-evaluation on the study's held-out test split
// (the model of its best epoch).
type TestResult struct {
	// Value is the agent's own metric, the one its trial values are (e.g.
	// macro-F1 for criteria, span exact match for evidence), on the test
	// split.
	Value float64 `json:"value"`
	// Metrics are every metric the agent measures on the test split by
	// name, Value's included under its own name (e.g. "macro_f1"; "em" and
	// "f1").
	Metrics map[string]float64 `json:"metrics"`
}

// Trainer trains trials epoch by epoch.
//
// Checkpoint contract: the trainer owns CheckpointDir. When epoch e ends it
// saves, atomically (write then rename), everything needed to start epoch
// e+1 and the result of epoch e. TrainEpoch(e) restores the state saved at
// the end of epoch e-1 (nothing for e = 1; ErrCheckpointMissing when it is
// absent); if the checkpoint already holds epoch e (the activity was retried
// after the epoch finished), it returns that epoch's recorded result without
// training again. So a retried epoch, on this worker or another sharing the
// outdir, never trains twice from a different state.
//
// TrainEpoch blocks until the epoch ends, ctx is cancelled (it then returns
// ctx.Err() promptly, leaving the previous checkpoint intact), or it fails.
// Errors wrap ErrOutOfMemory, ErrInvalidConfig or ErrCheckpointMissing when
// they are one of those; any other error is retried. Implementations are
// safe for concurrent use by trials on different devices.
type Trainer interface {
	TrainEpoch(ctx context.Context, req EpochRequest) (EpochResult, error)
}

// TrainerFunc adapts a function to the Trainer interface.
type TrainerFunc func(ctx context.Context, req EpochRequest) (EpochResult, error)

// TrainEpoch implements Trainer.
func (f TrainerFunc) TrainEpoch(ctx context.Context, req EpochRequest) (EpochResult, error) {
	return f(ctx, req)
}
