package hftok

import (
	"strings"
	"unicode/utf8"
)

// normString is a piece of the input text being normalized, with, for
// every byte of the normalized text, the byte range of the original text it
// came from (relative to this piece's original text, which starts at byte
// shift of the whole input). It follows the alignment rules of Hugging
// Face's NormalizedString exactly, since token offsets are read from them.
type normString struct {
	original string
	norm     string
	align    [][2]int
	shift    int
}

func newNormString(s string) *normString {
	n := &normString{original: s, norm: s, align: make([][2]int, len(s))}
	for i, r := range s {
		w := utf8.RuneLen(r)
		if r == utf8.RuneError && w < 0 {
			w = 1
		}
		for k := 0; k < w && i+k < len(s); k++ {
			n.align[i+k] = [2]int{i, i + w}
		}
	}
	return n
}

// change is one character of a transformation: d == 0 replaces the next
// character, d > 0 inserts a character, d < 0 replaces the next character
// and removes -d more after it.
type change struct {
	r rune
	d int
}

// originalToNormalized converts a range of the original text to a range of
// the normalized text (NormalizedString::convert_offsets with an Original
// range); ok is false where Hugging Face returns None.
func (n *normString) originalToNormalized(start, end int) (int, int, bool) {
	if start == end {
		return start, end, true
	}
	if start > end {
		return 0, 0, false
	}
	if n.original == "" && start == 0 && end == 0 {
		return 0, len(n.norm), true
	}
	s, e := -1, -1
	for i, a := range n.align {
		if end < a[1] {
			break
		}
		if s < 0 && start <= a[0] && a[0] != a[1] {
			s = i
		}
		if end >= a[1] {
			e = i + 1
		}
	}
	switch {
	case s >= 0 && e < 0:
		return s, s, true
	case s < 0 && e >= 0:
		return e, e, true
	case s >= 0 && e >= 0:
		return s, e, true
	}
	return 0, 0, false
}

// normalizedToOriginal converts a range of the normalized text to a range
// of this piece's original text (convert_offsets with a Normalized range).
func (n *normString) normalizedToOriginal(start, end int) (int, int, bool) {
	if start == end {
		return start, end, true
	}
	if start > end {
		return 0, 0, false
	}
	if n.norm == "" && start == 0 && end == 0 {
		return 0, len(n.original), true
	}
	if end > len(n.align) {
		return 0, 0, false
	}
	return n.align[start][0], n.align[end-1][1], true
}

// transform replaces the whole normalized text by dest (transform with
// Range::Original(..)).
func (n *normString) transform(dest []change, initialOffset int) {
	s, e, ok := n.originalToNormalized(0, len(n.original))
	if !ok {
		return
	}
	n.transformRange(s, e, dest, initialOffset)
}

// transformRange replaces the normalized bytes [start, end) by dest, the
// first initialOffset characters of the range being removed before dest
// starts (NormalizedString::transform_range).
func (n *normString) transformRange(start, end int, dest []change, initialOffset int) {
	replaced := []rune(n.norm[start:end])
	ri := 0
	offset := start
	for ; ri < initialOffset && ri < len(replaced); ri++ {
		offset += utf8.RuneLen(replaced[ri])
	}
	var sb strings.Builder
	align := make([][2]int, 0, end-start)
	for _, ch := range dest {
		var a [2]int
		if ch.d > 0 {
			if offset >= 1 && offset-1 < len(n.align) {
				a = n.align[offset-1]
			}
		} else if offset < len(n.align) {
			a = n.align[offset]
		}
		if ch.d <= 0 && ri < len(replaced) {
			offset += utf8.RuneLen(replaced[ri])
			ri++
		}
		for k := 0; ch.d < 0 && k < -ch.d && ri < len(replaced); k++ {
			offset += utf8.RuneLen(replaced[ri])
			ri++
		}
		w := utf8.RuneLen(ch.r)
		for k := 0; k < w; k++ {
			align = append(align, a)
		}
		sb.WriteRune(ch.r)
	}
	newAlign := make([][2]int, 0, len(n.align)-(end-start)+len(align))
	newAlign = append(append(append(newAlign, n.align[:start]...), align...), n.align[end:]...)
	n.align = newAlign
	n.norm = n.norm[:start] + sb.String() + n.norm[end:]
}

// mapRunes replaces every character by f of it (NormalizedString::map).
func (n *normString) mapRunes(f func(rune) rune) {
	dest := make([]change, 0, len(n.norm))
	for _, r := range n.norm {
		dest = append(dest, change{f(r), 0})
	}
	n.transform(dest, 0)
}

// filter keeps the characters for which keep is true
// (NormalizedString::filter).
func (n *normString) filter(keep func(rune) bool) {
	removed, removedStart := 0, 0
	dest := make([]change, 0, len(n.norm))
	var last rune
	haveLast := false
	for _, r := range n.norm {
		if keep(r) {
			if haveLast {
				dest = append(dest, change{last, -removed})
			} else {
				removedStart = removed
			}
			last, haveLast = r, true
			removed = 0
		} else {
			removed++
		}
	}
	if haveLast {
		dest = append(dest, change{last, -removed})
	}
	n.transform(dest, removedStart)
}

// prepend inserts s before the first character (NormalizedString::prepend).
func (n *normString) prepend(s string) {
	next, w := utf8.DecodeRuneInString(n.norm)
	if w == 0 {
		return
	}
	var dest []change
	i := 0
	for _, r := range s {
		d := 0
		if i != 0 {
			d = 1
		}
		dest = append(dest, change{r, d})
		i++
	}
	dest = append(dest, change{next, 1})
	n.transformRange(0, w, dest, 0)
}

// lrstrip removes leading and/or trailing white space
// (NormalizedString::lrstrip).
func (n *normString) lrstrip(left, right bool) {
	runes := []rune(n.norm)
	lead, trail := 0, 0
	if left {
		for lead < len(runes) && isWhitespace(runes[lead]) {
			lead++
		}
	}
	if right {
		for trail < len(runes) && isWhitespace(runes[len(runes)-1-trail]) {
			trail++
		}
	}
	if lead == 0 && trail == 0 {
		return
	}
	count := len(runes)
	var dest []change
	for i, r := range runes {
		switch {
		case i < lead || i >= count-trail:
		case i == len(n.norm)-trail-1:
			// Hugging Face compares a character index with the byte length
			// here; kept as is, since alignments depend on it.
			dest = append(dest, change{r, -trail})
		default:
			dest = append(dest, change{r, 0})
		}
	}
	n.transform(dest, lead)
}

// replaceMatches replaces every match [start, end) by content
// (NormalizedString::replace).
func (n *normString) replaceMatches(matches [][2]int, content string) {
	if len(matches) == 0 {
		return
	}
	var sb strings.Builder
	align := make([][2]int, 0, len(n.align))
	last := 0
	for _, m := range matches {
		start, end := m[0], m[1]
		sb.WriteString(n.norm[last:start])
		align = append(align, n.align[last:start]...)
		// Every content character is an insertion after the removed match,
		// so it takes the alignment of the match's last byte.
		var a [2]int
		if end >= 1 {
			a = n.align[end-1]
		}
		for _, r := range content {
			for k := 0; k < utf8.RuneLen(r); k++ {
				align = append(align, a)
			}
			sb.WriteRune(r)
		}
		last = end
	}
	sb.WriteString(n.norm[last:])
	align = append(align, n.align[last:]...)
	n.norm, n.align = sb.String(), align
}

// slice returns the piece of n covering normalized bytes [start, end)
// (NormalizedString::slice with a Normalized range).
func (n *normString) slice(start, end int) *normString {
	os, oe, ok := n.normalizedToOriginal(start, end)
	if !ok {
		return nil
	}
	out := &normString{
		original: n.original[os:oe],
		norm:     n.norm[start:end],
		align:    make([][2]int, end-start),
		shift:    n.shift + os,
	}
	for i, a := range n.align[start:end] {
		out.align[i] = [2]int{a[0] - os, a[1] - os}
	}
	return out
}

// match is one piece of a pattern search: a byte range and whether it is a
// match of the pattern (else the text between matches).
type match struct {
	start, end int
	isMatch    bool
}

// runeMatches splits s into single-character matches of pred and the runs
// between them (Pattern for Fn(char) -> bool).
func runeMatches(s string, pred func(rune) bool) []match {
	if s == "" {
		return []match{{0, 0, false}}
	}
	var out []match
	last, seen := 0, 0
	for i, r := range s {
		w := utf8.RuneLen(r)
		seen = i + w
		if pred(r) {
			if last < i {
				out = append(out, match{last, i, false})
			}
			out = append(out, match{i, i + w, true})
			last = i + w
		}
	}
	if seen > last {
		out = append(out, match{last, seen, false})
	}
	return out
}

// rangeMatches turns match ranges into the full list of pieces (Pattern for
// a regex).
func rangeMatches(s string, ranges [][2]int) []match {
	if s == "" {
		return []match{{0, 0, false}}
	}
	var out []match
	prev := 0
	for _, m := range ranges {
		if prev != m[0] {
			out = append(out, match{prev, m[0], false})
		}
		out = append(out, match{m[0], m[1], true})
		prev = m[1]
	}
	if prev != len(s) {
		out = append(out, match{prev, len(s), false})
	}
	return out
}

// splitBehavior is Hugging Face's SplitDelimiterBehavior.
type splitBehavior int

const (
	splitRemoved splitBehavior = iota
	splitIsolated
	splitMergedWithPrevious
	splitMergedWithNext
	splitContiguous
)

func parseBehavior(s string) (splitBehavior, bool) {
	switch s {
	case "Removed":
		return splitRemoved, true
	case "Isolated":
		return splitIsolated, true
	case "MergedWithPrevious":
		return splitMergedWithPrevious, true
	case "MergedWithNext":
		return splitMergedWithNext, true
	case "Contiguous":
		return splitContiguous, true
	}
	return 0, false
}

// split cuts n at the matches with the given behavior
// (NormalizedString::split); empty pieces are kept for the caller to drop.
func (n *normString) split(ms []match, b splitBehavior) []*normString {
	type piece struct {
		start, end int
		remove     bool
	}
	var ps []piece
	switch b {
	case splitIsolated:
		for _, m := range ms {
			ps = append(ps, piece{m.start, m.end, false})
		}
	case splitRemoved:
		for _, m := range ms {
			ps = append(ps, piece{m.start, m.end, m.isMatch})
		}
	case splitContiguous:
		prev := false
		for _, m := range ms {
			if m.isMatch == prev && len(ps) > 0 {
				ps[len(ps)-1].end = m.end
			} else {
				ps = append(ps, piece{m.start, m.end, false})
			}
			prev = m.isMatch
		}
	case splitMergedWithPrevious:
		prev := false
		for _, m := range ms {
			if m.isMatch && !prev && len(ps) > 0 {
				ps[len(ps)-1].end = m.end
			} else {
				ps = append(ps, piece{m.start, m.end, false})
			}
			prev = m.isMatch
		}
	case splitMergedWithNext:
		prev := false
		for i := len(ms) - 1; i >= 0; i-- {
			m := ms[i]
			if m.isMatch && !prev && len(ps) > 0 {
				ps[len(ps)-1].start = m.start
			} else {
				ps = append(ps, piece{m.start, m.end, false})
			}
			prev = m.isMatch
		}
		for i, j := 0, len(ps)-1; i < j; i, j = i+1, j-1 {
			ps[i], ps[j] = ps[j], ps[i]
		}
	}
	out := make([]*normString, 0, len(ps))
	for _, p := range ps {
		if !p.remove {
			if s := n.slice(p.start, p.end); s != nil {
				out = append(out, s)
			}
		}
	}
	return out
}
