//go:build !gotch

package setup

import (
	"github.com/redsm5/supermax-hpo/activities"
)

// GotchBuilt reports whether this build contains the gotch (libtorch) trainer.
const GotchBuilt = false

// gotchTrainer stands in for the gotch trainer in a build without libtorch:
// every epoch fails with ErrInvalidConfig (not retried), and the trial ends
// FAIL with this message as its reason.
func gotchTrainer(TrainerOptions) (activities.Trainer, error) {
	return unavailable("it was built without libtorch; run `make libtorch`, then build the worker with " +
		"-tags gotch (`make build` does so once libtorch is set up)"), nil
}
