// Package ledger is the durable table of studies and trials, stored in
// Optuna's RDB schema so that optuna.load_study and optuna-dashboard open our
// studies. Implementations: sqlite (a file, the embedded default), postgres
// (many hosts) and memory (tests); ledgertest holds the conformance suite
// every implementation passes.
package ledger

import (
	"context"
	"errors"
	"time"

	"github.com/redsm5/supermax-hpo/hpo"
)

// Sentinel errors; test with errors.Is.
var (
	// ErrNotFound: the study or trial does not exist.
	ErrNotFound = errors.New("not found")
	// ErrTrialFinished: the trial already ended in another state or value;
	// finished trials are immutable.
	ErrTrialFinished = errors.New("trial already finished")
	// ErrConflict: the request contradicts what is recorded (a study with
	// another direction, a trial number with other parameters).
	ErrConflict = errors.New("conflicts with the recorded state")
	// ErrGap: PutTrial named a trial number beyond the next free one. Trial
	// numbers stay dense from 0 (Optuna relies on it), so the trials before
	// it must be recorded first; retrying after they are succeeds.
	ErrGap = errors.New("trial number leaves a gap")
	// ErrSchema: the database holds tables of another Optuna schema version
	// (or none of Optuna's), which this ledger does not read or migrate.
	ErrSchema = errors.New("unsupported storage schema")
)

// Study is a study row.
type Study struct {
	ID        int64
	Name      string
	Direction hpo.Direction
}

// Cursor marks how far an incremental read got. The zero Cursor reads
// everything. It is a plain value: callers keep it with their cache.
type Cursor struct {
	// NextTrialID: trial rows with id >= NextTrialID have not been seen.
	NextTrialID int64
	// Unfinished: ids of seen trials that were not finished yet, re-read
	// every time until they finish.
	Unfinished []int64
}

// Ledger records studies and trials. Implementations are safe for concurrent
// use, by several goroutines and (sqlite, postgres) by several processes at
// once. Every write is idempotent where an activity may retry it: repeating a
// call with the same arguments succeeds and changes nothing.
type Ledger interface {
	// CreateStudy returns the study of that name, creating it when absent.
	// An existing study with another direction is ErrConflict.
	CreateStudy(ctx context.Context, name string, dir hpo.Direction) (Study, error)
	// GetStudy returns the study of that name or ErrNotFound.
	GetStudy(ctx context.Context, name string) (Study, error)

	// NextTrial creates a RUNNING trial with the next free number (as
	// optuna ask does), with no parameters yet, and returns its number.
	NextTrial(ctx context.Context, studyID int64, start time.Time) (int, error)
	// PutTrial records trial number n as RUNNING with its parameters
	// (internal values) and distributions. Idempotent: the same n with the
	// same parameters is a no-op; with other parameters ErrConflict. It also
	// fills in the parameters of a trial created by NextTrial. n may be the
	// next free number (the trial is created); beyond it is ErrGap. Values
	// outside their distribution are refused (see CheckParams).
	PutTrial(ctx context.Context, studyID int64, n int, params map[string]float64, dists map[string]hpo.Distribution, start time.Time) error
	// Report records the intermediate value of trial n at step (upsert;
	// NaN and infinities are kept). On a finished trial, repeating a
	// recorded value is a no-op and anything else ErrTrialFinished.
	Report(ctx context.Context, studyID int64, n, step int, value float64) error
	// SetUserAttr sets a user attribute of trial n; valueJSON is JSON text.
	// On a finished trial only a repeat of the recorded value succeeds.
	SetUserAttr(ctx context.Context, studyID int64, n int, key, valueJSON string) error
	// Finish ends trial n in state (Complete, Pruned or Fail) with an
	// optional value (Optuna's rules: Complete needs one, Fail has none,
	// never NaN). Repeating the same Finish is a no-op; a different one on a
	// finished trial is ErrTrialFinished.
	Finish(ctx context.Context, studyID int64, n int, state hpo.TrialState, value *float64, end time.Time) error

	// Trials returns the trials that changed since cursor (all with the zero
	// Cursor), sorted by number, and the cursor to pass next time. Callers
	// merge the result into their own cache by trial number. Returned
	// trials own their maps, but Distribution values may be shared between
	// trials: treat them as immutable.
	Trials(ctx context.Context, studyID int64, since Cursor) ([]hpo.Trial, Cursor, error)
	// Best returns the best COMPLETE trial in the study's direction
	// (-inf < finite < +inf; the lowest number among equals) or ErrNotFound.
	Best(ctx context.Context, studyID int64) (hpo.Trial, error)

	Close() error
}
