package hftok

import (
	"container/heap"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// tokenModel is a Hugging Face model: WordPiece, BPE or Unigram.
type tokenModel interface {
	// tokenize splits one pre-tokenized piece; offsets are bytes of s.
	tokenize(s string) ([]token, error)
	vocab() map[string]int
}

func parseModel(raw json.RawMessage) (tokenModel, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if head.Type == "" {
		// Old files leave the type out; tell the models apart by their fields.
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(raw, &probe); err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		switch {
		case probe["merges"] != nil:
			head.Type = "BPE"
		case probe["unk_id"] != nil:
			head.Type = "Unigram"
		case probe["max_input_chars_per_word"] != nil:
			head.Type = "WordPiece"
		}
	}
	switch head.Type {
	case "WordPiece":
		return parseWordPiece(raw)
	case "BPE":
		return parseBPE(raw)
	case "Unigram":
		return parseUnigram(raw)
	}
	return nil, fmt.Errorf("model %q is not implemented", head.Type)
}

// wordPiece is BERT's greedy longest-match-first WordPiece.
type wordPiece struct {
	v        map[string]int
	unk      string
	prefix   string
	maxChars int
}

func parseWordPiece(raw json.RawMessage) (tokenModel, error) {
	v := struct {
		Vocab    map[string]int `json:"vocab"`
		Unk      string         `json:"unk_token"`
		Prefix   string         `json:"continuing_subword_prefix"`
		MaxChars int            `json:"max_input_chars_per_word"`
	}{Unk: "[UNK]", Prefix: "##", MaxChars: 100}
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("model WordPiece: %w", err)
	}
	if _, ok := v.Vocab[v.Unk]; !ok {
		return nil, fmt.Errorf("model WordPiece: unk_token %q is not in the vocabulary", v.Unk)
	}
	return &wordPiece{v: v.Vocab, unk: v.Unk, prefix: v.Prefix, maxChars: v.MaxChars}, nil
}

func (w *wordPiece) vocab() map[string]int { return w.v }

func (w *wordPiece) tokenize(s string) ([]token, error) {
	unk := []token{{id: w.v[w.unk], value: w.unk, start: 0, end: len(s)}}
	if utf8.RuneCountInString(s) > w.maxChars {
		return unk, nil
	}
	var out []token
	for start := 0; start < len(s); {
		end := len(s)
		found := false
		for start < end {
			sub := s[start:end]
			if start > 0 {
				sub = w.prefix + sub
			}
			if id, ok := w.v[sub]; ok {
				out = append(out, token{id: id, value: sub, start: start, end: end})
				found = true
				break
			}
			_, lw := utf8.DecodeLastRuneInString(sub)
			end -= lw
		}
		if !found {
			return unk, nil
		}
		start = end
	}
	return out, nil
}

// bpe is byte-pair encoding with ranked merges (no dropout).
type bpe struct {
	v            map[string]int
	r            map[int]string
	merges       map[[2]int][2]int // pair -> (rank, new id)
	unk          *string
	prefix       *string
	suffix       *string
	fuseUnk      bool
	byteFallback bool
	ignoreMerges bool
}

func parseBPE(raw json.RawMessage) (tokenModel, error) {
	var v struct {
		Vocab        map[string]int    `json:"vocab"`
		Merges       []json.RawMessage `json:"merges"`
		Dropout      *float64          `json:"dropout"`
		Unk          *string           `json:"unk_token"`
		Prefix       *string           `json:"continuing_subword_prefix"`
		Suffix       *string           `json:"end_of_word_suffix"`
		FuseUnk      bool              `json:"fuse_unk"`
		ByteFallback bool              `json:"byte_fallback"`
		IgnoreMerges bool              `json:"ignore_merges"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("model BPE: %w", err)
	}
	if v.Dropout != nil && *v.Dropout > 0 {
		return nil, fmt.Errorf("model BPE: dropout %v is random; not reproduced", *v.Dropout)
	}
	b := &bpe{v: v.Vocab, r: make(map[int]string, len(v.Vocab)), merges: make(map[[2]int][2]int, len(v.Merges)),
		unk: v.Unk, prefix: v.Prefix, suffix: v.Suffix, fuseUnk: v.FuseUnk, byteFallback: v.ByteFallback,
		ignoreMerges: v.IgnoreMerges}
	for k, id := range v.Vocab {
		b.r[id] = k
	}
	prefixLen := 0
	if v.Prefix != nil {
		prefixLen = len(*v.Prefix)
	}
	for rank, m := range v.Merges {
		var a, c string
		var s string
		var pair []string
		if err := json.Unmarshal(m, &s); err == nil {
			parts := strings.SplitN(s, " ", 2)
			if len(parts) != 2 {
				return nil, fmt.Errorf("model BPE: merge %d %q is not two tokens", rank, s)
			}
			a, c = parts[0], parts[1]
		} else if err := json.Unmarshal(m, &pair); err == nil && len(pair) == 2 {
			a, c = pair[0], pair[1]
		} else {
			return nil, fmt.Errorf("model BPE: merge %d is neither \"a b\" nor [a, b]", rank)
		}
		ia, ok1 := v.Vocab[a]
		ic, ok2 := v.Vocab[c]
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("model BPE: merge %d (%q, %q) uses a token outside the vocabulary", rank, a, c)
		}
		merged := a + c[min(prefixLen, len(c)):] // Hugging Face cuts the prefix length unconditionally
		id, ok := v.Vocab[merged]
		if !ok {
			return nil, fmt.Errorf("model BPE: merge %d gives %q, which is not in the vocabulary", rank, merged)
		}
		b.merges[[2]int{ia, ic}] = [2]int{rank, id}
	}
	if v.Unk != nil {
		if _, ok := v.Vocab[*v.Unk]; !ok {
			return nil, fmt.Errorf("model BPE: unk_token %q is not in the vocabulary", *v.Unk)
		}
	}
	return b, nil
}

func (b *bpe) vocab() map[string]int { return b.v }

type bpeSymbol struct {
	c, prev, next, len int
}

type bpeMerge struct{ pos, rank, newID int }

type mergeQueue []bpeMerge

func (q mergeQueue) Len() int { return len(q) }
func (q mergeQueue) Less(i, j int) bool {
	if q[i].rank != q[j].rank {
		return q[i].rank < q[j].rank
	}
	return q[i].pos < q[j].pos
}
func (q mergeQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *mergeQueue) Push(x any)   { *q = append(*q, x.(bpeMerge)) }
func (q *mergeQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

func (b *bpe) tokenize(s string) ([]token, error) {
	if s == "" {
		return nil, nil
	}
	if b.ignoreMerges {
		if id, ok := b.v[s]; ok {
			return []token{{id: id, value: s, start: 0, end: len(s)}}, nil
		}
	}
	var syms []bpeSymbol
	add := func(id, n int) {
		syms = append(syms, bpeSymbol{c: id, prev: len(syms) - 1, next: len(syms) + 1, len: n})
	}
	unkID, unkLen := -1, 0
	for i := 0; i < len(s); {
		_, w := utf8.DecodeRuneInString(s[i:])
		piece := s[i : i+w]
		if i > 0 && b.prefix != nil {
			piece = *b.prefix + piece
		}
		if i+w == len(s) && b.suffix != nil {
			piece += *b.suffix
		}
		i += w
		if id, ok := b.v[piece]; ok {
			if unkID >= 0 {
				add(unkID, unkLen)
				unkID = -1
			}
			add(id, w)
			continue
		}
		if b.byteFallback {
			ids := make([]int, 0, len(piece))
			for k := 0; k < len(piece); k++ {
				id, ok := b.v[fmt.Sprintf("<0x%02X>", piece[k])]
				if !ok {
					ids = nil
					break
				}
				ids = append(ids, id)
			}
			if ids != nil {
				for _, id := range ids {
					add(id, 1)
				}
				continue
			}
		}
		if b.unk != nil {
			id := b.v[*b.unk]
			switch {
			case unkID >= 0 && b.fuseUnk:
				unkLen += w
			case unkID >= 0:
				add(unkID, unkLen)
				unkID, unkLen = id, w
			default:
				unkID, unkLen = id, w
			}
		}
	}
	if unkID >= 0 {
		add(unkID, unkLen)
	}
	if len(syms) > 0 {
		syms[len(syms)-1].next = -1
	}
	b.mergeAll(syms)
	var out []token
	off := 0
	for _, sy := range syms {
		if sy.len == 0 {
			continue
		}
		out = append(out, token{id: sy.c, value: b.r[sy.c], start: off, end: off + sy.len})
		off += sy.len
	}
	return out, nil
}

// mergeAll applies the merges lowest rank first, leftmost first on ties
// (Word::merge_all without dropout); merged-away symbols get len 0.
func (b *bpe) mergeAll(syms []bpeSymbol) {
	q := &mergeQueue{}
	for i := 0; i+1 < len(syms); i++ {
		if m, ok := b.merges[[2]int{syms[i].c, syms[i+1].c}]; ok {
			*q = append(*q, bpeMerge{pos: i, rank: m[0], newID: m[1]})
		}
	}
	heap.Init(q)
	for q.Len() > 0 {
		top := heap.Pop(q).(bpeMerge)
		cur := &syms[top.pos]
		if cur.len == 0 || cur.next == -1 {
			continue
		}
		nextPos := cur.next
		right := syms[nextPos]
		if m, ok := b.merges[[2]int{cur.c, right.c}]; !ok || m[1] != top.newID {
			continue
		}
		cur.c = top.newID
		cur.len += right.len
		cur.next = right.next
		syms[nextPos].len = 0
		if right.next > -1 && right.next < len(syms) {
			syms[right.next].prev = top.pos
		}
		if cur.prev >= 0 {
			if m, ok := b.merges[[2]int{syms[cur.prev].c, cur.c}]; ok {
				heap.Push(q, bpeMerge{pos: cur.prev, rank: m[0], newID: m[1]})
			}
		}
		if cur.next >= 0 && cur.next < len(syms) {
			if m, ok := b.merges[[2]int{cur.c, syms[cur.next].c}]; ok {
				heap.Push(q, bpeMerge{pos: top.pos, rank: m[0], newID: m[1]})
			}
		}
	}
}

// unigram is SentencePiece's Unigram model: the Viterbi best segmentation
// by piece log-probabilities, unknown characters scored min score - 10 and
// consecutive unknowns fused into one [UNK].
type unigram struct {
	pieces       []string
	scores       []float64
	ids          map[string]int
	unkID        int // -1: none
	byteFallback bool
	minScore     float64
	maxLen       int
}

const unkPenalty = 10.0

func parseUnigram(raw json.RawMessage) (tokenModel, error) {
	var v struct {
		UnkID        *int              `json:"unk_id"`
		Vocab        []json.RawMessage `json:"vocab"`
		ByteFallback bool              `json:"byte_fallback"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("model Unigram: %w", err)
	}
	pieces := make([]string, len(v.Vocab))
	scores := make([]float64, len(v.Vocab))
	for i, e := range v.Vocab {
		var pair [2]json.RawMessage
		if err := json.Unmarshal(e, &pair); err != nil {
			return nil, fmt.Errorf("model Unigram: vocab[%d]: %w", i, err)
		}
		if err := json.Unmarshal(pair[0], &pieces[i]); err != nil {
			return nil, fmt.Errorf("model Unigram: vocab[%d] piece: %w", i, err)
		}
		if err := json.Unmarshal(pair[1], &scores[i]); err != nil {
			return nil, fmt.Errorf("model Unigram: vocab[%d] score: %w", i, err)
		}
	}
	unk := -1
	if v.UnkID != nil {
		unk = *v.UnkID
	}
	return newUnigram(pieces, scores, unk, v.ByteFallback)
}

func newUnigram(pieces []string, scores []float64, unkID int, byteFallback bool) (*unigram, error) {
	if unkID >= 0 && (len(pieces) == 0 || unkID >= len(pieces)) {
		return nil, fmt.Errorf("model Unigram: unk_id %d is outside the %d-piece vocabulary", unkID, len(pieces))
	}
	u := &unigram{pieces: pieces, scores: scores, ids: make(map[string]int, len(pieces)), unkID: unkID,
		byteFallback: byteFallback, minScore: math.Inf(1)}
	for i, p := range pieces {
		u.ids[p] = i // a repeated piece keeps its last id, as in Hugging Face
		u.maxLen = max(u.maxLen, len(p))
		if scores[i] < u.minScore {
			u.minScore = scores[i]
		}
	}
	return u, nil
}

func (u *unigram) vocab() map[string]int { return u.ids }

func (u *unigram) tokenize(s string) ([]token, error) {
	if s == "" {
		return nil, nil
	}
	type node struct {
		id     int
		score  float64
		from   int
		filled bool
	}
	best := make([]node, len(s)+1)
	unkScore := u.minScore - unkPenalty
	for start := 0; start < len(s); {
		here := best[start].score
		_, mblen := utf8.DecodeRuneInString(s[start:])
		single := false
		for end := start + 1; end <= len(s) && end-start <= u.maxLen; end++ {
			if end < len(s) && !utf8.RuneStart(s[end]) {
				continue
			}
			id, ok := u.ids[s[start:end]]
			if !ok {
				continue
			}
			cand := u.scores[id] + here
			if t := &best[end]; !t.filled || cand > t.score {
				*t = node{id: id, score: cand, from: start, filled: true}
			}
			if end-start == mblen {
				single = true
			}
		}
		if !single {
			if u.unkID < 0 {
				return nil, fmt.Errorf("model Unigram: %q has no piece and the model has no unk_id", s[start:start+mblen])
			}
			cand := unkScore + here
			if t := &best[start+mblen]; !t.filled || cand > t.score {
				*t = node{id: u.unkID, score: cand, from: start, filled: true}
			}
		}
		start += mblen
	}
	// Back-track, fusing consecutive unknowns.
	var pieces [][2]int
	for end := len(s); end > 0; {
		n := best[end]
		if u.unkID >= 0 && n.id == u.unkID && len(pieces) > 0 && pieces[len(pieces)-1][1] < 0 {
			pieces[len(pieces)-1][0] = n.from // extend the fused unknown leftwards
		} else if u.unkID >= 0 && n.id == u.unkID {
			pieces = append(pieces, [2]int{n.from, -end})
		} else {
			pieces = append(pieces, [2]int{n.from, end})
		}
		end = n.from
	}
	out := make([]token, 0, len(pieces))
	for i := len(pieces) - 1; i >= 0; i-- {
		start, end := pieces[i][0], pieces[i][1]
		if end < 0 {
			end = -end
		}
		str := s[start:end]
		if id, ok := u.ids[str]; ok {
			out = append(out, token{id: id, value: str, start: start, end: end})
			continue
		}
		if u.byteFallback {
			var bytes []token
			for k := 0; k < len(str); k++ {
				name := fmt.Sprintf("<0x%02X>", str[k])
				id, ok := u.ids[name]
				if !ok {
					bytes = nil
					break
				}
				bytes = append(bytes, token{id: id, value: name, start: start, end: end})
			}
			if bytes != nil {
				out = append(out, bytes...)
				continue
			}
		}
		out = append(out, token{id: u.unkID, value: str, start: start, end: end})
	}
	return out, nil
}
