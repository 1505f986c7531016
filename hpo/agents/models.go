package agents

import "strings"

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
// xlm-roberta or a deberta (DESIGN.md §6). Heavy models get the tighter
// limits of the space (tok.max_length <= 384, train.batch_size <= 16,
// batch*accum <= 64, optim.lr <= 1.5e-4). It only looks at the name, so it
// answers for any model name, in any case.
func IsHeavy(model string) bool {
	m := strings.ToLower(model)
	return strings.Contains(m, "large") || strings.Contains(m, "xlm-roberta") || strings.Contains(m, "deberta")
}
