package model

import (
	"encoding/json"
	"fmt"
	"strings"
)

// FamilyDeBERTaV2 is DeBERTa-v2/v3 (model_type "deberta-v2"): disentangled
// attention over log-bucketed relative positions, no absolute positions.
const FamilyDeBERTaV2 Family = "deberta-v2"

// AttTypes is config.json's pos_att_type: "p2c|c2p" as Hugging Face's
// hub configs write it, or ["p2c", "c2p"] as save_pretrained does.
type AttTypes []string

// UnmarshalJSON accepts a "|"-separated string or a list of strings.
func (a *AttTypes) UnmarshalJSON(raw []byte) error {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		*a = nil
		for _, part := range strings.Split(s, "|") {
			if p := strings.ToLower(strings.TrimSpace(part)); p != "" {
				*a = append(*a, p)
			}
		}
		return nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return fmt.Errorf("pos_att_type: want a string or a list of strings: %w", err)
	}
	*a = list
	return nil
}

// Has reports whether t is one of the attention types.
func (a AttTypes) Has(t string) bool {
	for _, x := range a {
		if x == t {
			return true
		}
	}
	return false
}

// debertaSpan is the number of relative-position buckets on each side
// (Hugging Face's att_span / pos_ebd_size).
func (c Config) debertaSpan() int {
	if c.PositionBuckets > 0 {
		return c.PositionBuckets
	}
	if c.MaxRelativePositions > 0 {
		return c.MaxRelativePositions
	}
	return c.MaxPositionEmbeddings
}

// debertaMaxRelative is max_relative_positions, defaulting to
// max_position_embeddings as Hugging Face does.
func (c Config) debertaMaxRelative() int {
	if c.MaxRelativePositions > 0 {
		return c.MaxRelativePositions
	}
	return c.MaxPositionEmbeddings
}

// validateDeBERTa admits the configuration of the DeBERTa-v3 checkpoints
// (microsoft/deberta-v3-base, -large): relative attention with position
// buckets, shared attention keys, c2p and p2c, LayerNorm on the relative
// embeddings, no absolute positions and no convolution layer. Other
// DeBERTa-v2 variants wrap ErrUnsupportedModel naming the field.
func validateDeBERTa(c Config) error {
	unsupported := func(field string, v any) error {
		return fmt.Errorf("%w: deberta-v2 with %s = %v (only the DeBERTa-v3 layout is implemented)", ErrUnsupportedModel, field, v)
	}
	switch {
	case !c.RelativeAttention:
		return unsupported("relative_attention", c.RelativeAttention)
	case c.PositionBuckets <= 0:
		return unsupported("position_buckets", c.PositionBuckets)
	case !c.ShareAttKey:
		return unsupported("share_att_key", c.ShareAttKey)
	case len(c.PosAttType) != 2 || !c.PosAttType.Has("c2p") || !c.PosAttType.Has("p2c"):
		return unsupported("pos_att_type", []string(c.PosAttType))
	case c.PositionBiasedInput == nil || *c.PositionBiasedInput:
		return unsupported("position_biased_input", "true (the default)")
	case !strings.Contains(strings.ToLower(c.NormRelEbd), "layer_norm"):
		return unsupported("norm_rel_ebd", c.NormRelEbd)
	case c.ConvKernelSize != 0:
		return unsupported("conv_kernel_size", c.ConvKernelSize)
	case c.debertaMaxRelative() <= c.PositionBuckets/2:
		return fmt.Errorf("%w: max_relative_positions %d must exceed position_buckets/2 = %d",
			ErrBadConfig, c.debertaMaxRelative(), c.PositionBuckets/2)
	}
	return nil
}

// debertaWeightShapes lists DebertaV2Model's tensors (see WeightShapes).
func debertaWeightShapes(cfg Config) map[string][]int64 {
	e, h := int64(cfg.EmbeddingWidth()), int64(cfg.HiddenSize)
	out := map[string][]int64{
		"embeddings.word_embeddings.weight": {int64(cfg.VocabSize), e},
		"embeddings.LayerNorm.weight":       {h},
		"embeddings.LayerNorm.bias":         {h},
		"encoder.rel_embeddings.weight":     {int64(2 * cfg.debertaSpan()), h},
		"encoder.LayerNorm.weight":          {h},
		"encoder.LayerNorm.bias":            {h},
	}
	if cfg.TypeVocabSize > 0 {
		out["embeddings.token_type_embeddings.weight"] = []int64{int64(cfg.TypeVocabSize), e}
	}
	if e != h {
		out["embeddings.embed_proj.weight"] = []int64{h, e}
	}
	addLayerShapes(out, cfg, h, [3]string{"attention.self.query_proj", "attention.self.key_proj", "attention.self.value_proj"})
	return out
}
