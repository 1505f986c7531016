package trainer

import (
	"fmt"

	"github.com/redsm5/supermax-hpo/data"
	"github.com/redsm5/supermax-hpo/model"
)

// TinyMaxPositions is the number of positions of the models WriteTinyModel
// writes: 512, the longest tok.max_length the criteria space samples for a
// base (not heavy) model, so every sampled length fits.
const TinyMaxPositions = 512

// WriteTinyModel writes into dir a tiny random BERT (2 layers, 32 wide)
// whose WordPiece vocabulary covers the posts and sentences of the ReDSM5
// corpus in dataDir and the criterion texts, with TinyMaxPositions
// positions. It is for tests and demos: pass dir (absolute) as a model.name
// choice (HPO_MODEL_CHOICES or agents.Options.Models); it is a tiny model
// under its own folder name, never one of the nine pretrained names.
// Deterministic: the same corpus writes the same files. Errors name the
// corpus or the folder.
func WriteTinyModel(dir, dataDir string) (model.Config, error) {
	c, _, err := data.Load(dataDir, data.DefaultOptions())
	if err != nil {
		return model.Config{}, fmt.Errorf("tiny model: corpus %s: %w", dataDir, err)
	}
	var words []string
	for _, p := range c.Posts {
		words = append(words, p.Text)
	}
	for _, a := range c.Annotations {
		words = append(words, a.Sentence)
	}
	for _, l := range data.Labels() {
		crit, err := data.CriterionOf(l)
		if err != nil {
			return model.Config{}, fmt.Errorf("tiny model: %w", err)
		}
		words = append(words, crit.Text)
	}
	tc := model.DefaultTinyConfig("bert", words)
	tc.MaxPositions = TinyMaxPositions
	cfg, err := model.WriteTinyModel(dir, tc)
	if err != nil {
		return model.Config{}, fmt.Errorf("tiny model in %s: %w", dir, err)
	}
	return cfg, nil
}
