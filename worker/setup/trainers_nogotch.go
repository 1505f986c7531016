//go:build !gotch

package setup

import (
	"context"
	"fmt"

	"github.com/redsm5/supermax-hpo/activities"
)

// GotchBuilt reports whether this build contains the gotch (libtorch) trainer.
const GotchBuilt = false

// gotchTrainer stands in for the gotch trainer in a build without libtorch:
// every epoch fails with ErrInvalidConfig (not retried), and the trial ends
// FAIL with this message as its reason.
func gotchTrainer() (activities.Trainer, error) {
	return activities.TrainerFunc(func(context.Context, activities.EpochRequest) (activities.EpochResult, error) {
		return activities.EpochResult{}, fmt.Errorf("%w: trainer %q is not in this worker: it was built without libtorch; "+
			"run `make libtorch`, then build the worker with -tags gotch (`make build` does so once libtorch is set up)",
			activities.ErrInvalidConfig, "gotch")
	}), nil
}
