package model

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Family is the architecture variant of a BERT-family encoder. The variants
// share one transformer; they differ in embeddings and position ids.
type Family string

// The families this package builds, keyed by config.json's model_type.
const (
	// FamilyBERT: absolute positions 0..T-1, token type embeddings.
	FamilyBERT Family = "bert"
	// FamilyRoBERTa: positions count non-pad tokens from pad_token_id+1;
	// one token type (always 0). XLM-RoBERTa is the same architecture.
	FamilyRoBERTa Family = "roberta"
	// FamilyELECTRA: BERT embeddings of width embedding_size, projected to
	// hidden_size by embeddings_project when the two differ.
	FamilyELECTRA Family = "electra"
)

// familyOf maps config.json model_type values to a Family.
var familyOf = map[string]Family{
	"bert":        FamilyBERT,
	"roberta":     FamilyRoBERTa,
	"xlm-roberta": FamilyRoBERTa,
	"electra":     FamilyELECTRA,
	"deberta-v2":  FamilyDeBERTaV2,
}

// supportedActs are the hidden_act values the encoder implements:
// "gelu" is exact (erf) GELU, "gelu_new"/"gelu_pytorch_tanh" the tanh form.
var supportedActs = map[string]bool{
	"gelu": true, "gelu_new": true, "gelu_pytorch_tanh": true,
	"relu": true, "silu": true, "swish": true,
}

// Config is the subset of a Hugging Face config.json that the encoder needs.
// Field names follow config.json, so the struct reads and writes it
// directly. It is plain data: safe to copy and to serialize.
type Config struct {
	ModelType                 string  `json:"model_type"`
	VocabSize                 int     `json:"vocab_size"`
	HiddenSize                int     `json:"hidden_size"`
	EmbeddingSize             int     `json:"embedding_size,omitempty"` // ELECTRA; 0 means hidden_size
	NumHiddenLayers           int     `json:"num_hidden_layers"`
	NumAttentionHeads         int     `json:"num_attention_heads"`
	IntermediateSize          int     `json:"intermediate_size"`
	HiddenAct                 string  `json:"hidden_act"`
	HiddenDropoutProb         float64 `json:"hidden_dropout_prob"`
	AttentionProbsDropoutProb float64 `json:"attention_probs_dropout_prob"`
	MaxPositionEmbeddings     int     `json:"max_position_embeddings"`
	TypeVocabSize             int     `json:"type_vocab_size"`
	LayerNormEps              float64 `json:"layer_norm_eps"`
	PadTokenID                int     `json:"pad_token_id"`

	// DeBERTa-v2/v3 only (see validateDeBERTa).
	RelativeAttention    bool     `json:"relative_attention,omitempty"`
	PositionBuckets      int      `json:"position_buckets,omitempty"`
	MaxRelativePositions int      `json:"max_relative_positions,omitempty"`
	NormRelEbd           string   `json:"norm_rel_ebd,omitempty"`
	ShareAttKey          bool     `json:"share_att_key,omitempty"`
	PosAttType           AttTypes `json:"pos_att_type,omitempty"`
	PositionBiasedInput  *bool    `json:"position_biased_input,omitempty"`
	ConvKernelSize       int      `json:"conv_kernel_size,omitempty"`
}

// Family returns the architecture family of c.ModelType; ok is false for a
// model_type this package does not build.
func (c Config) Family() (f Family, ok bool) {
	f, ok = familyOf[c.ModelType]
	return f, ok
}

// EmbeddingWidth is the width of the token embeddings: embedding_size for
// ELECTRA when set, else hidden_size.
func (c Config) EmbeddingWidth() int {
	if c.EmbeddingSize > 0 {
		return c.EmbeddingSize
	}
	return c.HiddenSize
}

// PositionOffset is the first position id a real token gets: 0 for BERT and
// ELECTRA, pad_token_id+1 for RoBERTa and XLM-RoBERTa (their position
// table reserves the rows up to the padding index).
func (c Config) PositionOffset() int {
	if f, _ := c.Family(); f == FamilyRoBERTa {
		return c.PadTokenID + 1
	}
	return 0
}

// Validate reports the first invalid field, naming it and its value. The
// error wraps ErrUnsupportedModel for an unknown model_type or hidden_act
// and ErrBadConfig otherwise.
func (c Config) Validate() error {
	if _, ok := c.Family(); !ok {
		return fmt.Errorf("%w: model_type %q (supported: bert, roberta, xlm-roberta, electra, deberta-v2)",
			ErrUnsupportedModel, c.ModelType)
	}
	if !supportedActs[c.HiddenAct] {
		return fmt.Errorf("%w: hidden_act %q", ErrUnsupportedModel, c.HiddenAct)
	}
	positive := []struct {
		name string
		v    int
	}{
		{"vocab_size", c.VocabSize}, {"hidden_size", c.HiddenSize},
		{"num_hidden_layers", c.NumHiddenLayers}, {"num_attention_heads", c.NumAttentionHeads},
		{"intermediate_size", c.IntermediateSize}, {"max_position_embeddings", c.MaxPositionEmbeddings},
	}
	if f, _ := c.Family(); f != FamilyDeBERTaV2 { // DeBERTa-v3 has no token types
		positive = append(positive, struct {
			name string
			v    int
		}{"type_vocab_size", c.TypeVocabSize})
	}
	for _, p := range positive {
		if p.v <= 0 {
			return fmt.Errorf("%w: %s = %d, want > 0", ErrBadConfig, p.name, p.v)
		}
	}
	if c.HiddenSize%c.NumAttentionHeads != 0 {
		return fmt.Errorf("%w: hidden_size %d is not a multiple of num_attention_heads %d",
			ErrBadConfig, c.HiddenSize, c.NumAttentionHeads)
	}
	if c.LayerNormEps <= 0 {
		return fmt.Errorf("%w: layer_norm_eps = %g, want > 0", ErrBadConfig, c.LayerNormEps)
	}
	if err := checkProb("hidden_dropout_prob", c.HiddenDropoutProb); err != nil {
		return err
	}
	if err := checkProb("attention_probs_dropout_prob", c.AttentionProbsDropoutProb); err != nil {
		return err
	}
	if c.PadTokenID < 0 || c.PadTokenID >= c.VocabSize {
		return fmt.Errorf("%w: pad_token_id = %d, want in [0, vocab_size %d)", ErrBadConfig, c.PadTokenID, c.VocabSize)
	}
	if c.EmbeddingSize < 0 || c.TypeVocabSize < 0 {
		return fmt.Errorf("%w: embedding_size = %d, type_vocab_size = %d, want >= 0", ErrBadConfig, c.EmbeddingSize, c.TypeVocabSize)
	}
	if f, _ := c.Family(); f == FamilyDeBERTaV2 {
		return validateDeBERTa(c)
	}
	return nil
}

func checkProb(name string, p float64) error {
	if p < 0 || p >= 1 {
		return fmt.Errorf("%w: %s = %g, want in [0, 1)", ErrBadConfig, name, p)
	}
	return nil
}

// ReadConfig reads and validates dir/config.json. Missing numeric fields that
// Hugging Face defaults (layer_norm_eps 1e-12, hidden_act "gelu") get those
// defaults; everything else must be present.
func ReadConfig(dir string) (Config, error) {
	path := filepath.Join(dir, "config.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("%w: %w", ErrBadConfig, err)
	}
	c := Config{LayerNormEps: 1e-12, HiddenAct: "gelu"}
	if err := json.Unmarshal(raw, &c); err != nil {
		return Config{}, fmt.Errorf("%w: parse %s: %w", ErrBadConfig, path, err)
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}
