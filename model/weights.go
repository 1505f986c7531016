package model

import (
	"fmt"
	"strings"
)

// WeightShapes lists every tensor the encoder of cfg reads from a
// checkpoint, under the names of Hugging Face's base models (BertModel,
// RobertaModel, XLMRobertaModel, ElectraModel), with its shape. It is the
// single list the loader checks and the tiny-model writer fills.
// Deterministic; cfg must be valid.
func WeightShapes(cfg Config) map[string][]int64 {
	if f, _ := cfg.Family(); f == FamilyDeBERTaV2 {
		return debertaWeightShapes(cfg)
	}
	e, h := int64(cfg.EmbeddingWidth()), int64(cfg.HiddenSize)
	out := map[string][]int64{
		"embeddings.word_embeddings.weight":       {int64(cfg.VocabSize), e},
		"embeddings.position_embeddings.weight":   {int64(cfg.MaxPositionEmbeddings), e},
		"embeddings.token_type_embeddings.weight": {int64(cfg.TypeVocabSize), e},
		"embeddings.LayerNorm.weight":             {e},
		"embeddings.LayerNorm.bias":               {e},
	}
	if e != h {
		out["embeddings_project.weight"] = []int64{h, e}
		out["embeddings_project.bias"] = []int64{h}
	}
	addLayerShapes(out, cfg, h, [3]string{"attention.self.query", "attention.self.key", "attention.self.value"})
	return out
}

// checkpointPrefixes are the prefixes under which task checkpoints (e.g.
// BertForPreTraining, ElectraForPreTraining) store the base model.
var checkpointPrefixes = map[Family][]string{
	FamilyBERT:      {"bert."},
	FamilyRoBERTa:   {"roberta.", "xlm_roberta."},
	FamilyELECTRA:   {"electra."},
	FamilyDeBERTaV2: {"deberta."},
}

// FindWeight returns the checkpoint tensor for the encoder variable name:
// the name itself, the name under the family's prefix ("bert.", ...), and
// for LayerNorm the old "gamma"/"beta" names of TF-converted checkpoints.
// ok is false when none is present.
func FindWeight(cfg Config, weights map[string]Tensor, name string) (t Tensor, found string, ok bool) {
	fam, _ := cfg.Family()
	for _, cand := range weightNameCandidates(name) {
		if t, ok := weights[cand]; ok {
			return t, cand, true
		}
		for _, p := range checkpointPrefixes[fam] {
			if t, ok := weights[p+cand]; ok {
				return t, p + cand, true
			}
		}
	}
	return Tensor{}, "", false
}

func weightNameCandidates(name string) []string {
	if base, ok := strings.CutSuffix(name, "LayerNorm.weight"); ok {
		return []string{name, base + "LayerNorm.gamma"}
	}
	if base, ok := strings.CutSuffix(name, "LayerNorm.bias"); ok {
		return []string{name, base + "LayerNorm.beta"}
	}
	return []string{name}
}

// addLayerShapes adds the expected shapes of every encoder layer's tensors
// (BERT's layout, shared by DeBERTa-v3 apart from the names of the query,
// key and value projections, given in qkv) to out.
func addLayerShapes(out map[string][]int64, cfg Config, h int64, qkv [3]string) {
	inter := int64(cfg.IntermediateSize)
	for i := 0; i < cfg.NumHiddenLayers; i++ {
		p := fmt.Sprintf("encoder.layer.%d.", i)
		for _, name := range append(qkv[:], "attention.output.dense") {
			out[p+name+".weight"] = []int64{h, h}
			out[p+name+".bias"] = []int64{h}
		}
		out[p+"intermediate.dense.weight"] = []int64{inter, h}
		out[p+"intermediate.dense.bias"] = []int64{inter}
		out[p+"output.dense.weight"] = []int64{h, inter}
		out[p+"output.dense.bias"] = []int64{h}
		for _, ln := range []string{"attention.output.LayerNorm", "output.LayerNorm"} {
			out[p+ln+".weight"] = []int64{h}
			out[p+ln+".bias"] = []int64{h}
		}
	}
}
