package model

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/redsm5/supermax-hpo/model/hftok"
)

// Tokenizer turns texts and text pairs into model inputs exactly as the
// Hugging Face fast tokenizer of the model folder does (package hftok:
// tokenizer.json, or a DeBERTa-v2/v3 spm.model converted as transformers
// converts it), truncated to a fixed maximum length. Its settings are fixed
// at creation, so one Tokenizer may serve concurrent Encode calls.
type Tokenizer struct {
	tk        *hftok.Tokenizer
	maxLength int
}

// Encoded is one tokenized example, special tokens included, not padded.
type Encoded struct {
	IDs     []int64
	TypeIDs []int64
	// Special is 1 at special tokens ([CLS], [SEP], <s>, </s>), else 0.
	Special []int64
	// Offsets are byte ranges [start, end) into the text the token came
	// from (the first text or the pair); special tokens have [0, 0).
	Offsets [][2]int
}

// Len is the number of tokens.
func (e Encoded) Len() int { return len(e.IDs) }

// NewTokenizer loads the tokenizer of the model folder dir — dir/tokenizer.json
// or, when there is none, dir/spm.model with dir/tokenizer_config.json (as
// microsoft/deberta-v3-* ship it) — and truncates every encoding to at
// most maxLength tokens, special tokens included, longest-first for pairs
// exactly as Hugging Face's "longest_first". Padding is left to Collate.
// Errors wrap ErrTokenizer (and hftok.ErrUnsupported for a component that
// is not reproduced exactly, named in the message) or, for a maxLength too
// small for the special tokens, ErrBadInput.
func NewTokenizer(dir string, maxLength int) (*Tokenizer, error) {
	tk, err := loadTokenizer(dir)
	if err != nil {
		return nil, err
	}
	added := tk.AddedTokens(true)
	if maxLength < added+2 {
		return nil, fmt.Errorf("%w: max_length %d leaves no room for a text pair after %d special tokens",
			ErrBadInput, maxLength, added)
	}
	return &Tokenizer{tk: tk, maxLength: maxLength}, nil
}

func loadTokenizer(dir string) (*hftok.Tokenizer, error) {
	path := filepath.Join(dir, "tokenizer.json")
	tk, err := hftok.LoadFile(path)
	if err == nil {
		return tk, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %w", ErrTokenizer, err)
	}
	if _, serr := os.Stat(filepath.Join(dir, "spm.model")); serr != nil {
		return nil, fmt.Errorf("%w: %s: neither tokenizer.json nor spm.model: %w", ErrTokenizer, dir, err)
	}
	if tk, err = hftok.LoadDebertaV2(dir); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTokenizer, err)
	}
	return tk, nil
}

// MaxLength is the truncation length given to NewTokenizer.
func (t *Tokenizer) MaxLength() int { return t.maxLength }

// VocabSize is the number of distinct tokens, added tokens included.
func (t *Tokenizer) VocabSize() int { return t.tk.VocabSize() }

// TokenID returns the id of a token string, ok false when it is unknown.
func (t *Tokenizer) TokenID(token string) (id int, ok bool) { return t.tk.TokenID(token) }

// Encode tokenizes text, or the pair (text, pair) when pair is not empty,
// truncates to MaxLength with Hugging Face's longest_first rule (see
// truncatedLengths) and adds the model's special tokens. Deterministic.
// Errors (text that is not UTF-8, a Unigram model without unk_id meeting
// an unknown character) wrap ErrTokenizer.
func (t *Tokenizer) Encode(text, pair string) (Encoded, error) {
	first, err := t.tk.EncodeSequence(text, 0)
	if err != nil {
		return Encoded{}, fmt.Errorf("%w: encode %q: %w", ErrTokenizer, abbreviate(text), err)
	}
	var second *hftok.Encoding
	if pair != "" {
		if second, err = t.tk.EncodeSequence(pair, 1); err != nil {
			return Encoded{}, fmt.Errorf("%w: encode %q: %w", ErrTokenizer, abbreviate(pair), err)
		}
	}
	budget := t.maxLength - t.tk.AddedTokens(second != nil)
	n1, n2 := truncatedLengths(first.Len(), encLen(second), budget)
	first.Truncate(n1)
	if second != nil {
		second.Truncate(n2)
	}
	return toEncoded(t.tk.PostProcess(first, second)), nil
}

func encLen(e *hftok.Encoding) int {
	if e == nil {
		return 0
	}
	return e.Len()
}

// truncatedLengths is Hugging Face's longest_first truncation of a pair of
// n1 and n2 tokens to budget tokens: the shorter (the first on a tie) keeps
// min(its length, budget/2) and the longer takes the rest. Checked against
// the tokenizers library over all 1 <= n1, n2 <= 9 and budgets 2..12
// (testdata/hf_longest_first.json).
func truncatedLengths(n1, n2, budget int) (int, int) {
	if n1+n2 <= budget {
		return n1, n2
	}
	if n1 <= n2 {
		short := min(n1, budget/2)
		return short, min(n2, budget-short)
	}
	short := min(n2, budget/2)
	return min(n1, budget-short), short
}

func toEncoded(e *hftok.Encoding) Encoded {
	return Encoded{
		IDs:     toInt64(e.IDs),
		TypeIDs: toInt64(e.TypeIDs),
		Special: toInt64(e.Special),
		Offsets: append([][2]int(nil), e.Offsets...),
	}
}

func toInt64(xs []int) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = int64(x)
	}
	return out
}

func abbreviate(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// Batch is a padded batch in row-major [Size, Len] layout, ready to become
// tensors: IDs padded with the pad id, TypeIDs with 0, Mask 1 at real
// tokens and 0 at padding.
type Batch struct {
	Size, Len int
	IDs       []int64
	TypeIDs   []int64
	Mask      []int64
}

// Collate pads examples on the right to the longest one. padID is the
// model's pad_token_id (Config.PadTokenID). Deterministic; errors wrap
// ErrBadInput for an empty batch or an empty example.
func Collate(examples []Encoded, padID int64) (Batch, error) {
	if len(examples) == 0 {
		return Batch{}, fmt.Errorf("%w: empty batch", ErrBadInput)
	}
	b := Batch{Size: len(examples)}
	for i, e := range examples {
		if e.Len() == 0 || len(e.TypeIDs) != e.Len() {
			return Batch{}, fmt.Errorf("%w: example %d has %d ids and %d type ids", ErrBadInput, i, e.Len(), len(e.TypeIDs))
		}
		b.Len = max(b.Len, e.Len())
	}
	n := b.Size * b.Len
	b.IDs, b.TypeIDs, b.Mask = make([]int64, n), make([]int64, n), make([]int64, n)
	for i, e := range examples {
		row := i * b.Len
		for j := 0; j < b.Len; j++ {
			if j < e.Len() {
				b.IDs[row+j], b.TypeIDs[row+j], b.Mask[row+j] = e.IDs[j], e.TypeIDs[j], 1
			} else {
				b.IDs[row+j] = padID
			}
		}
	}
	return b, nil
}
