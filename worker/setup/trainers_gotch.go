//go:build gotch

package setup

import (
	"fmt"

	"github.com/redsm5/supermax-hpo/activities"
	"github.com/redsm5/supermax-hpo/trainer"
)

// GotchBuilt reports whether this build contains the gotch (libtorch) trainer.
const GotchBuilt = true

// gotchTrainer returns the libtorch trainer over the corpus in o.DataDir,
// or, without a DataDir, a stand-in that fails trials saying so.
func gotchTrainer(o TrainerOptions) (activities.Trainer, error) {
	if o.DataDir == "" {
		return unavailable("the worker was started without --data-dir (the ReDSM5 CSV folder)"), nil
	}
	cfg := trainer.DefaultConfig(o.DataDir, o.OutDir)
	cfg.Threads = o.Threads
	t, err := trainer.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("gotch trainer: %w", err)
	}
	return t, nil
}
