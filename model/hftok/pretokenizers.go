package hftok

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// split is one piece of a pre-tokenized string; tokens is set once the
// piece is tokenized (an added token, or by the model).
type split struct {
	n      *normString
	tokens []token
	done   bool
}

// token is a model or added token with offsets in its split's normalized
// bytes.
type token struct {
	id         int
	value      string
	start, end int
}

type preTokenizer interface {
	preTokenize(splits []split) []split
}

// splitEach replaces every split not yet tokenized by the non-empty pieces
// f returns (PreTokenizedString::split).
func splitEach(splits []split, f func(n *normString) []*normString) []split {
	out := make([]split, 0, len(splits))
	for _, s := range splits {
		if s.done {
			out = append(out, s)
			continue
		}
		for _, p := range f(s.n) {
			if p.norm != "" {
				out = append(out, split{n: p})
			}
		}
	}
	return out
}

type preTokenizerSeq []preTokenizer

func (s preTokenizerSeq) preTokenize(splits []split) []split {
	for _, p := range s {
		splits = p.preTokenize(splits)
	}
	return splits
}

type preTokenizerFunc func([]split) []split

func (f preTokenizerFunc) preTokenize(s []split) []split { return f(s) }

func parsePreTokenizer(raw json.RawMessage) (preTokenizer, error) {
	if isNull(raw) {
		return nil, nil
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("pre_tokenizer: %w", err)
	}
	switch head.Type {
	case "Sequence":
		var v struct {
			PreTokenizers []json.RawMessage `json:"pretokenizers"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("pre_tokenizer Sequence: %w", err)
		}
		var seq preTokenizerSeq
		for i, r := range v.PreTokenizers {
			p, err := parsePreTokenizer(r)
			if err != nil {
				return nil, fmt.Errorf("pre_tokenizer Sequence[%d]: %w", i, err)
			}
			if p != nil {
				seq = append(seq, p)
			}
		}
		return seq, nil
	case "BertPreTokenizer":
		return preTokenizerFunc(func(s []split) []split {
			s = splitEach(s, func(n *normString) []*normString {
				return n.split(runeMatches(n.norm, isWhitespace), splitRemoved)
			})
			return splitEach(s, func(n *normString) []*normString {
				return n.split(runeMatches(n.norm, isPunctuation), splitIsolated)
			})
		}), nil
	case "WhitespaceSplit":
		return preTokenizerFunc(func(s []split) []split {
			return splitEach(s, func(n *normString) []*normString {
				return n.split(runeMatches(n.norm, isWhitespace), splitRemoved)
			})
		}), nil
	case "Punctuation":
		v := struct {
			Behavior string `json:"behavior"`
		}{Behavior: "Isolated"}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("pre_tokenizer Punctuation: %w", err)
		}
		b, ok := parseBehavior(v.Behavior)
		if !ok {
			return nil, fmt.Errorf("pre_tokenizer Punctuation: unknown behavior %q", v.Behavior)
		}
		return preTokenizerFunc(func(s []split) []split {
			return splitEach(s, func(n *normString) []*normString {
				return n.split(runeMatches(n.norm, isPunctuation), b)
			})
		}), nil
	case "Metaspace":
		return parseMetaspace(raw)
	case "ByteLevel":
		v := struct {
			AddPrefixSpace bool `json:"add_prefix_space"`
			UseRegex       bool `json:"use_regex"`
		}{AddPrefixSpace: true, UseRegex: true}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("pre_tokenizer ByteLevel: %w", err)
		}
		return byteLevel{addPrefixSpace: v.AddPrefixSpace, useRegex: v.UseRegex}, nil
	}
	return nil, fmt.Errorf("pre_tokenizer %q is not implemented", head.Type)
}

// metaspace is the Metaspace pre-tokenizer (SentencePiece's ▁ for spaces).
type metaspace struct {
	replacement rune
	prepend     string // "always", "first" or "never"
	split       bool
}

func parseMetaspace(raw json.RawMessage) (preTokenizer, error) {
	var v struct {
		Replacement    string  `json:"replacement"`
		AddPrefixSpace *bool   `json:"add_prefix_space"`
		PrependScheme  *string `json:"prepend_scheme"`
		Split          *bool   `json:"split"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("pre_tokenizer Metaspace: %w", err)
	}
	r, w := utf8.DecodeRuneInString(v.Replacement)
	if w == 0 || w != len(v.Replacement) {
		return nil, fmt.Errorf("pre_tokenizer Metaspace: replacement %q is not one character", v.Replacement)
	}
	m := metaspace{replacement: r, prepend: "always", split: true}
	if v.PrependScheme != nil {
		m.prepend = *v.PrependScheme
	}
	switch m.prepend {
	case "always", "first", "never":
	default:
		return nil, fmt.Errorf("pre_tokenizer Metaspace: unknown prepend_scheme %q", m.prepend)
	}
	if v.AddPrefixSpace != nil && !*v.AddPrefixSpace {
		if m.prepend != "never" && v.PrependScheme != nil {
			return nil, fmt.Errorf("pre_tokenizer Metaspace: add_prefix_space false does not match prepend_scheme %q", m.prepend)
		}
		m.prepend = "never"
	}
	if v.Split != nil {
		m.split = *v.Split
	}
	return m, nil
}

func (m metaspace) preTokenize(s []split) []split {
	rep := string(m.replacement)
	space := pattern{literal: " "}
	return splitEach(s, func(n *normString) []*normString {
		n.replaceMatches(space.find(n.norm), rep)
		starts := strings.HasPrefix(n.norm, rep)
		switch {
		case m.prepend == "always" && !starts, m.prepend == "first" && !starts && n.shift == 0:
			n.prepend(rep)
		}
		if !m.split {
			return []*normString{n}
		}
		return n.split(runeMatches(n.norm, func(r rune) bool { return r == m.replacement }), splitMergedWithNext)
	})
}

// byteLevel is the ByteLevel pre-tokenizer: GPT-2's split, then every byte
// as one printable character.
type byteLevel struct{ addPrefixSpace, useRegex bool }

func (b byteLevel) preTokenize(s []split) []split {
	s = splitEach(s, func(n *normString) []*normString {
		if b.addPrefixSpace && !strings.HasPrefix(n.norm, " ") {
			n.prepend(" ")
		}
		if !b.useRegex {
			return []*normString{n}
		}
		return n.split(rangeMatches(n.norm, gpt2Split(n.norm)), splitIsolated)
	})
	table := byteChars()
	for _, sp := range s {
		if sp.done {
			continue
		}
		dest := make([]change, 0, len(sp.n.norm))
		for i := 0; i < len(sp.n.norm); {
			_, w := utf8.DecodeRuneInString(sp.n.norm[i:])
			for k := 0; k < w; k++ {
				d := 0
				if k > 0 {
					d = 1
				}
				dest = append(dest, change{table[sp.n.norm[i+k]], d})
			}
			i += w
		}
		sp.n.transform(dest, 0)
	}
	return s
}

// byteChars is GPT-2's byte-to-character table.
func byteChars() [256]rune {
	var t [256]rune
	n := 0
	for b := 0; b < 256; b++ {
		if b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE && b <= 0xFF {
			t[b] = rune(b)
		} else {
			t[b] = rune(256 + n)
			n++
		}
	}
	return t
}

// gpt2Split returns the matches of GPT-2's pattern
// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// (written out by hand: Go's regexp has no look-ahead).
func gpt2Split(s string) [][2]int {
	var out [][2]int
	isL, isN := isLetterOnig, isNumberOnig
	isOtherCh := func(r rune) bool { return !isWhitespace(r) && !isL(r) && !isN(r) }
	run := func(i int, pred func(rune) bool) int { // end of the run of pred from i
		for i < len(s) {
			r, w := utf8.DecodeRuneInString(s[i:])
			if !pred(r) {
				break
			}
			i += w
		}
		return i
	}
	for i := 0; i < len(s); {
		end := -1
		if s[i] == '\'' {
			for _, c := range []string{"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"} {
				if strings.HasPrefix(s[i:], c) {
					end = i + len(c)
					break
				}
			}
		}
		if end < 0 {
			for _, pred := range []func(rune) bool{isL, isN, isOtherCh} {
				j := i
				if s[j] == ' ' {
					if e := run(j+1, pred); e > j+1 {
						end = e
						break
					}
				}
				if e := run(j, pred); e > j {
					end = e
					break
				}
			}
		}
		if end < 0 {
			// \s+(?!\S) backs off one character before a non-space; else \s+.
			e := run(i, isWhitespace)
			if e < len(s) {
				_, lastW := utf8.DecodeLastRuneInString(s[:e])
				if e-lastW > i {
					e -= lastW
				}
			}
			end = e
		}
		if end <= i { // cannot happen: every character is L, N, space or other
			_, w := utf8.DecodeRuneInString(s[i:])
			end = i + w
		}
		out = append(out, [2]int{i, end})
		i = end
	}
	return out
}
