package model

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
)

func tinyTokenizer(t *testing.T, modelType string, maxLen int) *Tokenizer {
	t.Helper()
	dir, _ := writeTiny(t, modelType, nil)
	tok, err := NewTokenizer(dir, maxLen)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func tokenID(t *testing.T, tok *Tokenizer, s string) int64 {
	t.Helper()
	id, ok := tok.TokenID(s)
	if !ok {
		t.Fatalf("token %q not in vocabulary", s)
	}
	return int64(id)
}

func TestTokenizerBertPair(t *testing.T) {
	tok := tinyTokenizer(t, "bert", 64)
	e, err := tok.Encode("I have felt sad.", "Depressed mood")
	if err != nil {
		t.Fatal(err)
	}
	cls, sep, unk := tokenID(t, tok, "[CLS]"), tokenID(t, tok, "[SEP]"), tokenID(t, tok, "[UNK]")
	want := []int64{cls, tokenID(t, tok, "i"), tokenID(t, tok, "have"), tokenID(t, tok, "felt"),
		tokenID(t, tok, "sad"), tokenID(t, tok, "."), sep, tokenID(t, tok, "depressed"), tokenID(t, tok, "mood"), sep}
	if !reflect.DeepEqual(e.IDs, want) {
		t.Fatalf("ids %v, want %v", e.IDs, want)
	}
	if wantTypes := []int64{0, 0, 0, 0, 0, 0, 0, 1, 1, 1}; !reflect.DeepEqual(e.TypeIDs, wantTypes) {
		t.Fatalf("type ids %v, want %v", e.TypeIDs, wantTypes)
	}
	if e.Special[0] != 1 || e.Special[6] != 1 || e.Special[1] != 0 {
		t.Fatalf("special mask %v", e.Special)
	}
	// "sadness" is not a fixture word: WordPiece spells it with ## pieces.
	e, err = tok.Encode("sadness", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range e.IDs {
		if id == unk {
			t.Fatalf("unknown word made of known letters gave [UNK]: %v", e.IDs)
		}
	}
	if e.Len() < 4 {
		t.Fatalf("sadness encoded as %v, want [CLS] sad ##n... [SEP]", e.IDs)
	}
}

func TestTokenizerRobertaPair(t *testing.T) {
	tok := tinyTokenizer(t, "roberta", 64)
	e, err := tok.Encode("sad", "mood")
	if err != nil {
		t.Fatal(err)
	}
	s, end := tokenID(t, tok, "<s>"), tokenID(t, tok, "</s>")
	want := []int64{s, tokenID(t, tok, "sad"), end, end, tokenID(t, tok, "mood"), end}
	if !reflect.DeepEqual(e.IDs, want) {
		t.Fatalf("ids %v, want %v", e.IDs, want)
	}
	if !reflect.DeepEqual(e.TypeIDs, make([]int64, len(want))) {
		t.Fatalf("type ids %v, want all 0", e.TypeIDs)
	}
}

func TestTokenizerTruncatesLongestFirst(t *testing.T) {
	tok := tinyTokenizer(t, "bert", 10)
	long := "I have felt sad and empty for weeks and weeks and weeks."
	e, err := tok.Encode(long, "Depressed mood")
	if err != nil {
		t.Fatal(err)
	}
	if e.Len() != 10 {
		t.Fatalf("len %d, want max_length 10: %v", e.Len(), e.IDs)
	}
	sep := tokenID(t, tok, "[SEP]")
	// [CLS] a a a a [SEP] b b [SEP]: the short pair keeps its 2 tokens.
	if e.IDs[9] != sep || e.IDs[6] != sep || e.IDs[7] != tokenID(t, tok, "depressed") {
		t.Fatalf("longest-first truncation gave %v", e.IDs)
	}
}

func TestNewTokenizerErrors(t *testing.T) {
	dir, _ := writeTiny(t, "bert", nil)
	if _, err := NewTokenizer(dir, 3); !errors.Is(err, ErrBadInput) {
		t.Fatalf("max_length 3: %v, want ErrBadInput", err)
	}
	if _, err := NewTokenizer(t.TempDir(), 16); !errors.Is(err, ErrTokenizer) {
		t.Fatalf("no tokenizer.json: %v, want ErrTokenizer", err)
	}
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "tokenizer.json"), []byte(`{"model":{"type":"Nope"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := NewTokenizer(bad, 16); !errors.Is(err, ErrTokenizer) {
		t.Fatalf("unknown model type: %v, want ErrTokenizer", err)
	}
}

func TestTokenizerConcurrentEncode(t *testing.T) {
	tok := tinyTokenizer(t, "bert", 32)
	want, err := tok.Encode(fixtureTexts[0][0], fixtureTexts[0][1])
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				got, err := tok.Encode(fixtureTexts[0][0], fixtureTexts[0][1])
				if err != nil || !reflect.DeepEqual(got.IDs, want.IDs) {
					t.Errorf("concurrent encode: %v, %v", got.IDs, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestCollate(t *testing.T) {
	a := Encoded{IDs: []int64{2, 7, 3}, TypeIDs: []int64{0, 0, 0}}
	b := Encoded{IDs: []int64{2, 3}, TypeIDs: []int64{0, 0}}
	got, err := Collate([]Encoded{a, b}, 9)
	if err != nil {
		t.Fatal(err)
	}
	want := Batch{Size: 2, Len: 3, IDs: []int64{2, 7, 3, 2, 3, 9},
		TypeIDs: []int64{0, 0, 0, 0, 0, 0}, Mask: []int64{1, 1, 1, 1, 1, 0}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Collate = %+v, want %+v", got, want)
	}
	if _, err := Collate(nil, 0); !errors.Is(err, ErrBadInput) {
		t.Fatalf("empty batch: %v", err)
	}
	if _, err := Collate([]Encoded{{}}, 0); !errors.Is(err, ErrBadInput) {
		t.Fatalf("empty example: %v", err)
	}
}

func TestTruncatedLengthsMatchHuggingFace(t *testing.T) {
	var table struct {
		Rows [][5]int `json:"rows"`
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "hf_longest_first.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &table); err != nil {
		t.Fatal(err)
	}
	if len(table.Rows) < 100 {
		t.Fatalf("only %d rows", len(table.Rows))
	}
	for _, r := range table.Rows {
		if k1, k2 := truncatedLengths(r[0], r[1], r[2]); k1 != r[3] || k2 != r[4] {
			t.Errorf("truncatedLengths(%d, %d, %d) = %d, %d; Hugging Face keeps %d, %d", r[0], r[1], r[2], k1, k2, r[3], r[4])
		}
	}
}

// The Go tokenizer gives Hugging Face's ids on the tiny folders, with
// truncation, for BERT and RoBERTa templates.
func TestTokenizerMatchesHuggingFace(t *testing.T) {
	var table struct {
		Cases []struct {
			ModelType string  `json:"model_type"`
			Text      string  `json:"text"`
			Pair      string  `json:"pair"`
			MaxLength int     `json:"max_length"`
			IDs       []int64 `json:"ids"`
		} `json:"cases"`
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "hf_tokenized.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &table); err != nil {
		t.Fatal(err)
	}
	dirs := map[string]string{}
	for _, c := range table.Cases {
		if dirs[c.ModelType] == "" {
			dirs[c.ModelType], _ = writeTiny(t, c.ModelType, nil)
		}
		tok, err := NewTokenizer(dirs[c.ModelType], c.MaxLength)
		if err != nil {
			t.Fatal(err)
		}
		e, err := tok.Encode(c.Text, c.Pair)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(e.IDs, c.IDs) {
			t.Errorf("%s max_length %d %q/%q: ids %v, Hugging Face %v", c.ModelType, c.MaxLength, c.Text, c.Pair, e.IDs, c.IDs)
		}
	}
}
