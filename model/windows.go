package model

import (
	"fmt"

	"github.com/redsm5/supermax-hpo/model/hftok"
)

// Windows is a text too long for one model input, encoded as overlapping
// windows each paired with the same second text (the evidence agent's
// post and criterion). Read-only once built.
type Windows struct {
	// Text are the byte ranges, in the text, of all its tokens (the whole
	// text, not truncated): token k of the text is "document position" k.
	Text [][2]int
	// Windows cover the text's tokens in order; consecutive windows share
	// the stride's number of tokens.
	Windows []Window
}

// Window is one model input of a Windows: [CLS] text tokens Offset ..
// Offset+TextLen-1 [SEP] pair [SEP] (the family's special tokens).
type Window struct {
	Encoded
	// TextStart is the position in Encoded of the window's first text
	// token; its text tokens are TextStart .. TextStart+TextLen-1.
	TextStart int
	// TextLen is the number of text tokens in the window.
	TextLen int
	// Offset is the document position of the window's first text token.
	Offset int
}

// WindowRanges splits n tokens into windows of at most size tokens whose
// consecutive starts are size−stride apart, so that neighbours share
// stride tokens, and stops at the first window that reaches the end: Hugging
// Face tokenizers' overflowing-token rule for truncation with a stride
// (Encoding::truncate). It returns [start, end) ranges; n = 0 gives one
// empty window. Errors wrap ErrBadInput unless 0 <= stride < size.
func WindowRanges(n, size, stride int) ([][2]int, error) {
	if size < 1 || stride < 0 || stride >= size {
		return nil, fmt.Errorf("%w: doc stride %d must be at least 0 and below the %d text tokens a window holds", ErrBadInput, stride, size)
	}
	var out [][2]int
	for start := 0; ; start += size - stride {
		end := min(start+size, n)
		out = append(out, [2]int{start, end})
		if end == n {
			return out, nil
		}
	}
}

// EncodeWindows tokenizes text and pair, and, when the pair (never
// truncated) leaves fewer than len(text) tokens' room under MaxLength,
// splits text into windows per WindowRanges with stride tokens shared by
// neighbours; each window is encoded with the pair and the special tokens
// like Encode. The text's tokens are the same as in Encode(text, pair) (a
// text is tokenized alone, then post-processed with the pair). Errors wrap
// ErrTokenizer, or ErrBadInput when the pair leaves no room or stride is
// not below the room left. Deterministic; safe for concurrent use.
func (t *Tokenizer) EncodeWindows(text, pair string, stride int) (ws Windows, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: encode %q: %v", ErrTokenizer, abbreviate(text), r)
		}
	}()
	first, err := t.tk.EncodeSequence(text, 0)
	if err != nil {
		return Windows{}, fmt.Errorf("%w: encode %q: %w", ErrTokenizer, abbreviate(text), err)
	}
	second, err := t.tk.EncodeSequence(pair, 1)
	if err != nil {
		return Windows{}, fmt.Errorf("%w: encode %q: %w", ErrTokenizer, abbreviate(pair), err)
	}
	room := t.maxLength - t.tk.AddedTokens(true) - second.Len()
	if room < 1 {
		return Windows{}, fmt.Errorf("%w: max_length %d leaves no room for text beside %q (%d tokens)", ErrBadInput, t.maxLength, abbreviate(pair), second.Len())
	}
	ranges, err := WindowRanges(first.Len(), room, stride)
	if err != nil {
		return Windows{}, err
	}
	ws.Text = append([][2]int(nil), first.Offsets...)
	for _, r := range ranges {
		w, err := t.window(first, second, r, ws.Text)
		if err != nil {
			return Windows{}, err
		}
		ws.Windows = append(ws.Windows, w)
	}
	return ws, nil
}

// window post-processes tokens r of first with a copy of second; text are
// first's offsets.
func (t *Tokenizer) window(first, second *hftok.Encoding, r [2]int, text [][2]int) (Window, error) {
	part := sliceEncoding(first, r[0], r[1])
	enc := toEncoded(t.tk.PostProcess(part, sliceEncoding(second, 0, second.Len())))
	w := Window{Encoded: enc, TextLen: r[1] - r[0], Offset: r[0]}
	for w.TextStart < enc.Len() && enc.Special[w.TextStart] == 1 {
		w.TextStart++
	}
	if w.TextLen > 0 && (w.TextStart+w.TextLen > enc.Len() || enc.Offsets[w.TextStart] != text[r[0]] ||
		enc.Offsets[w.TextStart+w.TextLen-1] != text[r[1]-1]) {
		return Window{}, fmt.Errorf("%w: window of tokens %d..%d: the text does not follow the leading special tokens", ErrTokenizer, r[0], r[1])
	}
	return w, nil
}

// sliceEncoding copies tokens [from, to) of e into a new encoding (the
// post-processor may modify what it is given).
func sliceEncoding(e *hftok.Encoding, from, to int) *hftok.Encoding {
	return &hftok.Encoding{
		IDs:     append([]int(nil), e.IDs[from:to]...),
		TypeIDs: append([]int(nil), e.TypeIDs[from:to]...),
		Tokens:  append([]string(nil), e.Tokens[from:to]...),
		Offsets: append([][2]int(nil), e.Offsets[from:to]...),
		Special: append([]int(nil), e.Special[from:to]...),
	}
}
