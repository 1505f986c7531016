package model

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func validConfig() Config {
	return Config{ModelType: "bert", VocabSize: 100, HiddenSize: 32, NumHiddenLayers: 2,
		NumAttentionHeads: 4, IntermediateSize: 64, HiddenAct: "gelu", MaxPositionEmbeddings: 64,
		TypeVocabSize: 2, LayerNormEps: 1e-12, HiddenDropoutProb: 0.1, AttentionProbsDropoutProb: 0.1}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Config)
		want   error
		field  string
	}{
		{"valid", func(*Config) {}, nil, ""},
		{"deberta", func(c *Config) { c.ModelType = "deberta-v2" }, ErrUnsupportedModel, "model_type"},
		{"act", func(c *Config) { c.HiddenAct = "quick_gelu" }, ErrUnsupportedModel, "hidden_act"},
		{"heads", func(c *Config) { c.NumAttentionHeads = 5 }, ErrBadConfig, "num_attention_heads"},
		{"vocab", func(c *Config) { c.VocabSize = 0 }, ErrBadConfig, "vocab_size"},
		{"dropout", func(c *Config) { c.HiddenDropoutProb = 1 }, ErrBadConfig, "hidden_dropout_prob"},
		{"attn dropout", func(c *Config) { c.AttentionProbsDropoutProb = -0.1 }, ErrBadConfig, "attention_probs_dropout_prob"},
		{"pad", func(c *Config) { c.PadTokenID = 100 }, ErrBadConfig, "pad_token_id"},
		{"eps", func(c *Config) { c.LayerNormEps = 0 }, ErrBadConfig, "layer_norm_eps"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			tc.mutate(&c)
			err := c.Validate()
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Validate() = %v, want %v", err, tc.want)
			}
			if err != nil && !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("error %q does not name %s", err, tc.field)
			}
		})
	}
}

func TestConfigFamilies(t *testing.T) {
	cases := []struct {
		modelType string
		family    Family
		offset    int
	}{
		{"bert", FamilyBERT, 0}, {"electra", FamilyELECTRA, 0},
		{"roberta", FamilyRoBERTa, 2}, {"xlm-roberta", FamilyRoBERTa, 2},
	}
	for _, tc := range cases {
		c := validConfig()
		c.ModelType, c.PadTokenID = tc.modelType, 1
		if f, ok := c.Family(); !ok || f != tc.family {
			t.Errorf("%s: Family() = %v, %v", tc.modelType, f, ok)
		}
		if got := c.PositionOffset(); got != tc.offset {
			t.Errorf("%s: PositionOffset() = %d, want %d", tc.modelType, got, tc.offset)
		}
	}
}

func TestReadConfigDefaultsAndErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadConfig(dir); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("missing config.json: %v, want ErrBadConfig", err)
	}
	// No layer_norm_eps or hidden_act: Hugging Face's defaults apply.
	js := `{"model_type":"bert","vocab_size":10,"hidden_size":8,"num_hidden_layers":1,
		"num_attention_heads":2,"intermediate_size":16,"max_position_embeddings":16,"type_vocab_size":2}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := ReadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.LayerNormEps != 1e-12 || c.HiddenAct != "gelu" {
		t.Fatalf("defaults not applied: eps %g act %q", c.LayerNormEps, c.HiddenAct)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadConfig(dir); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("broken JSON: %v, want ErrBadConfig", err)
	}
}
