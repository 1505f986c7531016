package hftok

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The parity with Hugging Face over the model families is tested in
// package model (tokenizer_parity_test.go, through model.Tokenizer); these
// tests cover the errors and file variants.

const wordPieceJSON = `{
  "added_tokens": [{"id": 0, "content": "[UNK]", "special": true}, {"id": 1, "content": "[CLS]", "special": true},
                   {"id": 2, "content": "[SEP]", "special": true}],
  "normalizer": NORMALIZER,
  "pre_tokenizer": PRE,
  "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 2], "cls": ["[CLS]", 1]},
  "model": MODEL
}`

func wpJSON(normalizer, pre, model string) string {
	if model == "" {
		model = `{"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
		          "vocab": {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "a": 3, "##b": 4, "b": 5}}`
	}
	r := strings.NewReplacer("NORMALIZER", normalizer, "PRE", pre, "MODEL", model)
	return r.Replace(wordPieceJSON)
}

func TestParseRejectsWhatItDoesNotReproduce(t *testing.T) {
	for name, js := range map[string]string{
		"normalizer ByteLevel":     wpJSON(`{"type": "ByteLevel"}`, "null", ""),
		"Regex with \\s":           wpJSON(`{"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "}`, "null", ""),
		"Regex with look-ahead":    wpJSON(`{"type": "Replace", "pattern": {"Regex": "a(?=b)"}, "content": " "}`, "null", ""),
		"Regex matching empty":     wpJSON(`{"type": "Replace", "pattern": {"Regex": " *"}, "content": " "}`, "null", ""),
		"pre_tokenizer Whitespace": wpJSON("null", `{"type": "Whitespace"}`, ""),
		"pre_tokenizer in Sequence": wpJSON("null",
			`{"type": "Sequence", "pretokenizers": [{"type": "Punctuation"}, {"type": "Digits"}]}`, ""),
		"BPE dropout": wpJSON("null", "null", `{"type": "BPE", "dropout": 0.1, "vocab": {"a": 0}, "merges": []}`),
		"WordLevel":   wpJSON("null", "null", `{"type": "WordLevel", "vocab": {"a": 0}, "unk_token": "a"}`),
	} {
		_, err := Parse([]byte(js))
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: error %v, want ErrUnsupported", name, err)
		}
	}
	for name, js := range map[string]string{
		"not JSON":           "{",
		"no model":           `{"added_tokens": []}`,
		"bad charsmap":       wpJSON(`{"type": "Precompiled", "precompiled_charsmap": "AAAA"}`, "null", ""),
		"unk outside vocab":  wpJSON("null", "null", `{"type": "WordPiece", "unk_token": "[X]", "vocab": {"a": 0}}`),
		"merge outside":      wpJSON("null", "null", `{"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}`),
		"unigram unk_id":     wpJSON("null", "null", `{"type": "Unigram", "unk_id": 5, "vocab": [["a", -1.0]]}`),
		"metaspace mismatch": wpJSON("null", `{"type": "Metaspace", "replacement": "▁", "add_prefix_space": false, "prepend_scheme": "always"}`, ""),
	} {
		if _, err := Parse([]byte(js)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestEncodeRejectsInvalidUTF8(t *testing.T) {
	tk, err := Parse([]byte(wpJSON("null", `{"type": "BertPreTokenizer"}`, "")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tk.EncodeSequence("a\xffb", 0); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Fatalf("error %v, want one about UTF-8", err)
	}
	e, err := tk.EncodeSequence("ab a", 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{3, 4, 3}; !reflect.DeepEqual(e.IDs, want) {
		t.Fatalf("ids %v, want %v", e.IDs, want)
	}
	if want := [][2]int{{0, 1}, {1, 2}, {3, 4}}; !reflect.DeepEqual(e.Offsets, want) {
		t.Fatalf("offsets %v, want %v", e.Offsets, want)
	}
	p := tk.PostProcess(e, e)
	if want := []int{1, 3, 4, 3, 2, 3, 4, 3, 2}; !reflect.DeepEqual(p.IDs, want) {
		t.Fatalf("pair ids %v, want %v", p.IDs, want)
	}
	if want := []int{0, 0, 0, 0, 0, 1, 1, 1, 1}; !reflect.DeepEqual(p.TypeIDs, want) {
		t.Fatalf("pair type ids %v, want %v", p.TypeIDs, want)
	}
}

// TestOldMetaspaceFormat loads the XLM-R reference tokenizer.json with its
// Metaspace rewritten in the older format of the real xlm-roberta-base
// file (add_prefix_space, no prepend_scheme or split) and requires the
// same encodings.
func TestOldMetaspaceFormat(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "tokenizers", "parity", "xlm-roberta", "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	doc["pre_tokenizer"] = map[string]any{"type": "Metaspace", "replacement": "▁", "add_prefix_space": true, "str_rep": "▁"}
	old, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(old)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"", "Hello  world", " ＡＢＣ\u00a0x ", "I feel sad <mask> today"} {
		ea, err := a.EncodeSequence(s, 0)
		if err != nil {
			t.Fatal(err)
		}
		eb, err := b.EncodeSequence(s, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ea, eb) {
			t.Errorf("%q: %v vs %v", s, ea, eb)
		}
	}
}

func TestLoadDebertaV2Errors(t *testing.T) {
	spm, err := os.ReadFile(filepath.Join("..", "testdata", "tokenizers", "parity", "deberta-v3", "spm.model"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := LoadDebertaV2(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing spm.model: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "spm.model"), []byte("not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDebertaV2(dir); err == nil || !strings.Contains(err.Error(), "SentencePiece") {
		t.Errorf("garbage spm.model: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "spm.model"), spm, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDebertaV2(dir); err != nil {
		t.Fatalf("spm.model alone: %v", err)
	}
	for name, cfg := range map[string]string{
		"added_tokens_decoder": `{"added_tokens_decoder": {"0": {"content": "[PAD]"}}}`,
		"mask_token object":    `{"mask_token": {"content": "[MASK]", "lstrip": true}}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadDebertaV2(dir); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: error %v, want ErrUnsupported", name, err)
		}
	}
}
