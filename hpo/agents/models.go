package agents

import (
	"path"
	"slices"
	"strings"
)

// Models returns the nine encoder models of the original search space, in
// the order of model.name's choices. Each call returns a new slice.
func Models() []string {
	return []string{
		"bert-base-uncased",
		"bert-large-uncased",
		"roberta-base",
		"roberta-large",
		"microsoft/deberta-v3-base",
		"microsoft/deberta-v3-large",
		"google/electra-base-discriminator",
		"google/electra-large-discriminator",
		"xlm-roberta-base",
	}
}

// Optimizers returns the four optimizers of the original search space, in
// the order of optim.name's choices. Each call returns a new slice.
func Optimizers() []string { return []string{"adamw", "adamw_8bit", "adafactor", "lion"} }

// IsHeavy reports whether model is a heavy model: a large model, an
// xlm-roberta or a deberta (docs/design.md §6). Heavy models get the tighter
// limits of the space (tok.max_length <= 384, train.batch_size <= 16,
// batch*accum <= 64, optim.lr <= 1.5e-4). It only looks at the last element
// of the name (the folder's own name for a local model folder, so that
// /data/large-disk/tiny-bert is not heavy), in any case, so it answers for
// any name or path. A local folder counts as a base model unless its name
// says otherwise.
func IsHeavy(model string) bool {
	m := strings.ToLower(path.Base(model))
	return strings.Contains(m, "large") || strings.Contains(m, "xlm-roberta") || strings.Contains(m, "deberta")
}

// IsLocalModel reports whether a model.name choice is a local model folder
// rather than one of Models(): an absolute slash-separated path, such as
// /models/tiny-bert. The trainer loads such a choice from that folder (a
// Hugging Face folder with config.json). Only the path's form is checked
// here, so that the space stays a pure function of its Options; the
// starter checks that the folder exists and holds config.json, and a worker
// without it fails the trial with the places it searched.
func IsLocalModel(choice string) bool {
	return strings.HasPrefix(choice, "/") && path.Clean(choice) == choice && choice != "/"
}

// modelChoices returns model.name's choices for the allowed list (nil: the
// nine of Models()): the allowed names in Models() order, then the allowed
// local folders sorted, so that the same set always gives the same
// categorical distribution.
func modelChoices(allowed []string) []string {
	names := keep(Models(), allowed)
	var local []string
	for _, m := range allowed {
		if IsLocalModel(m) {
			local = append(local, m)
		}
	}
	slices.Sort(local)
	return append(slices.Clone(names), local...)
}

// ModelChoices returns the model.name choices of the space opt builds, in
// the order of its categorical distribution (see Options.Models). A new
// slice each call.
func ModelChoices(opt Options) []string { return modelChoices(opt.Models) }
