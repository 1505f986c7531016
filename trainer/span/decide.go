package span

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Prediction is a document's answer: "no evidence" (Null) or its spans,
// best first (at most TopK; Spans[0] is the answer that exact match and F1
// judge).
type Prediction struct {
	Null  bool   `json:"null"`
	Spans []Span `json:"spans,omitempty"`
}

// Decide makes the null decision of a split's decoded documents under p
// and returns their predictions, in order. A document without candidate
// spans is always "no evidence". Under NullRatio, round(Ratio·n) documents
// are "no evidence": those with the largest margins (the earlier document
// on ties), plus any without candidates. Errors wrap ErrBadInput for an
// invalid p. Deterministic.
func Decide(ds []Decoded, p NullPolicy) ([]Prediction, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	null := make([]bool, len(ds))
	switch p.Policy {
	case NullThreshold, NullCalibrated:
		for i, d := range ds {
			null[i] = d.Margin() > p.Threshold
		}
	case NullRatio:
		order := byMargin(ds)
		for _, i := range order[:int(math.Round(p.Ratio*float64(len(ds))))] {
			null[i] = true
		}
	}
	out := make([]Prediction, len(ds))
	for i, d := range ds {
		if null[i] || len(d.Spans) == 0 {
			out[i] = Prediction{Null: true}
			continue
		}
		spans := make([]Span, len(d.Spans))
		for k, s := range d.Spans {
			spans[k] = s.Span
		}
		out[i] = Prediction{Spans: spans}
	}
	return out, nil
}

// byMargin returns document indices by decreasing margin, the earlier
// document first on ties.
func byMargin(ds []Decoded) []int {
	idx := make([]int, len(ds))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(ds[b].Margin(), ds[a].Margin()) })
	return idx
}

// FitThreshold returns the null threshold (for NullThreshold's rule, "no
// evidence" when Margin > threshold) with the highest exact match on the
// decoded documents ds against their gold spans golds (nil or empty: no
// evidence). The candidates are start itself, the midpoints between
// consecutive distinct finite margins, and one below the smallest and one
// above the largest; among those with the best exact match the one closest
// to start wins (the smaller on ties), so a start that is already optimal
// is kept. The trainer fits it on the training split after every epoch,
// starting from the previous epoch's value (qa.null.threshold before the
// first). Errors wrap ErrBadInput when the lengths differ. Deterministic.
func FitThreshold(ds []Decoded, golds [][]Span, start float64) (float64, error) {
	if len(ds) != len(golds) {
		return 0, fmt.Errorf("%w: %d decoded documents for %d gold answers", ErrBadInput, len(ds), len(golds))
	}
	if math.IsNaN(start) || math.IsInf(start, 0) {
		return 0, fmt.Errorf("%w: start threshold %g", ErrBadInput, start)
	}
	var margins []float64
	spanHit := make([]bool, len(ds))
	for i, d := range ds {
		if m := d.Margin(); !math.IsInf(m, 0) && !math.IsNaN(m) {
			margins = append(margins, m)
		}
		spanHit[i] = len(d.Spans) > 0 && matchesAny(d.Spans[0].Span, golds[i])
	}
	slices.Sort(margins)
	margins = slices.Compact(margins)
	cands := []float64{start}
	if len(margins) > 0 {
		cands = append(cands, margins[0]-1, margins[len(margins)-1]+1)
	}
	for i := 1; i < len(margins); i++ {
		cands = append(cands, (margins[i-1]+margins[i])/2)
	}
	best, bestEM := start, -1
	for _, tau := range cands {
		em := 0
		for i, d := range ds {
			if d.Margin() > tau {
				em += b2i(len(golds[i]) == 0)
			} else {
				em += b2i(spanHit[i])
			}
		}
		closer := math.Abs(tau-start) < math.Abs(best-start) || (math.Abs(tau-start) == math.Abs(best-start) && tau < best)
		if em > bestEM || (em == bestEM && closer) {
			best, bestEM = tau, em
		}
	}
	return best, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func matchesAny(s Span, golds []Span) bool { return slices.Contains(golds, s) }
