package hftok

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrUnsupported marks a tokenizer file or model whose components this
// package does not reproduce exactly; the message names the component.
var ErrUnsupported = errors.New("tokenizer component not reproduced exactly")

// Tokenizer is a loaded tokenizer pipeline: added tokens, normalizer,
// pre-tokenizer, model and post-processor. It is immutable after loading,
// so one Tokenizer may serve concurrent calls.
type Tokenizer struct {
	normalizer normalizer
	pre        preTokenizer
	model      tokenModel
	post       postProcessor
	added      []addedToken
	rawAdded   []addedToken // matched in the raw text (normalized false)
	normAdded  []addedToken // matched in the normalized text, content normalized
	vocab      map[string]int
}

type addedToken struct {
	ID         int    `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
	pattern    string
}

// Encoding is one tokenized sequence or pair.
type Encoding struct {
	IDs     []int
	TypeIDs []int
	Tokens  []string
	// Offsets are byte ranges [start, end) into the text the token came
	// from; special tokens added by the post-processor have [0, 0).
	Offsets [][2]int
	// Special is 1 at tokens added by the post-processor, else 0.
	Special []int
}

// Len is the number of tokens.
func (e *Encoding) Len() int { return len(e.IDs) }

// Truncate keeps the first n tokens.
func (e *Encoding) Truncate(n int) {
	if n < 0 || n >= e.Len() {
		return
	}
	e.IDs, e.TypeIDs, e.Tokens, e.Offsets, e.Special = e.IDs[:n], e.TypeIDs[:n], e.Tokens[:n], e.Offsets[:n], e.Special[:n]
}

func (e *Encoding) append(o *Encoding) {
	e.IDs = append(e.IDs, o.IDs...)
	e.TypeIDs = append(e.TypeIDs, o.TypeIDs...)
	e.Tokens = append(e.Tokens, o.Tokens...)
	e.Offsets = append(e.Offsets, o.Offsets...)
	e.Special = append(e.Special, o.Special...)
}

func (e *Encoding) clone() *Encoding {
	c := &Encoding{}
	c.append(e)
	return c
}

// LoadFile reads a tokenizer.json file.
func LoadFile(path string) (*Tokenizer, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Parse reads the content of a tokenizer.json file. Components it does not
// reproduce exactly are errors wrapping ErrUnsupported and naming them.
func Parse(raw []byte) (*Tokenizer, error) {
	var f struct {
		AddedTokens   []addedToken    `json:"added_tokens"`
		Normalizer    json.RawMessage `json:"normalizer"`
		PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
		Model         json.RawMessage `json:"model"`
		PostProcessor json.RawMessage `json:"post_processor"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	if isNull(f.Model) {
		return nil, errors.New("tokenizer.json has no model")
	}
	t := &Tokenizer{}
	var err error
	if t.normalizer, err = parseNormalizer(f.Normalizer); err != nil {
		return nil, unsupported(err)
	}
	if t.pre, err = parsePreTokenizer(f.PreTokenizer); err != nil {
		return nil, unsupported(err)
	}
	if t.model, err = parseModel(f.Model); err != nil {
		return nil, unsupported(err)
	}
	if t.post, err = parsePostProcessor(f.PostProcessor); err != nil {
		return nil, unsupported(err)
	}
	if err := t.setAdded(f.AddedTokens); err != nil {
		return nil, err
	}
	return t, nil
}

func unsupported(err error) error {
	if strings.Contains(err.Error(), "not implemented") || strings.Contains(err.Error(), "not reproduced") ||
		strings.Contains(err.Error(), "not supported") {
		return fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	return err
}

func (t *Tokenizer) setAdded(added []addedToken) error {
	t.added = added
	t.vocab = make(map[string]int, len(t.model.vocab())+len(added))
	for k, v := range t.model.vocab() {
		t.vocab[k] = v
	}
	for _, a := range added {
		if a.Content == "" {
			return fmt.Errorf("added token %d has empty content", a.ID)
		}
		t.vocab[a.Content] = a.ID
		if a.Normalized {
			n := newNormString(a.Content)
			if t.normalizer != nil {
				t.normalizer.normalize(n)
			}
			a.pattern = n.norm
			if a.pattern != "" {
				t.normAdded = append(t.normAdded, a)
			}
		} else {
			a.pattern = a.Content
			t.rawAdded = append(t.rawAdded, a)
		}
	}
	return nil
}

// TokenID is the id of a token (added tokens first), ok false when unknown.
func (t *Tokenizer) TokenID(s string) (int, bool) {
	for _, a := range t.added {
		if a.Content == s {
			return a.ID, true
		}
	}
	id, ok := t.model.vocab()[s]
	return id, ok
}

// VocabSize is the number of distinct token strings, added tokens
// included.
func (t *Tokenizer) VocabSize() int { return len(t.vocab) }

// AddedTokens is the number of special tokens the post-processor adds to a
// single sequence (pair false) or a pair.
func (t *Tokenizer) AddedTokens(pair bool) int {
	if t.post == nil {
		return 0
	}
	return t.post.added(pair)
}

// EncodeSequence tokenizes one text without special tokens, type ids
// typeID. The text must be valid UTF-8.
func (t *Tokenizer) EncodeSequence(text string, typeID int) (*Encoding, error) {
	if !utf8.ValidString(text) {
		return nil, fmt.Errorf("text %q is not valid UTF-8", abbreviate(text))
	}
	splits := []split{{n: newNormString(text)}}
	splits = t.extractAdded(splits, t.rawAdded, nil)
	splits = t.extractAdded(splits, t.normAdded, t.normalizer)
	if t.pre != nil {
		splits = t.pre.preTokenize(splits)
	}
	enc := &Encoding{}
	for _, s := range splits {
		toks := s.tokens
		if !s.done {
			var err error
			if toks, err = t.model.tokenize(s.n.norm); err != nil {
				return nil, err
			}
		}
		for _, tk := range toks {
			start, end := tk.start, tk.end
			if os, oe, ok := s.n.normalizedToOriginal(tk.start, tk.end); ok {
				start, end = s.n.shift+os, s.n.shift+oe
			}
			enc.IDs = append(enc.IDs, tk.id)
			enc.TypeIDs = append(enc.TypeIDs, typeID)
			enc.Tokens = append(enc.Tokens, tk.value)
			enc.Offsets = append(enc.Offsets, [2]int{start, end})
			enc.Special = append(enc.Special, 0)
		}
	}
	return enc, nil
}

// PostProcess adds the special tokens to first and, when not nil, second
// (already truncated) and merges them. It does not modify its arguments.
func (t *Tokenizer) PostProcess(first, second *Encoding) *Encoding {
	encs := []*Encoding{first.clone()}
	if second != nil {
		encs = append(encs, second.clone())
	}
	if t.post != nil {
		encs = t.post.process(encs)
	}
	out := &Encoding{}
	for _, e := range encs {
		out.append(e)
	}
	return out
}

// extractAdded splits every piece not yet tokenized at the added tokens of
// list (AddedVocabulary::extract_and_normalize, one of its two passes); n,
// when not nil, normalizes each piece first.
func (t *Tokenizer) extractAdded(splits []split, list []addedToken, n normalizer) []split {
	out := make([]split, 0, len(splits))
	for _, s := range splits {
		if s.done {
			out = append(out, s)
			continue
		}
		if n != nil {
			n.normalize(s.n)
		}
		for _, m := range findAdded(s.n.norm, list) {
			p := s.n.slice(m.start, m.end)
			if p == nil || p.norm == "" {
				continue
			}
			sp := split{n: p}
			if m.token != nil {
				sp.done = true
				sp.tokens = []token{{id: m.token.ID, value: p.norm, start: 0, end: len(p.norm)}}
			}
			out = append(out, sp)
		}
	}
	return out
}

type addedMatch struct {
	start, end int
	token      *addedToken
}

// findAdded finds the added tokens in s, leftmost-longest and
// non-overlapping, with their single_word, lstrip and rstrip rules
// (AddedVocabulary::find_matches).
func findAdded(s string, list []addedToken) []addedMatch {
	if s == "" || len(list) == 0 {
		return []addedMatch{{0, len(s), nil}}
	}
	var out []addedMatch
	startOffset := 0
	for i := 0; i < len(s); {
		best := -1
		for k := range list {
			p := list[k].pattern
			if strings.HasPrefix(s[i:], p) && (best < 0 || len(p) > len(list[best].pattern)) {
				best = k
			}
		}
		if best < 0 {
			i++
			continue
		}
		a := &list[best]
		start, stop := i, i+len(a.pattern)
		i = stop
		if a.SingleWord {
			startSpace := start == 0 || !endsWithWord(s[:start])
			stopSpace := stop == len(s) || !startsWithWord(s[stop:])
			if !startSpace || !stopSpace {
				continue
			}
		}
		if a.LStrip {
			start = max(trailingSpaceStart(s[:start]), startOffset)
		}
		if a.RStrip {
			stop += leadingSpaceLen(s[stop:])
		}
		if startOffset < start {
			out = append(out, addedMatch{startOffset, start, nil})
		}
		out = append(out, addedMatch{start, stop, a})
		startOffset = stop
	}
	if startOffset != len(s) {
		out = append(out, addedMatch{startOffset, len(s), nil})
	}
	return out
}

// isWordChar is the Unicode \w of Rust's regex crate.
func isWordChar(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.In(r, unicode.M, unicode.Pc, unicode.Nl, unicode.Other_Alphabetic) ||
		r == 0x200C || r == 0x200D
}

func endsWithWord(s string) bool {
	r, w := utf8.DecodeLastRuneInString(s)
	return w > 0 && isWordChar(r)
}

func startsWithWord(s string) bool {
	r, w := utf8.DecodeRuneInString(s)
	return w > 0 && isWordChar(r)
}

func trailingSpaceStart(s string) int {
	i := len(s)
	for i > 0 {
		r, w := utf8.DecodeLastRuneInString(s[:i])
		if !isWhitespace(r) {
			break
		}
		i -= w
	}
	return i
}

func leadingSpaceLen(s string) int {
	i := 0
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		if !isWhitespace(r) {
			break
		}
		i += w
	}
	return i
}

func abbreviate(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
