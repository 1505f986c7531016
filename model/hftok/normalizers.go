package hftok

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// normalizer is one Hugging Face normalizer.
type normalizer interface {
	normalize(n *normString)
}

type normalizerFunc func(n *normString)

func (f normalizerFunc) normalize(n *normString) { f(n) }

type normalizerSeq []normalizer

func (s normalizerSeq) normalize(n *normString) {
	for _, x := range s {
		x.normalize(n)
	}
}

// parseNormalizer reads a tokenizer.json "normalizer" object. Every type
// and option it does not reproduce exactly is an error naming it.
func parseNormalizer(raw json.RawMessage) (normalizer, error) {
	if isNull(raw) {
		return nil, nil
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("normalizer: %w", err)
	}
	switch head.Type {
	case "Sequence":
		var v struct {
			Normalizers []json.RawMessage `json:"normalizers"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("normalizer Sequence: %w", err)
		}
		var seq normalizerSeq
		for i, r := range v.Normalizers {
			x, err := parseNormalizer(r)
			if err != nil {
				return nil, fmt.Errorf("normalizer Sequence[%d]: %w", i, err)
			}
			if x != nil {
				seq = append(seq, x)
			}
		}
		return seq, nil
	case "BertNormalizer":
		v := struct {
			CleanText          bool  `json:"clean_text"`
			HandleChineseChars bool  `json:"handle_chinese_chars"`
			StripAccents       *bool `json:"strip_accents"`
			Lowercase          bool  `json:"lowercase"`
		}{CleanText: true, HandleChineseChars: true, Lowercase: true}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("normalizer BertNormalizer: %w", err)
		}
		strip := v.Lowercase
		if v.StripAccents != nil {
			strip = *v.StripAccents
		}
		return bertNormalizer{clean: v.CleanText, chinese: v.HandleChineseChars, strip: strip, lower: v.Lowercase}, nil
	case "Lowercase":
		return normalizerFunc(lowercase), nil
	case "NFD":
		return normalizerFunc(func(n *normString) { n.transform(decomposeChanges(n.norm, false), 0) }), nil
	case "NFKD":
		return normalizerFunc(func(n *normString) { n.transform(decomposeChanges(n.norm, true), 0) }), nil
	case "NFC":
		return normalizerFunc(func(n *normString) { n.transform(composeChanges(n.norm, false), 0) }), nil
	case "NFKC":
		return normalizerFunc(func(n *normString) { n.transform(composeChanges(n.norm, true), 0) }), nil
	case "Nmt":
		return normalizerFunc(nmt), nil
	case "StripAccents":
		return normalizerFunc(func(n *normString) { n.filter(func(r rune) bool { return !isCombiningMark(r) }) }), nil
	case "Strip":
		var v struct {
			Left  bool `json:"strip_left"`
			Right bool `json:"strip_right"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("normalizer Strip: %w", err)
		}
		return normalizerFunc(func(n *normString) { stripNormalizer(n, v.Left, v.Right) }), nil
	case "Prepend":
		var v struct {
			Prepend string `json:"prepend"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("normalizer Prepend: %w", err)
		}
		return normalizerFunc(func(n *normString) {
			if n.norm != "" {
				n.prepend(v.Prepend)
			}
		}), nil
	case "Replace":
		var v struct {
			Pattern struct {
				String *string `json:"String"`
				Regex  *string `json:"Regex"`
			} `json:"pattern"`
			Content string `json:"content"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("normalizer Replace: %w", err)
		}
		p, err := newPattern(v.Pattern.String, v.Pattern.Regex)
		if err != nil {
			return nil, fmt.Errorf("normalizer Replace: %w", err)
		}
		return replaceNormalizer{p, v.Content}, nil
	case "Precompiled":
		var v struct {
			Charsmap *string `json:"precompiled_charsmap"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("normalizer Precompiled: %w", err)
		}
		if v.Charsmap == nil || *v.Charsmap == "" {
			// An empty charsmap normalizes nothing (SentencePiece's identity rule).
			return nil, nil
		}
		b, err := base64.StdEncoding.DecodeString(*v.Charsmap)
		if err != nil {
			return nil, fmt.Errorf("normalizer Precompiled: precompiled_charsmap: %w", err)
		}
		p, err := parsePrecompiled(b)
		if err != nil {
			return nil, fmt.Errorf("normalizer Precompiled: %w", err)
		}
		return normalizerFunc(p.normalize), nil
	}
	return nil, fmt.Errorf("normalizer %q is not implemented", head.Type)
}

func isNull(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "" || s == "null"
}

type bertNormalizer struct{ clean, chinese, strip, lower bool }

func (b bertNormalizer) normalize(n *normString) {
	if b.clean {
		n.filter(func(r rune) bool {
			if r == '\t' || r == '\n' || r == '\r' {
				return true
			}
			return !(r == 0 || r == 0xFFFD || isOther(r))
		})
		n.mapRunes(func(r rune) rune {
			if isWhitespace(r) {
				return ' '
			}
			return r
		})
	}
	if b.chinese {
		dest := make([]change, 0, len(n.norm))
		for _, r := range n.norm {
			if isChineseChar(r) {
				dest = append(dest, change{' ', 0}, change{r, 1}, change{' ', 1})
			} else {
				dest = append(dest, change{r, 0})
			}
		}
		n.transform(dest, 0)
	}
	if b.strip {
		n.transform(decomposeChanges(n.norm, false), 0)
		n.filter(func(r rune) bool { return !isMarkNonspacing(r) })
	}
	if b.lower {
		lowercase(n)
	}
}

func lowercase(n *normString) {
	dest := make([]change, 0, len(n.norm))
	for _, r := range n.norm {
		for i, l := range lowerRunes(r) {
			d := 0
			if i > 0 {
				d = 1
			}
			dest = append(dest, change{l, d})
		}
	}
	n.transform(dest, 0)
}

func stripNormalizer(n *normString, left, right bool) {
	if left && right {
		n.lrstrip(true, true)
		return
	}
	if left {
		n.lrstrip(true, false)
	}
	if right {
		n.lrstrip(false, true)
	}
}

// nmt is the Nmt normalizer: SentencePiece's control-character removal and
// space mapping.
func nmt(n *normString) {
	n.filter(func(r rune) bool {
		switch {
		case r >= 0x01 && r <= 0x08, r == 0x0B, r >= 0x0E && r <= 0x1F, r == 0x7F, r == 0x8F, r == 0x9F:
			return false
		}
		return true
	})
	n.mapRunes(func(r rune) rune {
		switch {
		case r == 0x09, r == 0x0A, r == 0x0C, r == 0x0D, r == 0x1680, r >= 0x200B && r <= 0x200F,
			r == 0x2028, r == 0x2029, r == 0x2581, r == 0xFEFF, r == 0xFFFD:
			return ' '
		}
		return r
	})
}

// pattern is a Replace or Split pattern: a literal string or a regular
// expression.
type pattern struct {
	literal string
	re      *regexp.Regexp
}

// newPattern accepts a literal or a regular expression whose meaning is the
// same in Go's RE2 syntax and in Oniguruma (Hugging Face's engine): no
// look-around or back-references (Go rejects them), no \s \w \d \b classes
// (ASCII in Go, Unicode in Oniguruma) and no empty matches.
func newPattern(lit, re *string) (pattern, error) {
	switch {
	case lit != nil:
		if *lit == "" {
			return pattern{}, fmt.Errorf("empty String pattern")
		}
		return pattern{literal: *lit}, nil
	case re != nil:
		for _, esc := range []string{`\s`, `\S`, `\w`, `\W`, `\d`, `\D`, `\b`, `\B`} {
			if strings.Contains(*re, esc) {
				return pattern{}, fmt.Errorf("regex %q: %s has Unicode semantics in Hugging Face's Oniguruma and ASCII in Go; not reproduced", *re, esc)
			}
		}
		r, err := regexp.Compile(*re)
		if err != nil {
			return pattern{}, fmt.Errorf("regex %q is not supported: %w", *re, err)
		}
		if r.MatchString("") {
			return pattern{}, fmt.Errorf("regex %q matches the empty string; not reproduced", *re)
		}
		return pattern{re: r}, nil
	}
	return pattern{}, fmt.Errorf("pattern has neither String nor Regex")
}

func (p pattern) find(s string) [][2]int {
	var out [][2]int
	if p.re != nil {
		for _, m := range p.re.FindAllStringIndex(s, -1) {
			out = append(out, [2]int{m[0], m[1]})
		}
		return out
	}
	for i := 0; i <= len(s)-len(p.literal); {
		j := strings.Index(s[i:], p.literal)
		if j < 0 {
			break
		}
		out = append(out, [2]int{i + j, i + j + len(p.literal)})
		i += j + len(p.literal)
	}
	return out
}

type replaceNormalizer struct {
	p       pattern
	content string
}

func (r replaceNormalizer) normalize(n *normString) { n.replaceMatches(r.p.find(n.norm), r.content) }
