package hpo

import "fmt"

// TrialState is the state of a trial, with Optuna's names and meanings.
type TrialState uint8

// Trial states. The zero value is Running.
const (
	Running TrialState = iota
	Complete
	Pruned
	Fail
	Waiting
)

var stateNames = [...]string{"RUNNING", "COMPLETE", "PRUNED", "FAIL", "WAITING"}

// String returns Optuna's name of the state (RUNNING, COMPLETE, ...).
func (s TrialState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("TrialState(%d)", s)
}

// Finished reports whether the state is final.
func (s TrialState) Finished() bool { return s == Complete || s == Pruned || s == Fail }

// ParseTrialState reads a state name in either case (complete, PRUNED, ...).
func ParseTrialState(name string) (TrialState, error) {
	for i, n := range stateNames {
		if equalFold(n, name) {
			return TrialState(i), nil
		}
	}
	return 0, fmt.Errorf("unknown trial state %q (want running, complete, pruned, fail or waiting)", name)
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		if 'a' <= y && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Direction says whether a study maximizes or minimizes its objective.
type Direction uint8

// Directions. The zero value is Maximize, the direction of our studies.
const (
	Maximize Direction = iota
	Minimize
)

// String returns "maximize" or "minimize".
func (d Direction) String() string {
	if d == Minimize {
		return "minimize"
	}
	return "maximize"
}

// Better reports whether a is strictly better than b in direction d.
func (d Direction) Better(a, b float64) bool {
	if d == Minimize {
		return a < b
	}
	return a > b
}

// ParseDirection reads "maximize" or "minimize" (either case).
func ParseDirection(s string) (Direction, error) {
	switch {
	case equalFold(s, "maximize"):
		return Maximize, nil
	case equalFold(s, "minimize"):
		return Minimize, nil
	}
	return 0, fmt.Errorf("unknown direction %q (want maximize or minimize)", s)
}

// Trial is an immutable snapshot of one trial as samplers and pruners see it.
// Params hold internal values; Dists the distribution each was drawn from.
type Trial struct {
	Number       int
	State        TrialState
	Value        *float64
	Params       map[string]float64
	Dists        map[string]Distribution
	Intermediate map[int]float64
}

// Study identifies a study to samplers and pruners.
type Study struct {
	Name      string
	Direction Direction
	Seed      int64
}

// Sampler chooses the parameters of a new trial.
//
// Sample returns the internal value of every active parameter of space for
// trial number, given the history: every trial of the study known so far,
// sorted by Number, finished or running (running ones matter to samplers that
// use a constant liar). Sample must be a pure function of its arguments: no
// global RNG, no dependence on map order or on the time, so that the same
// study seed, number and history always give the same suggestion.
type Sampler interface {
	Sample(study Study, space *Space, history []Trial, number int) (map[string]float64, error)
}

// Pruner decides whether a running trial stops early.
//
// A Pruner carries its own state, built only from what it was told through
// Report and Finish, and MarshalBinary/UnmarshalBinary move that state
// across continue-as-new. Decisions are deterministic functions of that state
// and avoid arithmetic whose rounding could differ between machines (no
// fusable x*y+z), because they run in replayed workflow code.
type Pruner interface {
	// Report records trial's intermediate value at step (an epoch, from 1)
	// and reports whether the trial should be pruned now.
	Report(trial, step int, value float64) bool
	// Finish records that trial ended in state; value is its final value
	// (meaningful for Complete).
	Finish(trial int, state TrialState, value float64)
	MarshalBinary() ([]byte, error)
	UnmarshalBinary([]byte) error
}
