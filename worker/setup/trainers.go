package setup

import (
	"fmt"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/activities/simtrainer"
	"github.com/redsm5/supermax-hpo/workflows"
)

// Trainers returns the trainers of this build by kind: the simulated trainer
// (configured by sim) always, and the gotch trainer — the real one, or, in a
// build without `-tags gotch`, one whose every epoch fails non-retryably
// with an error saying how to get the real one. So a study that names the
// gotch trainer on the wrong build fails its trials with that reason
// instead of silently training something else.
func Trainers(sim simtrainer.Config) (map[string]activities.Trainer, error) {
	st, err := simtrainer.New(sim)
	if err != nil {
		return nil, fmt.Errorf("trainers: %w", err)
	}
	g, err := gotchTrainer()
	if err != nil {
		return nil, fmt.Errorf("trainers: %w", err)
	}
	return map[string]activities.Trainer{
		workflows.TrainerSimulated: st,
		workflows.TrainerGotch:     g,
	}, nil
}
