package data

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MatchKind says how an annotation's sentence was found in its post.
type MatchKind uint8

// How sentences are located, from best to worst.
const (
	// MatchNone: no passage of the post matches well enough; no span.
	MatchNone MatchKind = iota
	// MatchExact: sentence_text occurs verbatim in the post.
	MatchExact
	// MatchNormalized: it occurs once case, quote and dash variants and
	// runs of white space are folded.
	MatchNormalized
	// MatchApproximate: the most similar run of 1–3 post sentences scores
	// at least the threshold; the span covers that run.
	MatchApproximate
)

// String returns the kind's name.
func (k MatchKind) String() string {
	return [...]string{"none", "exact", "normalized", "approximate"}[k]
}

// Span is a half-open range [Start, End) of byte offsets into a post's text
// (UTF-8). Token spans are computed from it after tokenization.
type Span struct {
	Start, End int
}

// folded is a text folded for comparison, with the byte offset in the
// original text of each folded rune and the end offset of the last one.
type folded struct {
	runes []rune
	start []int // start[i] = byte offset of runes[i] in the original
	end   []int // end[i] = byte offset just after runes[i]'s source
}

// fold lowercases s, maps typographic quotes and dashes to ASCII and
// collapses each run of white space to one space, trimming both ends.
func fold(s string) folded {
	var f folded
	space := false
	for i, r := range s {
		w := utf8.RuneLen(r)
		if w < 0 {
			w = 1
		}
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && len(f.runes) > 0 {
			f.runes = append(f.runes, ' ')
			f.start = append(f.start, i)
			f.end = append(f.end, i)
		}
		space = false
		f.runes = append(f.runes, foldRune(r))
		f.start = append(f.start, i)
		f.end = append(f.end, i+w)
	}
	return f
}

// foldRune maps one rune to its comparison form.
func foldRune(r rune) rune {
	switch r {
	case '‘', '’', '‚', '′', '`':
		return '\''
	case '“', '”', '„', '″':
		return '"'
	case '–', '—', '‑', '−':
		return '-'
	case '…':
		return '.'
	}
	return unicode.ToLower(r)
}

// locate finds sentence in post: verbatim, then folded, then approximately
// (best run of 1–3 post sentences scoring at least threshold). It returns
// the span in post, how it matched, and the similarity (1 for exact and
// normalized matches). It is deterministic.
func locate(post, sentence string, threshold float64) (Span, MatchKind, float64) {
	if strings.TrimSpace(sentence) == "" {
		return Span{}, MatchNone, 0
	}
	if i := strings.Index(post, sentence); i >= 0 {
		return Span{i, i + len(sentence)}, MatchExact, 1
	}
	fp, fs := fold(post), fold(sentence)
	if i := indexRunes(fp.runes, fs.runes); i >= 0 {
		return Span{fp.start[i], fp.end[i+len(fs.runes)-1]}, MatchNormalized, 1
	}
	lo, hi, score := bestPassage(fp, fs.runes)
	if score < threshold {
		return Span{}, MatchNone, score
	}
	return Span{fp.start[lo], fp.end[hi-1]}, MatchApproximate, score
}

// indexRunes is strings.Index for rune slices.
func indexRunes(s, sub []rune) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if string(s[i:i+len(sub)]) == string(sub) {
			return i
		}
	}
	return -1
}

// maxPassage is how many consecutive post sentences an approximate match
// may span (annotators sometimes merged or split sentences).
const maxPassage = 3

// passagePenalty is subtracted from a run's similarity per sentence beyond
// the first, so that a neighbouring sentence sharing a few function words
// does not widen the span.
const passagePenalty = 0.05

// bestPassage scores every run of 1..maxPassage sentences of the folded post
// against want and returns the best run as rune offsets [lo, hi) with its
// similarity (less the passage penalty). Earlier runs win ties.
func bestPassage(post folded, want []rune) (lo, hi int, best float64) {
	bounds := sentenceBounds(post.runes)
	best = -1
	for i := range bounds {
		for j := i; j < len(bounds) && j < i+maxPassage; j++ {
			a, b := bounds[i][0], bounds[j][1]
			s := similarity(post.runes[a:b], want) - passagePenalty*float64(j-i)
			if s > best {
				lo, hi, best = a, b, s
			}
		}
	}
	return lo, hi, best
}

// sentenceBounds splits folded text into sentences: a sentence ends after
// '.', '!' or '?' (and any closing quotes) followed by a space.
func sentenceBounds(r []rune) [][2]int {
	var out [][2]int
	start := 0
	for i := 0; i < len(r); i++ {
		if r[i] != '.' && r[i] != '!' && r[i] != '?' {
			continue
		}
		j := i + 1
		for j < len(r) && (r[j] == '.' || r[j] == '!' || r[j] == '?' || r[j] == '"' || r[j] == '\'' || r[j] == ')') {
			j++
		}
		if j < len(r) && r[j] == ' ' {
			out = append(out, [2]int{start, j})
			start, i = j+1, j
		}
	}
	if start < len(r) {
		out = append(out, [2]int{start, len(r)})
	}
	return out
}

// similarity scores a passage against a sentence in [0, 1]: the larger of
// the character similarity 1 − Levenshtein/max length (robust to small
// edits) and the F1 overlap of their word stems (robust to reordered or
// reworded clauses, which paraphrased corpora are full of).
func similarity(a, b []rune) float64 {
	n := max(len(a), len(b))
	if n == 0 {
		return 1
	}
	chars := 1 - float64(editDistance(a, b))/float64(n)
	return max(chars, wordF1(stems(a), stems(b)))
}

// stemLen is how many leading runes of a word count as its stem, a crude
// stemmer that makes "sleeping" and "sleep" agree.
const stemLen = 5

// stems splits folded text into words of letters, digits and apostrophes,
// each cut to stemLen runes.
func stems(r []rune) []string {
	var out []string
	start := -1
	for i := 0; i <= len(r); i++ {
		in := i < len(r) && (unicode.IsLetter(r[i]) || unicode.IsDigit(r[i]) || r[i] == '\'')
		switch {
		case in && start < 0:
			start = i
		case !in && start >= 0:
			out = append(out, string(r[start:min(i, start+stemLen)]))
			start = -1
		}
	}
	return out
}

// wordF1 is the F1 score of the multiset overlap of two word lists.
func wordF1(a, b []string) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	count := make(map[string]int, len(a))
	for _, w := range a {
		count[w]++
	}
	common := 0
	for _, w := range b {
		if count[w] > 0 {
			count[w]--
			common++
		}
	}
	return 2 * float64(common) / float64(len(a)+len(b))
}
