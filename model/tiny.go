package model

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// TinyConfig describes a small random model for tests: its architecture and
// the words its vocabulary must cover. Plain data; see DefaultTinyConfig.
type TinyConfig struct {
	// ModelType is config.json's model_type: bert, roberta, xlm-roberta,
	// electra or deberta-v2 (written in the DeBERTa-v3 layout).
	ModelType string
	// Words are texts whose words the WordPiece vocabulary must cover; they
	// are lower-cased and split like BERT's pre-tokenizer (see tinyVocab).
	Words            []string
	HiddenSize       int
	EmbeddingSize    int // ELECTRA and DeBERTa only; 0 means HiddenSize
	NumLayers        int
	NumHeads         int
	IntermediateSize int
	// MaxPositions is the longest input in tokens; RoBERTa-family configs
	// get pad_token_id+1 more position rows, as Hugging Face's do.
	MaxPositions int
	HiddenAct    string
	// Seed fixes the weights: the same TinyConfig gives the same files.
	Seed uint64
}

// DefaultTinyConfig is a 2-layer, 32-wide model of the given type covering words.
func DefaultTinyConfig(modelType string, words []string) TinyConfig {
	return TinyConfig{
		ModelType: modelType, Words: words, HiddenSize: 32, NumLayers: 2, NumHeads: 4,
		IntermediateSize: 64, MaxPositions: 64, HiddenAct: "gelu", Seed: 1,
	}
}

// Validate checks the sizes and the model type; errors wrap ErrBadInput.
func (c TinyConfig) Validate() error {
	if _, ok := familyOf[c.ModelType]; !ok {
		return fmt.Errorf("%w: tiny model_type %q (want bert, roberta, xlm-roberta, electra or deberta-v2)", ErrBadInput, c.ModelType)
	}
	if c.EmbeddingSize != 0 && c.ModelType != "electra" && c.ModelType != "deberta-v2" {
		return fmt.Errorf("%w: embedding_size %d is for ELECTRA and DeBERTa only, model_type is %q", ErrBadInput, c.EmbeddingSize, c.ModelType)
	}
	if len(c.Words) == 0 {
		return fmt.Errorf("%w: tiny model needs words for its vocabulary", ErrBadInput)
	}
	return nil
}

// tinySpecials are the special tokens, in id order, of each vocabulary style.
var tinySpecials = map[Family][]string{
	FamilyBERT:      {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"},
	FamilyELECTRA:   {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"},
	FamilyRoBERTa:   {"<s>", "<pad>", "</s>", "<unk>", "<mask>"},
	FamilyDeBERTaV2: {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"},
}

// WriteTinyModel writes a Hugging Face model folder into dir (created if
// needed): config.json, model.safetensors with seeded random weights,
// tokenizer.json with a WordPiece vocabulary covering c.Words, and
// tokenizer_config.json. RoBERTa-family folders keep RoBERTa's special
// tokens and pad id 1 but use a WordPiece model, not byte-level BPE.
// Deterministic: the same c writes byte-identical files. Returns the config
// written, which ReadConfig(dir) reads back.
func WriteTinyModel(dir string, c TinyConfig) (Config, error) {
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	fam := familyOf[c.ModelType]
	vocab := tinyVocab(tinySpecials[fam], c.Words)
	cfg := tinyModelConfig(c, fam, len(vocab))
	if err := cfg.Validate(); err != nil {
		return Config{}, fmt.Errorf("tiny model: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Config{}, fmt.Errorf("tiny model: %w", err)
	}
	if err := writeJSON(filepath.Join(dir, "config.json"), tinyConfigJSON(cfg)); err != nil {
		return Config{}, err
	}
	if err := WriteSafetensors(filepath.Join(dir, "model.safetensors"), tinyWeights(cfg, c.Seed)); err != nil {
		return Config{}, err
	}
	tok, tokCfg := tinyTokenizerJSON(fam, vocab, c.MaxPositions)
	if err := writeJSON(filepath.Join(dir, "tokenizer.json"), tok); err != nil {
		return Config{}, err
	}
	if err := writeJSON(filepath.Join(dir, "tokenizer_config.json"), tokCfg); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func tinyModelConfig(c TinyConfig, fam Family, vocabSize int) Config {
	cfg := Config{
		ModelType: c.ModelType, VocabSize: vocabSize, HiddenSize: c.HiddenSize,
		EmbeddingSize: c.EmbeddingSize, NumHiddenLayers: c.NumLayers,
		NumAttentionHeads: c.NumHeads, IntermediateSize: c.IntermediateSize,
		HiddenAct: c.HiddenAct, HiddenDropoutProb: 0.1, AttentionProbsDropoutProb: 0.1,
		MaxPositionEmbeddings: c.MaxPositions, TypeVocabSize: 2, LayerNormEps: 1e-12,
	}
	switch fam {
	case FamilyRoBERTa:
		cfg.PadTokenID, cfg.TypeVocabSize, cfg.LayerNormEps = 1, 1, 1e-5
		cfg.MaxPositionEmbeddings = c.MaxPositions + cfg.PadTokenID + 1
	case FamilyDeBERTaV2: // the layout of microsoft/deberta-v3-*, 8 buckets
		noAbsolute := false
		cfg.TypeVocabSize, cfg.LayerNormEps = 0, 1e-7
		cfg.RelativeAttention, cfg.PositionBuckets, cfg.NormRelEbd = true, 8, "layer_norm"
		cfg.ShareAttKey, cfg.PosAttType, cfg.PositionBiasedInput = true, AttTypes{"p2c", "c2p"}, &noAbsolute
	}
	return cfg
}

// tinyConfigJSON adds the fields Hugging Face's own config.json carries.
func tinyConfigJSON(cfg Config) map[string]any {
	var m map[string]any
	raw, _ := json.Marshal(cfg) // a struct of numbers and strings always encodes
	_ = json.Unmarshal(raw, &m)
	arch := map[string]string{"bert": "BertModel", "roberta": "RobertaModel",
		"xlm-roberta": "XLMRobertaModel", "electra": "ElectraModel", "deberta-v2": "DebertaV2Model"}[cfg.ModelType]
	m["architectures"] = []string{arch}
	m["initializer_range"] = 0.02
	m["position_embedding_type"] = "absolute"
	m["torch_dtype"] = "float32"
	if fam, _ := cfg.Family(); fam == FamilyRoBERTa {
		m["bos_token_id"], m["eos_token_id"] = 0, 2
	}
	return m
}

// tinyWeights fills every tensor of WeightShapes(cfg) with uniform values
// drawn from PCG(seed) in name order. Only PCG's Uint64 stream is used, which
// Go specifies exactly, so the weights never change with the Go version.
func tinyWeights(cfg Config, seed uint64) map[string]Tensor {
	shapes := WeightShapes(cfg)
	names := make([]string, 0, len(shapes))
	for name := range shapes {
		names = append(names, name)
	}
	sort.Strings(names)
	rng := rand.NewPCG(seed, 0x5eed)
	out := make(map[string]Tensor, len(names))
	for _, name := range names {
		t := Tensor{Shape: shapes[name]}
		t.Data = make([]float32, t.NumElements())
		center, scale := tinyInit(name)
		for i := range t.Data {
			u := float64(rng.Uint64()>>11) / (1 << 53) // [0, 1)
			t.Data[i] = float32(center + scale*(2*u-1))
		}
		out[name] = t
	}
	return out
}

// tinyInit gives the center and half-width of a tensor's uniform values:
// LayerNorm scales near 1, everything else near 0, wide enough that
// attention is far from uniform.
func tinyInit(name string) (center, scale float64) {
	switch {
	case strings.HasSuffix(name, "LayerNorm.weight"):
		return 1, 0.2
	case strings.HasSuffix(name, ".bias"):
		return 0, 0.1
	case name == "embeddings.word_embeddings.weight" || name == "embeddings.position_embeddings.weight":
		return 0, 1
	}
	return 0, 0.3
}

func writeJSON(path string, v any) error {
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return writeFileAtomic(path, append(raw, '\n'))
}
