package model

import (
	"errors"
	"fmt"
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
		{"deberta v1", func(c *Config) { c.ModelType = "deberta" }, ErrUnsupportedModel, "model_type"},
		{"deberta-v2 not v3", func(c *Config) { c.ModelType = "deberta-v2" }, ErrUnsupportedModel, "relative_attention"},
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

// A DeBERTa-v3 config.json as the hub has it (pos_att_type "p2c|c2p") and
// as save_pretrained writes it (a list) both read; other layouts do not.
func TestDeBERTaV3Config(t *testing.T) {
	base := `{"model_type":"deberta-v2","vocab_size":128100,"hidden_size":768,"num_hidden_layers":12,
		"num_attention_heads":12,"intermediate_size":3072,"max_position_embeddings":512,"type_vocab_size":0,
		"hidden_act":"gelu","layer_norm_eps":1e-7,"relative_attention":true,"position_buckets":256,
		"norm_rel_ebd":"layer_norm","share_att_key":true,"position_biased_input":false,"max_relative_positions":-1,
		"pos_att_type":%s}`
	for _, att := range []string{`"p2c|c2p"`, `["p2c","c2p"]`} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(fmt.Sprintf(base, att)), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := ReadConfig(dir)
		if err != nil {
			t.Fatalf("pos_att_type %s: %v", att, err)
		}
		if c.debertaSpan() != 256 || c.debertaMaxRelative() != 512 || !c.PosAttType.Has("c2p") {
			t.Fatalf("pos_att_type %s: span %d, max relative %d, types %v", att, c.debertaSpan(), c.debertaMaxRelative(), c.PosAttType)
		}
		if n := len(WeightShapes(c)); n != 6+16*12 {
			t.Fatalf("%d weights for deberta-v3-base, want %d", n, 6+16*12)
		}
	}
	v3 := func() Config {
		f := false
		return Config{ModelType: "deberta-v2", VocabSize: 10, HiddenSize: 8, NumHiddenLayers: 1, NumAttentionHeads: 2,
			IntermediateSize: 16, MaxPositionEmbeddings: 64, HiddenAct: "gelu", LayerNormEps: 1e-7,
			RelativeAttention: true, PositionBuckets: 8, NormRelEbd: "layer_norm", ShareAttKey: true,
			PosAttType: AttTypes{"p2c", "c2p"}, PositionBiasedInput: &f}
	}
	if err := v3().Validate(); err != nil {
		t.Fatal(err)
	}
	for field, mutate := range map[string]func(*Config){
		"share_att_key":         func(c *Config) { c.ShareAttKey = false },
		"pos_att_type":          func(c *Config) { c.PosAttType = AttTypes{"c2p"} },
		"position_biased_input": func(c *Config) { c.PositionBiasedInput = nil },
		"norm_rel_ebd":          func(c *Config) { c.NormRelEbd = "none" },
		"conv_kernel_size":      func(c *Config) { c.ConvKernelSize = 3 },
		"position_buckets":      func(c *Config) { c.PositionBuckets = 0 },
	} {
		c := v3()
		mutate(&c)
		if err := c.Validate(); !errors.Is(err, ErrUnsupportedModel) || !strings.Contains(err.Error(), field) {
			t.Errorf("%s changed: %v, want ErrUnsupportedModel naming it", field, err)
		}
	}
}
