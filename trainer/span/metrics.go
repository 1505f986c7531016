package span

import "fmt"

// Metrics are a split's answer metrics (see the package doc), each in
// [0, 1].
type Metrics struct {
	EM       float64 `json:"em"`        // exact match of the best span or the null answer
	F1       float64 `json:"f1"`        // token F1 of the best span or the null answer
	TopKEM   float64 `json:"topk_em"`   // exact match by any kept span
	NullRate float64 `json:"null_rate"` // share of "no evidence" predictions
	N        int     `json:"n"`         // documents
}

// Score computes the metrics of preds against golds (gold spans per
// document; nil or empty means "no evidence"). Errors wrap ErrBadInput for
// lengths that differ or an empty split. Deterministic.
func Score(preds []Prediction, golds [][]Span) (Metrics, error) {
	if len(preds) != len(golds) || len(preds) == 0 {
		return Metrics{}, fmt.Errorf("%w: %d predictions for %d gold answers", ErrBadInput, len(preds), len(golds))
	}
	var m Metrics
	for i, p := range preds {
		em, f1, topk := judge(p, golds[i])
		m.EM += em
		m.F1 += f1
		m.TopKEM += topk
		m.NullRate += float64(b2i(p.Null))
	}
	n := float64(len(preds))
	return Metrics{EM: m.EM / n, F1: m.F1 / n, TopKEM: m.TopKEM / n, NullRate: m.NullRate / n, N: len(preds)}, nil
}

// judge scores one prediction: exact match, F1 and top-k exact match.
func judge(p Prediction, golds []Span) (em, f1, topk float64) {
	switch {
	case p.Null || len(p.Spans) == 0:
		if len(golds) == 0 {
			return 1, 1, 1
		}
		return 0, 0, 0
	case len(golds) == 0:
		return 0, 0, 0
	}
	best := p.Spans[0]
	for _, g := range golds {
		f1 = max(f1, TokenF1(best, g))
	}
	em = float64(b2i(matchesAny(best, golds)))
	for _, s := range p.Spans {
		if matchesAny(s, golds) {
			topk = 1
		}
	}
	return em, f1, topk
}

// TokenF1 is the F1 of the document positions two spans share: 2PR/(P+R)
// with P = shared/len(pred) and R = shared/len(gold); 0 when they share
// none.
func TokenF1(pred, gold Span) float64 {
	o := float64(overlap(pred, gold))
	if o == 0 {
		return 0
	}
	p, r := o/float64(pred.Len()), o/float64(gold.Len())
	return 2 * p * r / (p + r)
}

// NullBaseline is the exact match (and F1) of predicting "no evidence" for
// every document: the share of documents without gold spans.
func NullBaseline(golds [][]Span) float64 {
	if len(golds) == 0 {
		return 0
	}
	n := 0
	for _, g := range golds {
		n += b2i(len(g) == 0)
	}
	return float64(n) / float64(len(golds))
}
