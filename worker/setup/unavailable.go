package setup

import (
	"context"
	"fmt"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/workflows"
)

// unavailable stands in for the gotch trainer on a worker that cannot run
// it: every epoch fails with ErrInvalidConfig (not retried), and the trial
// ends FAIL with a reason that says why and what to do.
func unavailable(why string) activities.Trainer {
	return activities.TrainerFunc(func(context.Context, activities.EpochRequest) (activities.EpochResult, error) {
		return activities.EpochResult{}, fmt.Errorf("%w: trainer %q is not available on this worker: %s",
			activities.ErrInvalidConfig, workflows.TrainerGotch, why)
	})
}
