package model

import (
	"fmt"
	"path/filepath"

	"github.com/sugarme/tokenizer"
	"github.com/sugarme/tokenizer/pretrained"
)

// Tokenizer turns texts and text pairs into model inputs with the
// tokenizer.json of a Hugging Face folder (github.com/sugarme/tokenizer),
// truncated to a fixed maximum length. Its settings are fixed at creation,
// so one Tokenizer may serve concurrent Encode calls.
type Tokenizer struct {
	tk        *tokenizer.Tokenizer
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

// NewTokenizer loads dir/tokenizer.json and truncates every encoding to at
// most maxLength tokens, special tokens included, longest-first for pairs
// exactly as Hugging Face's "longest_first". Padding is left to Collate. Errors wrap ErrTokenizer or,
// for a maxLength too small for the special tokens, ErrBadInput.
func NewTokenizer(dir string, maxLength int) (*Tokenizer, error) {
	path := filepath.Join(dir, "tokenizer.json")
	tk, err := loadTokenizerFile(path)
	if err != nil {
		return nil, err
	}
	added := 0
	if pp := tk.GetPostProcessor(); pp != nil {
		added = pp.AddedTokens(true)
	}
	if maxLength < added+2 {
		return nil, fmt.Errorf("%w: max_length %d leaves no room for a text pair after %d special tokens",
			ErrBadInput, maxLength, added)
	}
	tk.WithPadding(nil)
	tk.WithTruncation(nil) // Encode truncates; see truncatedLengths
	return &Tokenizer{tk: tk, maxLength: maxLength}, nil
}

// loadTokenizerFile wraps pretrained.FromFile, which can panic on unusual
// tokenizer.json content, so that no panic leaves this package.
func loadTokenizerFile(path string) (tk *tokenizer.Tokenizer, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s: %v", ErrTokenizer, path, r)
		}
	}()
	tk, err = pretrained.FromFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrTokenizer, path, err)
	}
	return tk, nil
}

// MaxLength is the truncation length given to NewTokenizer.
func (t *Tokenizer) MaxLength() int { return t.maxLength }

// VocabSize is the vocabulary size, added tokens included.
func (t *Tokenizer) VocabSize() int { return t.tk.GetVocabSize(true) }

// TokenID returns the id of a token string, ok false when it is unknown.
func (t *Tokenizer) TokenID(token string) (id int, ok bool) { return t.tk.TokenToId(token) }

// Encode tokenizes text, or the pair (text, pair) when pair is not empty,
// truncates to MaxLength with Hugging Face's longest_first rule (see
// truncatedLengths) and adds the model's special tokens. Deterministic.
func (t *Tokenizer) Encode(text, pair string) (enc Encoded, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: encode %q: %v", ErrTokenizer, abbreviate(text), r)
		}
	}()
	first, err := t.tk.EncodeSingleSequence(tokenizer.NewInputSequence(text), 0, tokenizer.Byte)
	if err != nil {
		return Encoded{}, fmt.Errorf("%w: encode %q: %w", ErrTokenizer, abbreviate(text), err)
	}
	var second *tokenizer.Encoding
	if pair != "" {
		if second, err = t.tk.EncodeSingleSequence(tokenizer.NewInputSequence(pair), 1, tokenizer.Byte); err != nil {
			return Encoded{}, fmt.Errorf("%w: encode %q: %w", ErrTokenizer, abbreviate(pair), err)
		}
	}
	budget := t.maxLength - t.addedTokens(second != nil)
	n1, n2 := truncatedLengths(first.Len(), encLen(second), budget)
	truncate(first, n1)
	truncate(second, n2)
	return toEncoded(t.tk.PostProcess(first, second, true)), nil
}

func (t *Tokenizer) addedTokens(pair bool) int {
	if pp := t.tk.GetPostProcessor(); pp != nil {
		return pp.AddedTokens(pair)
	}
	return 0
}

func encLen(e *tokenizer.Encoding) int {
	if e == nil {
		return 0
	}
	return e.Len()
}

func truncate(e *tokenizer.Encoding, n int) {
	if e != nil && n > 0 && n < e.Len() {
		_, _ = e.Truncate(n, 0) // only fails for n <= 0, excluded above
	}
}

// truncatedLengths is Hugging Face's longest_first truncation of a pair of
// n1 and n2 tokens to budget tokens: the shorter (the first on a tie) keeps
// min(its length, budget/2) and the longer takes the rest. Checked against
// the tokenizers library over all 1 <= n1, n2 <= 9 and budgets 2..12
// (testdata/hf_longest_first.json). github.com/sugarme/tokenizer's own
// LongestFirst differs (it shortens both for every token removed), so it
// is not used.
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

func toEncoded(e *tokenizer.Encoding) Encoded {
	out := Encoded{
		IDs:     toInt64(e.GetIds()),
		TypeIDs: toInt64(e.GetTypeIds()),
		Special: toInt64(e.GetSpecialTokenMask()),
		Offsets: make([][2]int, e.Len()),
	}
	for i, o := range e.GetOffsets() {
		if len(o) == 2 {
			out.Offsets[i] = [2]int{o[0], o[1]}
		}
	}
	return out
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
