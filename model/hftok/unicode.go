package hftok

import (
	"sort"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// isWhitespace is Rust's char::is_whitespace (the White_Space property).
func isWhitespace(r rune) bool {
	switch {
	case r >= 0x09 && r <= 0x0D, r == 0x20, r == 0x85, r == 0xA0, r == 0x1680,
		r >= 0x2000 && r <= 0x200A, r == 0x2028, r == 0x2029, r == 0x202F, r == 0x205F, r == 0x3000:
		return true
	}
	return false
}

// isPunctuation is the punctuation test of BertPreTokenizer and
// Punctuation: ASCII punctuation or a Unicode P* category of
// unicode_categories (Unicode 9; see hfNotPunctRanges).
func isPunctuation(r rune) bool {
	if r < 0x80 {
		return r >= '!' && r <= '/' || r >= ':' && r <= '@' || r >= '[' && r <= '`' || r >= '{' && r <= '~'
	}
	if r == hfPunctExtra[0] || r == hfPunctExtra[1] {
		return true
	}
	return unicode.IsPunct(r) && !inRanges(hfNotPunctRanges, r)
}

// isLetterOnig and isNumberOnig are \p{L} and \p{N} of the Oniguruma that
// Hugging Face's ByteLevel pre-tokenizer uses.
func isLetterOnig(r rune) bool { return unicode.IsLetter(r) && !inRanges(onigUnknownRanges, r) }
func isNumberOnig(r rune) bool { return unicode.IsNumber(r) && !inRanges(onigUnknownRanges, r) }

func inRanges(rs [][2]rune, r rune) bool {
	i := sort.Search(len(rs), func(i int) bool { return rs[i][1] >= r })
	return i < len(rs) && rs[i][0] <= r
}

// isOther is unicode_categories' is_other as Hugging Face's BertNormalizer
// sees it: Cc, Cf, Co or Cs (its table of unassigned code points does not
// make them "other" in practice: a sweep of every code point through
// Hugging Face keeps them).
func isOther(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs) && !unknownToHF(r)
}

// unknownToHF reports whether r is one of the characters Hugging Face's
// Unicode 9 tables do not know (hfUnknownRanges).
func unknownToHF(r rune) bool { return inRanges(hfUnknownRanges, r) }

// isMarkNonspacing is the Mn category of unicode_categories (Unicode 9:
// U+1734 was Mn there, Mc since).
func isMarkNonspacing(r rune) bool {
	return r == 0x1734 || unicode.Is(unicode.Mn, r) && !unknownToHF(r)
}

// isCombiningMark is unicode-normalization's is_combining_mark (the M*
// categories).
func isCombiningMark(r rune) bool {
	return unicode.In(r, unicode.Mn, unicode.Mc, unicode.Me) && !unknownToHF(r)
}

// isChineseChar is BertNormalizer's CJK test.
func isChineseChar(r rune) bool {
	return r >= 0x4E00 && r <= 0x9FFF || r >= 0x3400 && r <= 0x4DBF || r >= 0x20000 && r <= 0x2A6DF ||
		r >= 0x2A700 && r <= 0x2B73F || r >= 0x2B740 && r <= 0x2B81F || r >= 0x2B920 && r <= 0x2CEAF ||
		r >= 0xF900 && r <= 0xFAFF || r >= 0x2F800 && r <= 0x2FA1F
}

// lowerRunes is Rust's char::to_lowercase: the simple lower-case mapping
// except U+0130, whose full mapping is two characters.
func lowerRunes(r rune) []rune {
	if r == 0x130 {
		return []rune{'i', 0x307}
	}
	return []rune{unicode.ToLower(r)}
}

// Hangul syllable constants (Unicode §3.12).
const (
	hangulSBase  = 0xAC00
	hangulLBase  = 0x1100
	hangulVBase  = 0x1161
	hangulTBase  = 0x11A7
	hangulLCount = 19
	hangulVCount = 21
	hangulTCount = 28
	hangulNCount = hangulVCount * hangulTCount
	hangulSCount = hangulLCount * hangulNCount
)

// decompose appends the full canonical (or, compat, compatibility)
// decomposition of r.
func decompose(r rune, compat bool, out []rune) []rune {
	if r >= hangulSBase && r < hangulSBase+hangulSCount {
		s := r - hangulSBase
		out = append(out, hangulLBase+s/hangulNCount, hangulVBase+(s%hangulNCount)/hangulTCount)
		if t := s % hangulTCount; t != 0 {
			out = append(out, hangulTBase+t)
		}
		return out
	}
	if unknownToHF(r) {
		return append(out, r)
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	f := norm.NFD
	if compat {
		f = norm.NFKD
	}
	d := f.Properties(buf[:n]).Decomposition()
	if d == nil {
		return append(out, r)
	}
	for len(d) > 0 {
		c, w := utf8.DecodeRune(d)
		out = append(out, c)
		d = d[w:]
	}
	return out
}

func ccc(r rune) uint8 {
	if unknownToHF(r) {
		return 0
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	return norm.NFD.Properties(buf[:n]).CCC()
}

// decomposeChanges is unicode-normalization-alignments' Decompositions: the
// decomposed characters, canonically ordered, each marked 0 if it is the
// first character of its source character's decomposition, else 1.
func decomposeChanges(s string, compat bool) []change {
	type item struct {
		class uint8
		c     change
	}
	out := make([]change, 0, len(s))
	var pending []item // characters since the last starter, not yet sorted
	flush := func() {
		sort.SliceStable(pending, func(i, j int) bool { return pending[i].class < pending[j].class })
		for _, it := range pending {
			out = append(out, it.c)
		}
		pending = pending[:0]
	}
	var tmp []rune
	for _, r := range s {
		tmp = decompose(r, compat, tmp[:0])
		for i, d := range tmp {
			cl := ccc(d)
			if cl == 0 {
				flush()
			}
			ch := change{d, 0}
			if i > 0 {
				ch.d = 1
			}
			pending = append(pending, item{cl, ch})
		}
	}
	flush()
	return out
}

// compose is the primary composite of a and b, ok false when there is none.
func compose(a, b rune) (rune, bool) {
	if a < 0x80 && b < 0x80 {
		return 0, false
	}
	// Hangul LV and LVT.
	if a >= hangulLBase && a < hangulLBase+hangulLCount && b >= hangulVBase && b < hangulVBase+hangulVCount {
		return hangulSBase + ((a-hangulLBase)*hangulVCount+(b-hangulVBase))*hangulTCount, true
	}
	if a >= hangulSBase && a < hangulSBase+hangulSCount && (a-hangulSBase)%hangulTCount == 0 &&
		b > hangulTBase && b < hangulTBase+hangulTCount {
		return a + (b - hangulTBase), true
	}
	s := norm.NFC.String(string([]rune{a, b}))
	c, w := utf8.DecodeRuneInString(s)
	if w != len(s) || c == a {
		return 0, false
	}
	return c, true
}

// composeChanges is unicode-normalization-alignments' Recompositions over
// decomposeChanges: NFC (compat false) or NFKC, with the alignment changes
// that Hugging Face's NormalizedString consumes.
func composeChanges(s string, compat bool) []change {
	in := decomposeChanges(s, compat)
	out := make([]change, 0, len(in))
	var buffer []change
	var composee change
	haveComposee := false
	lastCCC := -1 // -1: None
	for _, ch := range in {
		cl := int(ccc(ch.r))
		if !haveComposee {
			if cl != 0 {
				out = append(out, ch)
				continue
			}
			composee, haveComposee = ch, true
			continue
		}
		if lastCCC < 0 {
			if r, ok := compose(composee.r, ch.r); ok {
				composee = change{r, composee.d + ch.d - 1}
				continue
			}
			if cl == 0 {
				out = append(out, composee)
				composee = ch
				continue
			}
			buffer = append(buffer, ch)
			lastCCC = cl
			continue
		}
		if lastCCC >= cl {
			if cl == 0 {
				out = append(out, composee)
				out = append(out, buffer...)
				buffer = buffer[:0]
				composee = ch
				lastCCC = -1
				continue
			}
			buffer = append(buffer, ch)
			lastCCC = cl
			continue
		}
		if r, ok := compose(composee.r, ch.r); ok {
			composee = change{r, composee.d + ch.d - 1}
			continue
		}
		buffer = append(buffer, ch)
		lastCCC = cl
	}
	if haveComposee {
		out = append(out, composee)
	}
	return append(out, buffer...)
}
