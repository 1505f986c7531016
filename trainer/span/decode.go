package span

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Span is an answer: the document positions First..Last, inclusive.
type Span struct {
	First int `json:"first"`
	Last  int `json:"last"`
}

// Len is the number of tokens of the span.
func (s Span) Len() int { return s.Last - s.First + 1 }

// overlap is the number of tokens two spans share.
func overlap(a, b Span) int { return max(0, min(a.Last, b.Last)-max(a.First, b.First)+1) }

// IoU is the token intersection over union of two spans.
func IoU(a, b Span) float64 {
	o := overlap(a, b)
	return float64(o) / float64(a.Len()+b.Len()-o)
}

// Scored is a span with its reranker score.
type Scored struct {
	Span
	Score float64 `json:"score"`
}

// Window is the head's output on one window of a document.
type Window struct {
	// Offset is the document position of the window's first document token.
	Offset int
	// Start and End are the start and end logits of the window's document
	// tokens, in order (the same length): Start[k] belongs to document
	// position Offset+k. The logits of the criterion and special tokens
	// are left out.
	Start, End []float64
	// NullStart and NullEnd are the logits at the window's first token
	// ([CLS] or <s>), which stands for "no evidence".
	NullStart, NullEnd float64
}

// Decoded is one document's decoding, before the null decision.
type Decoded struct {
	// Spans are the kept candidates, best first: at most TopK, none with an
	// IoU above NMSIoU with a better one.
	Spans []Scored
	// Null is the null answer's score on the reranker's scale.
	Null float64
}

// Margin is the null score minus the best span's score; +Inf when there is
// no candidate span. A larger margin leans towards "no evidence".
func (d Decoded) Margin() float64 {
	if len(d.Spans) == 0 {
		return math.Inf(1)
	}
	return d.Null - d.Spans[0].Score
}

// Decode decodes one document from its windows (see the package doc): it
// collects the NBest×NBest candidate pairs of every window no longer than
// MaxAnswerLen, scores them and the null answer with the reranker, and
// keeps the TopK best after non-maximum suppression at NMSIoU. Ties are
// broken by position (earlier first, then shorter), so it is
// deterministic. Errors wrap ErrBadInput: an invalid cfg, no window, or a
// window whose Start and End differ in length.
func Decode(ws []Window, cfg Config) (Decoded, error) {
	if err := cfg.Validate(); err != nil {
		return Decoded{}, err
	}
	if len(ws) == 0 {
		return Decoded{}, fmt.Errorf("%w: a document without windows", ErrBadInput)
	}
	var cands []Scored
	null := math.Inf(1)
	for i, w := range ws {
		if len(w.Start) != len(w.End) {
			return Decoded{}, fmt.Errorf("%w: window %d has %d start and %d end logits", ErrBadInput, i, len(w.Start), len(w.End))
		}
		start, end, nullScore := w.Start, w.End, w.NullStart+w.NullEnd
		if cfg.Reranker == RerankProduct {
			nullScore = nullLogProb(w.Start, w.NullStart) + nullLogProb(w.End, w.NullEnd)
			start, end = logSoftmaxWithNull(w.Start, w.NullStart), logSoftmaxWithNull(w.End, w.NullEnd)
		}
		null = min(null, nullScore)
		cands = append(cands, windowCandidates(w.Offset, start, end, cfg)...)
	}
	switch cfg.Reranker {
	case RerankProduct:
		for i := range cands {
			cands[i].Score = math.Exp(cands[i].Score)
		}
		null = math.Exp(null)
	case RerankSoftmax:
		logZ := null
		for _, c := range cands {
			logZ = logAddExp(logZ, c.Score)
		}
		for i := range cands {
			cands[i].Score = math.Exp(cands[i].Score - logZ)
		}
		null = math.Exp(null - logZ)
	}
	return Decoded{Spans: suppress(cands, cfg.NMSIoU, cfg.TopK), Null: null}, nil
}

// windowCandidates returns the window's candidate spans in document
// positions, scored start[i] + end[j] (logits, or log-probabilities for
// the product reranker).
func windowCandidates(offset int, start, end []float64, cfg Config) []Scored {
	var out []Scored
	ends := topIndices(end, cfg.NBest)
	for _, i := range topIndices(start, cfg.NBest) {
		for _, j := range ends {
			if j < i || j-i+1 > cfg.MaxAnswerLen {
				continue
			}
			out = append(out, Scored{Span: Span{First: offset + i, Last: offset + j}, Score: start[i] + end[j]})
		}
	}
	return out
}

// topIndices returns the indices of the n largest values, largest first
// (the earlier index on ties).
func topIndices(xs []float64, n int) []int {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(xs[b], xs[a]) })
	return idx[:min(n, len(idx))]
}

// suppress sorts candidates best first and keeps, greedily, each one whose
// IoU with every kept candidate is at most iou, up to k of them.
func suppress(cands []Scored, iou float64, k int) []Scored {
	slices.SortStableFunc(cands, func(a, b Scored) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.First, b.First), cmp.Compare(a.Last, b.Last))
	})
	var kept []Scored
	for _, c := range cands {
		if len(kept) == k {
			break
		}
		if !slices.ContainsFunc(kept, func(s Scored) bool { return IoU(s.Span, c.Span) > iou }) {
			kept = append(kept, c)
		}
	}
	return kept
}

// logSoftmaxWithNull returns log softmax over {null} ∪ xs, for the xs.
func logSoftmaxWithNull(xs []float64, null float64) []float64 {
	logZ := logSumExpWith(xs, null)
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = x - logZ
	}
	return out
}

// nullLogProb is the null token's log-probability in the softmax over
// {null} ∪ xs.
func nullLogProb(xs []float64, null float64) float64 { return null - logSumExpWith(xs, null) }

func logSumExpWith(xs []float64, x0 float64) float64 {
	z := x0
	for _, x := range xs {
		z = logAddExp(z, x)
	}
	return z
}

// logAddExp is log(exp(a) + exp(b)), stable for large values.
func logAddExp(a, b float64) float64 {
	if math.IsInf(a, -1) {
		return b
	}
	if a < b {
		a, b = b, a
	}
	return a + math.Log1p(math.Exp(b-a))
}
