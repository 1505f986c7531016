package model

import (
	"fmt"
	"reflect"
	"sort"
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
// the name itself, the name under the family's prefix ("bert.", ...), for
// LayerNorm the old "gamma"/"beta" names of TF-converted checkpoints, and
// for the word embeddings the masked-LM decoder tied to them (see
// tiedWeights). ok is false when none is present.
func FindWeight(cfg Config, weights map[string]Tensor, name string) (t Tensor, found string, ok bool) {
	found, ok = findWeightName(cfg, func(n string) bool { _, ok := weights[n]; return ok }, name)
	return weights[found], found, ok
}

// findWeightName is FindWeight on a name set: the first of
// checkpointNames(cfg, name) for which has is true.
func findWeightName(cfg Config, has func(string) bool, name string) (string, bool) {
	for _, cand := range checkpointNames(cfg, name) {
		if has(cand) {
			return cand, true
		}
	}
	return "", false
}

// checkpointNames lists, in the order they are tried, the names under which
// a checkpoint may hold the encoder variable name.
func checkpointNames(cfg Config, name string) []string {
	fam, _ := cfg.Family()
	var out []string
	for _, cand := range weightNameCandidates(name) {
		out = append(out, cand)
		for _, p := range checkpointPrefixes[fam] {
			out = append(out, p+cand)
		}
	}
	return append(out, tiedWeights[name]...)
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

// tiedWeights are the checkpoint tensors tied to (the same parameter as) an
// encoder variable: a masked-LM decoder shares the word embeddings, and a
// file saved with tied weights may keep only one of the two names. Tried
// last, after every name of the variable itself.
var tiedWeights = map[string][]string{
	"embeddings.word_embeddings.weight": {"cls.predictions.decoder.weight", "lm_head.decoder.weight"},
}

// WeightSource is a checkpoint opened for reading tensors by name:
// *SafetensorsFile, or a decoded pytorch_model.bin. Info answers from the
// file's index without reading data; Read decodes one tensor to float32.
type WeightSource interface {
	Path() string
	Info(name string) (dtype string, shape []int64, ok bool)
	Read(name string) (Tensor, error)
}

// PlanWeights matches every tensor of WeightShapes(cfg) to the name src
// holds it under (see FindWeight), and checks its shape and that its dtype
// is a floating-point one, from src's index alone. It returns encoder
// variable name -> checkpoint name. Tensors of src that the encoder does
// not use (position_ids and token_type_ids buffers, the pooler, the
// pretraining heads cls.*, lm_head.*, discriminator_predictions.*,
// lm_predictions.*, mask_predictions.*) are ignored. A missing tensor is an
// error wrapping ErrBadWeights that names it, every name tried, the file,
// and how many others are missing; so is a wrong shape or dtype.
// Deterministic: variables are checked in sorted order.
func PlanWeights(cfg Config, src WeightSource) (map[string]string, error) {
	shapes := WeightShapes(cfg)
	names := make([]string, 0, len(shapes))
	for name := range shapes {
		names = append(names, name)
	}
	sort.Strings(names)
	has := func(n string) bool { _, _, ok := src.Info(n); return ok }
	plan := make(map[string]string, len(names))
	var missing []string
	for _, name := range names {
		found, ok := findWeightName(cfg, has, name)
		if !ok {
			missing = append(missing, name)
			continue
		}
		dtype, shape, _ := src.Info(found)
		if !reflect.DeepEqual(shape, shapes[name]) {
			return nil, fmt.Errorf("%w: %s: tensor %q has shape %v, config.json implies %v", ErrBadWeights, src.Path(), found, shape, shapes[name])
		}
		if !IsFloatDType(dtype) {
			return nil, fmt.Errorf("%w: %s: tensor %q has dtype %q, want F32, F16, BF16 or F64", ErrBadWeights, src.Path(), found, dtype)
		}
		plan[name] = found
	}
	if len(missing) > 0 {
		more := ""
		if len(missing) > 1 {
			more = fmt.Sprintf(" (and %d more tensors the encoder needs are missing)", len(missing)-1)
		}
		return nil, fmt.Errorf("%w: %s has no tensor %q (tried %s)%s", ErrBadWeights, src.Path(), missing[0],
			strings.Join(checkpointNames(cfg, missing[0]), ", "), more)
	}
	return plan, nil
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
