package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/redsm5/supermax-hpo/hpo/agents"
	"github.com/redsm5/supermax-hpo/trainer"
	"github.com/redsm5/supermax-hpo/workflows"
)

// restrictForTrainer narrows the study's search space to the choices its
// trainer implements, so that no trial samples one the trainer refuses: for
// the gotch trainer, trainer.RestrictOptions (no adamw_8bit, no grad
// checkpointing). It returns one note per removed choice, saying why (the
// gotch trainer trains all four agents). The simulated trainer accepts the
// whole space. Deterministic; reads nothing but spec.
func restrictForTrainer(spec *workflows.StudySpec) ([]string, error) {
	if spec.Trainer != workflows.TrainerGotch {
		return nil, nil
	}
	opts, notes, err := trainer.RestrictOptions(spec.AgentOptions)
	if err != nil {
		return nil, fmt.Errorf("%w: --trainer %s: %w", errUsage, spec.Trainer, err)
	}
	spec.AgentOptions = opts
	return notes, nil
}

// checkModelFolders checks that every local model folder among the
// model.name choices (HPO_MODEL_CHOICES) holds config.json here; workers
// must see the same path. Errors wrap errUsage and name the folder.
func checkModelFolders(models []string) error {
	for _, m := range models {
		if !agents.IsLocalModel(m) {
			continue
		}
		if _, err := os.Stat(filepath.Join(m, "config.json")); err != nil {
			return fmt.Errorf("%w: %s: %s is not a model folder (%w); write a tiny one with `starter tiny-model DIR`",
				errUsage, agents.EnvModelChoices, m, err)
		}
	}
	return nil
}

// printSpace prints how the study's space differs from the original: what
// the trainer removed and why, then every narrowed parameter.
func printSpace(spec workflows.StudySpec, notes []string) {
	for _, n := range notes {
		fmt.Printf("trainer %s: %s\n", spec.Trainer, n)
	}
	for _, line := range spec.AgentOptions.Narrowing() {
		fmt.Printf("search space: %s\n", line)
	}
}
