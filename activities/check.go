package activities

import (
	"context"
	"errors"
	"fmt"

	"github.com/redsm5/supermax-hpo/hpo/agents"
)

// ModelChecker is implemented by a Trainer that loads pretrained models (the
// gotch trainer): CheckModel reports whether this worker can load the
// model.name choice model for trials of up to maxLength tokens — found, a
// valid config.json, a usable tokenizer, every weight present with its
// shape — without training. Errors wrap ErrInvalidConfig and name the model
// and the problem. Blocking (reads the model's files); safe for concurrent
// use. A trainer that loads no model (the simulated one) does not implement
// it.
type ModelChecker interface {
	CheckModel(ctx context.Context, model string, maxLength int) error
}

// CheckModelsRequest is the input of CheckModels: the study's trainer kind
// and the options its space is built from.
type CheckModelsRequest struct {
	Study        string         `json:"study"`
	Trainer      string         `json:"trainer"`
	AgentOptions agents.Options `json:"agent_options"`
}

// CheckModelsResult lists the model.name choices checked (none when the
// trainer loads no model).
type CheckModelsResult struct {
	Checked []string `json:"checked"`
}

// CheckModels checks, on the worker that runs it, that the study's trainer
// can load every model.name choice of the space (agents.ModelChoices), each
// at the longest tok.max_length the space samples for it
// (agents.MaxLength), so that a study whose models cannot load fails before
// its first trial instead of through every trial. Workers of one task queue
// are expected to see the same models (as they see the same outdir). A
// trainer that is not a ModelChecker has nothing to check. Errors: a
// non-retryable ErrTypeInvalidConfig naming every model that cannot load
// and why, or the trainer kind this worker lacks; ctx's error when it is
// cancelled.
func (a *Activities) CheckModels(ctx context.Context, req CheckModelsRequest) (CheckModelsResult, error) {
	t, ok := a.trainers[req.Trainer]
	if !ok {
		return CheckModelsResult{}, invalidConfig(fmt.Errorf("study %q: trainer %q is not available on this worker (it has %s): %w",
			req.Study, req.Trainer, a.trainerKinds(), ErrInvalidConfig))
	}
	checker, ok := t.(ModelChecker)
	if !ok {
		return CheckModelsResult{}, nil
	}
	var res CheckModelsResult
	var errs []error
	for _, m := range agents.ModelChoices(req.AgentOptions) {
		if err := ctx.Err(); err != nil {
			return CheckModelsResult{}, err
		}
		res.Checked = append(res.Checked, m)
		if err := checker.CheckModel(ctx, m, agents.MaxLength(m)); err != nil {
			errs = append(errs, fmt.Errorf("model.name %q: %w", m, err))
		}
	}
	if len(errs) > 0 {
		err := fmt.Errorf("study %q: %d of %d model.name choices cannot be loaded by the %s trainer: %w",
			req.Study, len(errs), len(res.Checked), req.Trainer, errors.Join(errs...))
		return CheckModelsResult{}, invalidConfig(err)
	}
	return res, nil
}
