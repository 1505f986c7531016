package setup

import (
	"context"
	"fmt"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/workflows"
)

// unavailable stands in for the gotch trainer on a worker that cannot run
// it: every epoch fails with ErrInvalidConfig (not retried), and the trial
// ends FAIL with a reason that says why and what to do. It fails the
// study's model check (activities.ModelChecker) with the same reason, so a
// gotch study started against such workers fails before its first trial.
func unavailable(why string) activities.Trainer { return unavailableTrainer{why: why} }

type unavailableTrainer struct{ why string }

func (u unavailableTrainer) err() error {
	return fmt.Errorf("%w: trainer %q is not available on this worker: %s",
		activities.ErrInvalidConfig, workflows.TrainerGotch, u.why)
}

// TrainEpoch implements activities.Trainer.
func (u unavailableTrainer) TrainEpoch(context.Context, activities.EpochRequest) (activities.EpochResult, error) {
	return activities.EpochResult{}, u.err()
}

// CheckModel implements activities.ModelChecker.
func (u unavailableTrainer) CheckModel(context.Context, string, int) error { return u.err() }
