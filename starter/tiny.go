package main

import (
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/redsm5/supermax-hpo/hpo/agents"
	"github.com/redsm5/supermax-hpo/trainer"
)

// tinyModelCommand writes a tiny random BERT for demos and smoke tests of
// the gotch trainer: a model folder that a study names by its absolute path
// in HPO_MODEL_CHOICES (it is never passed off as a pretrained model).
func tinyModelCommand() *cli.Command {
	return &cli.Command{
		Name:      "tiny-model",
		Usage:     "write a tiny random BERT (2 layers, 32 wide, 512 positions) whose vocabulary covers a ReDSM5 corpus, into DIR",
		ArgsUsage: "DIR",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "data-dir", Value: "data/testdata/redsm5-fixture", Usage: "ReDSM5 `FOLDER` (posts.csv, annotations.csv) the vocabulary covers"},
		},
		Action: writeTinyModel,
	}
}

// writeTinyModel is tiny-model's action. Deterministic: the same corpus
// writes the same files; an existing folder is overwritten file by file.
func writeTinyModel(c *cli.Context) error {
	if c.NArg() != 1 {
		return fmt.Errorf("%w: tiny-model takes one argument, the folder to write (got %d)", errUsage, c.NArg())
	}
	dir, err := filepath.Abs(c.Args().First())
	if err != nil {
		return fmt.Errorf("%w: tiny-model %q: %w", errUsage, c.Args().First(), err)
	}
	cfg, err := trainer.WriteTinyModel(dir, c.String("data-dir"))
	if err != nil {
		return err
	}
	fmt.Printf("wrote a tiny %s (%d layers, hidden %d, vocabulary %d, %d positions) into %s\n",
		cfg.ModelType, cfg.NumHiddenLayers, cfg.HiddenSize, cfg.VocabSize, cfg.MaxPositionEmbeddings, dir)
	fmt.Printf("use it:  %s=%s starter --agent criteria --trainer gotch ...\n", agents.EnvModelChoices, dir)
	fmt.Printf("         (workers: worker --data-dir %s, built with -tags gotch)\n", c.String("data-dir"))
	return nil
}
