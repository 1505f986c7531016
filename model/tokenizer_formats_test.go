package model

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestTokenizerFormatsMatchHuggingFace encodes with tokenizer.json files of
// the two other model types the search space uses — byte-level BPE
// (RoBERTa) and SentencePiece Unigram (XLM-RoBERTa) — trained by Hugging
// Face's tokenizers library on the fixture (testdata/tokenizers/README.md),
// and requires its ids.
func TestTokenizerFormatsMatchHuggingFace(t *testing.T) {
	var table struct {
		Cases []struct {
			Tokenizer string   `json:"tokenizer"`
			Text      string   `json:"text"`
			Pair      string   `json:"pair"`
			IDs       []int64  `json:"ids"`
			Tokens    []string `json:"tokens"`
		} `json:"cases"`
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "tokenizers", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &table); err != nil {
		t.Fatal(err)
	}
	toks := map[string]*Tokenizer{}
	for _, c := range table.Cases {
		tok := toks[c.Tokenizer]
		if tok == nil {
			dir := t.TempDir()
			src, err := os.ReadFile(filepath.Join("testdata", "tokenizers", c.Tokenizer+".json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), src, 0o644); err != nil {
				t.Fatal(err)
			}
			if tok, err = NewTokenizer(dir, 256); err != nil {
				t.Fatalf("%s: %v", c.Tokenizer, err)
			}
			toks[c.Tokenizer] = tok
		}
		e, err := tok.Encode(c.Text, c.Pair)
		if err != nil {
			t.Fatalf("%s %q: %v", c.Tokenizer, c.Text, err)
		}
		if !reflect.DeepEqual(e.IDs, c.IDs) {
			t.Errorf("%s %q/%q:\n got ids %v\nwant ids %v (tokens %q)", c.Tokenizer, c.Text, c.Pair, e.IDs, c.IDs, c.Tokens)
		}
	}
}
