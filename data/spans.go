package data

// TokenSpan maps a byte span of a text (an evidence answer in its post) to
// the tokens covering it, the way Hugging Face QA preprocessing does:
// start is the first token of the text that ends after span.Start, end the
// last one that starts before span.End (inclusive). offsets are each
// token's byte range in the text; inText marks the tokens that come from
// that text (false for special tokens and tokens of the other text of a
// pair). ok is false when no token of the text overlaps the span — the
// answer was truncated away, and the example should count as having none.
// Deterministic.
func TokenSpan(offsets [][2]int, inText []bool, span Span) (start, end int, ok bool) {
	start, end = -1, -1
	for i, off := range offsets {
		if i >= len(inText) || !inText[i] || off[1] <= span.Start || off[0] >= span.End {
			continue
		}
		if start < 0 {
			start = i
		}
		end = i
	}
	return start, end, start >= 0
}
