package main

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/redsm5/supermax-hpo/trainer"
	"github.com/redsm5/supermax-hpo/workflows"
)

func TestGotchStudySpaceRestricted(t *testing.T) {
	spec, err := parseSpec(t, "--agent", "criteria", "--outdir", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if spec.Trainer != workflows.TrainerGotch || !slices.Equal(spec.AgentOptions.Optimizers, trainer.SupportedOptimizers()) ||
		!slices.Equal(spec.AgentOptions.GradCheckpointing, []bool{false}) {
		t.Errorf("gotch study options %+v, want the trainer's optimizers and no grad checkpointing", spec.AgentOptions)
	}
	sim, err := parseSpec(t, "--agent", "criteria", "--trainer", "simulated", "--outdir", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if sim.AgentOptions.Optimizers != nil || sim.AgentOptions.GradCheckpointing != nil {
		t.Errorf("simulated study options %+v, want the original space", sim.AgentOptions)
	}
	for _, agent := range []string{"criteria", "evidence", "share", "joint"} {
		notes, err := restrictForTrainer(&workflows.StudySpec{Agent: agent, Trainer: workflows.TrainerGotch})
		if err != nil || len(notes) != 2 || !strings.Contains(notes[0], "adamw_8bit") {
			t.Errorf("%s: notes %q, %v; want only the two removals", agent, notes, err)
		}
	}
	only8bit := workflows.StudySpec{Agent: "criteria", Trainer: workflows.TrainerGotch}
	only8bit.AgentOptions.Optimizers = []string{"adamw_8bit"}
	if _, err := restrictForTrainer(&only8bit); !errors.Is(err, errUsage) || !errors.Is(err, trainer.ErrNothingLeft) {
		t.Errorf("only adamw_8bit: %v", err)
	}
}

func TestTinyModelFolderAsChoice(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tiny-bert")
	app := newApp()
	if err := app.Run([]string{"starter", "tiny-model", "--data-dir", "../data/testdata/redsm5-fixture", dir}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "config.json")); err != nil {
		t.Fatalf("tiny-model wrote no config.json: %v", err)
	}
	t.Setenv("HPO_MODEL_CHOICES", dir)
	spec, err := parseSpec(t, "--agent", "criteria", "--outdir", t.TempDir())
	if err != nil || !slices.Equal(spec.AgentOptions.Models, []string{dir}) {
		t.Fatalf("HPO_MODEL_CHOICES=%s: %+v, %v", dir, spec.AgentOptions, err)
	}
	t.Setenv("HPO_MODEL_CHOICES", filepath.Join(dir, "missing"))
	if _, err := parseSpec(t, "--agent", "criteria"); !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing model folder: %v, want a usage error naming it", err)
	}
	err = (&cli.App{Name: "starter", Commands: []*cli.Command{tinyModelCommand()}}).Run([]string{"starter", "tiny-model"})
	if !errors.Is(err, errUsage) {
		t.Errorf("tiny-model without a folder: %v, want a usage error", err)
	}
}

// TestBrokenModelFolderFailsBeforeTheStudy: a gotch study whose local model
// folder cannot load is refused by the starter, naming the folder and the
// problem; the simulated trainer, which loads no model, does not mind.
func TestBrokenModelFolderFailsBeforeTheStudy(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tiny-bert")
	if err := newApp().Run([]string{"starter", "tiny-model", "--data-dir", "../data/testdata/redsm5-fixture", dir}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "tokenizer.json")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HPO_MODEL_CHOICES", dir)
	_, err := parseSpec(t, "--agent", "criteria", "--trainer", "gotch", "--outdir", t.TempDir())
	if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "tokenizer.json") {
		t.Errorf("broken folder: %v, want a usage error naming the folder and tokenizer.json", err)
	}
	if _, err := parseSpec(t, "--agent", "criteria", "--trainer", "simulated", "--outdir", t.TempDir()); err != nil {
		t.Errorf("simulated trainer: %v", err)
	}
}
