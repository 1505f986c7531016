package setup

import (
	"fmt"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/activities/simtrainer"
	"github.com/redsm5/supermax-hpo/workflows"
)

// TrainerOptions configures a worker's trainers.
type TrainerOptions struct {
	// Sim configures the simulated trainer.
	Sim simtrainer.Config
	// DataDir (the ReDSM5 CSV folder), OutDir (the output root, where each
	// study's data split is saved) and Threads (libtorch intra-op threads,
	// 0 = libtorch's default) configure the gotch trainer; a build without
	// -tags gotch ignores them.
	DataDir, OutDir string
	Threads         int
}

// Trainers returns the trainers of this build by kind: the simulated trainer
// always, and the gotch trainer — the real one, or, in a build without
// `-tags gotch` (or without a DataDir), one whose every epoch fails
// non-retryably with an error saying what is missing. So a study that names
// the gotch trainer on the wrong worker fails its trials with that reason
// instead of silently training something else.
func Trainers(o TrainerOptions) (map[string]activities.Trainer, error) {
	st, err := simtrainer.New(o.Sim)
	if err != nil {
		return nil, fmt.Errorf("trainers: %w", err)
	}
	g, err := gotchTrainer(o)
	if err != nil {
		return nil, fmt.Errorf("trainers: %w", err)
	}
	return map[string]activities.Trainer{
		workflows.TrainerSimulated: st,
		workflows.TrainerGotch:     g,
	}, nil
}
