//go:build gotch

package trainer

import (
	"context"
	"fmt"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/model"
)

var _ activities.ModelChecker = (*Trainer)(nil)

// CheckModel reports whether this trainer can load the model.name choice
// name (a folder, or a name looked up in cfg.Models) for trials of up to
// maxLength tokens: model.Check, which reads config.json, tokenizer.json
// and the weights' header without building the model. Errors wrap
// activities.ErrInvalidConfig and the model package's error, which names
// the file and the problem. Blocking; safe for concurrent use.
func (t *Trainer) CheckModel(ctx context.Context, name string, maxLength int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := model.Check(name, t.cfg.Models, maxLength); err != nil {
		return fmt.Errorf("%w: %w", activities.ErrInvalidConfig, err)
	}
	return nil
}
