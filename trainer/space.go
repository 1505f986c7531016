package trainer

import (
	"fmt"
	"slices"

	"github.com/redsm5/supermax-hpo/hpo/agents"
)

// ErrNothingLeft is returned (wrapped) by RestrictOptions when a study's
// own narrowing leaves no optimizer this trainer implements.
var ErrNothingLeft = fmt.Errorf("%w: no choice left that the gotch trainer implements", agents.ErrInvalidOptions)

// RestrictOptions narrows a study's search-space options to what this
// trainer implements, so that a study trained by it never samples a choice
// ParseCriteria refuses: optim.name to SupportedOptimizers() (adamw_8bit
// leaves: gotch has no 8-bit optimizer state) and train.grad_checkpointing
// to false (gotch has no activation checkpointing). It keeps every other
// narrowing of o, and returns one line per choice it removed, saying why,
// for the starter to print. A narrowing that leaves no supported optimizer
// is an error wrapping ErrNothingLeft (and agents.ErrInvalidOptions).
// Deterministic; idempotent (restricting twice removes nothing more).
func RestrictOptions(o agents.Options) (agents.Options, []string, error) {
	var removed []string
	allowed := o.Optimizers
	if allowed == nil {
		allowed = agents.Optimizers()
	}
	var kept []string
	for _, name := range allowed {
		if slices.Contains(SupportedOptimizers(), name) {
			kept = append(kept, name)
		} else {
			removed = append(removed, fmt.Sprintf("optim.name: %s removed (%s)", name, unsupportedWhy(name)))
		}
	}
	if len(kept) == 0 {
		return agents.Options{}, nil, fmt.Errorf("optimizers %v: %w (it has %v)", allowed, ErrNothingLeft, SupportedOptimizers())
	}
	o.Optimizers = kept
	if o.GradCheckpointing == nil || slices.Contains(o.GradCheckpointing, true) {
		removed = append(removed, "train.grad_checkpointing: true removed (gotch has no activation checkpointing)")
	}
	o.GradCheckpointing = []bool{false}
	return o, removed, nil
}

// unsupportedWhy says why the trainer lacks an optimizer of the space.
func unsupportedWhy(name string) string {
	if name == "adamw_8bit" {
		return "gotch has no 8-bit blockwise optimizer state"
	}
	return "not implemented by the gotch trainer"
}
