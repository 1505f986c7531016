package model

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestWriteTinyModelReadsBack(t *testing.T) {
	for _, mt := range []string{"bert", "roberta", "xlm-roberta", "electra", "deberta-v2"} {
		t.Run(mt, func(t *testing.T) {
			dir, cfg := writeTiny(t, mt, func(c *TinyConfig) {
				if mt == "electra" || mt == "deberta-v2" {
					c.EmbeddingSize = 16
				}
			})
			read, err := ReadConfig(dir)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(read, cfg) {
				t.Fatalf("config read back %+v, written %+v", read, cfg)
			}
			weights, err := ReadSafetensors(filepath.Join(dir, "model.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			shapes := WeightShapes(cfg)
			if len(weights) != len(shapes) {
				t.Fatalf("%d tensors written, encoder needs %d", len(weights), len(shapes))
			}
			for name, shape := range shapes {
				w, _, ok := FindWeight(cfg, weights, name)
				if !ok || !reflect.DeepEqual(w.Shape, shape) {
					t.Fatalf("tensor %s: found %v shape %v, want %v", name, ok, w.Shape, shape)
				}
			}
			if _, err := NewTokenizer(dir, 32); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestWriteTinyModelDeterministic(t *testing.T) {
	a, _ := writeTiny(t, "bert", nil)
	b, _ := writeTiny(t, "bert", nil)
	c, _ := writeTiny(t, "bert", func(c *TinyConfig) { c.Seed = 99 })
	for _, f := range []string{"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"} {
		ra, _ := os.ReadFile(filepath.Join(a, f))
		rb, _ := os.ReadFile(filepath.Join(b, f))
		if len(ra) == 0 || !bytes.Equal(ra, rb) {
			t.Errorf("%s differs between two writes of one TinyConfig", f)
		}
	}
	ra, _ := os.ReadFile(filepath.Join(a, "model.safetensors"))
	rc, _ := os.ReadFile(filepath.Join(c, "model.safetensors"))
	if bytes.Equal(ra, rc) {
		t.Error("another seed wrote the same weights")
	}
}

func TestTinyConfigValidate(t *testing.T) {
	bad := []TinyConfig{
		DefaultTinyConfig("gpt2", []string{"x"}),
		DefaultTinyConfig("bert", nil),
		func() TinyConfig { c := DefaultTinyConfig("bert", []string{"x"}); c.EmbeddingSize = 8; return c }(),
	}
	for _, c := range bad {
		if _, err := WriteTinyModel(t.TempDir(), c); !errors.Is(err, ErrBadInput) {
			t.Errorf("WriteTinyModel(%+v) = %v, want ErrBadInput", c, err)
		}
	}
	c := DefaultTinyConfig("bert", []string{"x"})
	c.NumHeads = 5
	if _, err := WriteTinyModel(t.TempDir(), c); !errors.Is(err, ErrBadConfig) {
		t.Errorf("32 wide with 5 heads: %v, want ErrBadConfig", err)
	}
}

func TestTinyVocabCoversWords(t *testing.T) {
	v := tinyVocab([]string{"[PAD]"}, []string{"Hello, world!"})
	want := map[string]bool{"[PAD]": true, "hello": true, ",": true, "world": true, "!": true, "h": true, "##d": true}
	got := map[string]bool{}
	for _, w := range v {
		got[w] = true
	}
	for w := range want {
		if !got[w] {
			t.Errorf("vocabulary lacks %q: %v", w, v)
		}
	}
	if v[0] != "[PAD]" {
		t.Errorf("special token not first: %v", v[:3])
	}
}
