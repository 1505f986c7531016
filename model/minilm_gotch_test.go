//go:build gotch

package model

import (
	"testing"

	"github.com/sugarme/gotch"
)

// TestMiniLMReferenceActivations: the real pretrained all-MiniLM-L6-v2
// (scripts/models.sh) loads and its last hidden state on the fixture pairs
// matches Hugging Face transformers' BertModel (committed
// testdata/reference/all-MiniLM-L6-v2.json, made like the tiny models'
// references, see testdata/reference/README.md) and, on every run, the
// script's independent numpy implementation, within referenceTolerance.
func TestMiniLMReferenceActivations(t *testing.T) {
	dir := minilmDir(t)
	python := referencePython(t)
	p, err := Load(dir, LoadOptions{Device: gotch.CPU, MaxLength: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Encoder.VarStore().Destroy()
	checkReference(t, python, dir, "all-MiniLM-L6-v2", p)
}

// TestLoadRealCheckpointLayouts: a tiny model rewritten in the layout of
// each family's Hugging Face checkpoints (prefixes, gamma/beta, integer
// buffers, pooler and pretraining heads, tied decoder weights; see
// checkpointLayouts) loads to exactly the activations of the original.
func TestLoadRealCheckpointLayouts(t *testing.T) {
	for name := range checkpointLayouts {
		t.Run(name, func(t *testing.T) {
			orig, dir := writeLayout(t, name, nil)
			want := loadForward(t, orig)
			got := loadForward(t, dir)
			if len(got) != len(want) {
				t.Fatalf("%d values, original %d", len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("value %d: %v, original model %v", i, got[i], want[i])
				}
			}
		})
	}
}

// loadForward loads dir and returns its last hidden state on the fixture.
func loadForward(t *testing.T, dir string) []float64 {
	t.Helper()
	p, err := Load(dir, LoadOptions{Device: gotch.CPU, MaxLength: 32})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Encoder.VarStore().Destroy()
	return forwardValues(t, p, batchInputs(encodeFixture(t, p))).Values
}
