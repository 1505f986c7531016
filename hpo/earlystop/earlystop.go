// Package earlystop is the per-trial early stopping of a study
// (EarlyStopping(patience, min_delta, mode) in the original system): a trial
// stops when its validation metric has not improved for Patience epochs.
//
// It is a pure function of a small State that lives in TrialWorkflow state
// (JSON) and crosses continue-as-new with it; Step neither mutates its input
// nor depends on anything but its arguments, so replay gives the same result.
package earlystop

import (
	"errors"
	"fmt"
	"math"

	"github.com/redsm5/supermax-hpo/hpo"
)

// ErrInvalid is wrapped by every error that Validate returns.
var ErrInvalid = errors.New("invalid early stopping")

// EarlyStopping stops a trial after Patience epochs without improvement.
// Mode maximize (the zero value): a value improves when it is strictly above
// Best + MinDelta; minimize: strictly below Best - MinDelta. The first value
// reported always improves. A NaN value never improves and counts as a bad
// epoch (a diverged run must not look like progress, nor reset the count).
type EarlyStopping struct {
	Patience int           `json:"patience"`
	MinDelta float64       `json:"min_delta"`
	Mode     hpo.Direction `json:"mode"`
}

// Validate reports the first bad field: Patience must be >= 1, MinDelta
// finite and >= 0, Mode maximize or minimize.
func (es EarlyStopping) Validate() error {
	switch {
	case es.Patience < 1:
		return fmt.Errorf("%w: patience = %d, want >= 1", ErrInvalid, es.Patience)
	case !(es.MinDelta >= 0) || math.IsInf(es.MinDelta, 1):
		return fmt.Errorf("%w: min_delta = %v, want a finite value >= 0", ErrInvalid, es.MinDelta)
	case es.Mode != hpo.Maximize && es.Mode != hpo.Minimize:
		return fmt.Errorf("%w: mode = %d, want maximize (0) or minimize (1)", ErrInvalid, es.Mode)
	}
	return nil
}

// State is what early stopping remembers of one trial. The zero value is the
// state before the first epoch. BestEpoch is the epoch of Best (0: none yet).
type State struct {
	Best      float64 `json:"best"`
	HasBest   bool    `json:"has_best"`
	BadEpochs int     `json:"bad_epochs"`
	BestEpoch int     `json:"best_epoch"`
}

// Step records value for epoch and returns the new state and whether the
// trial should stop now (BadEpochs >= Patience). It is deterministic and does
// not modify s; es is assumed valid (see Validate). A non-NaN first value is
// always an improvement, even against a min_delta.
func (es EarlyStopping) Step(s State, epoch int, value float64) (State, bool) {
	if es.improves(s, value) {
		s.Best, s.HasBest, s.BadEpochs, s.BestEpoch = value, true, 0, epoch
	} else {
		s.BadEpochs++
	}
	return s, s.BadEpochs >= es.Patience
}

// improves compares with a single addition or subtraction, nothing that a
// compiler could fuse, so the decision is the same on every machine.
func (es EarlyStopping) improves(s State, value float64) bool {
	switch {
	case math.IsNaN(value):
		return false
	case !s.HasBest:
		return true
	case es.Mode == hpo.Minimize:
		return value < s.Best-es.MinDelta
	default:
		return value > s.Best+es.MinDelta
	}
}
