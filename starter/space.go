package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/redsm5/supermax-hpo/hpo/agents"
	"github.com/redsm5/supermax-hpo/model"
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

// checkLocalModels checks, for a gotch study, that every local model folder
// among the model.name choices loads (model.Check: config.json, the
// tokenizer, every weight by the safetensors header) at the longest
// tok.max_length the space samples for it, so that a broken folder is
// reported here, before the study starts. Model names are resolved on the
// workers, whose first activity checks them all (activities.CheckModels).
// Errors wrap errUsage and name the folder and the problem.
func checkLocalModels(spec workflows.StudySpec) error {
	if spec.Trainer != workflows.TrainerGotch {
		return nil
	}
	for _, m := range agents.ModelChoices(spec.AgentOptions) {
		if !agents.IsLocalModel(m) {
			continue
		}
		if _, err := model.Check(m, model.Locations{}, agents.MaxLength(m)); err != nil {
			return fmt.Errorf("%w: %s: model folder %s cannot be loaded: %w", errUsage, agents.EnvModelChoices, m, err)
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
