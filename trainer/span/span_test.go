package span

import (
	"errors"
	"math"
	"reflect"
	"testing"
)

func cfg() Config {
	return Config{NBest: 2, MaxAnswerLen: 30, Reranker: RerankSum, NMSIoU: 0.5, TopK: 3}
}

func spansOf(d Decoded) []Span {
	var out []Span
	for _, s := range d.Spans {
		out = append(out, s.Span)
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// One window at document position 10. Start logits [1 5 2], end [0 1 6]:
// the two best starts are tokens 1 (5) and 2 (2), the two best ends 2 (6)
// and 1 (1), so the pairs are (1,2)=11, (2,2)=8, (1,1)=6 ((2,1) ends
// before it starts). In document positions: (11,12), (12,12), (11,11).
func TestDecodeSumNBestMaxLenNMS(t *testing.T) {
	w := []Window{{Offset: 10, Start: []float64{1, 5, 2}, End: []float64{0, 1, 6}, NullStart: 0.5, NullEnd: -1}}
	d, err := Decode(w, cfg())
	if err != nil {
		t.Fatal(err)
	}
	want := []Scored{{Span{11, 12}, 11}, {Span{12, 12}, 8}, {Span{11, 11}, 6}}
	if !reflect.DeepEqual(d.Spans, want) || d.Null != -0.5 || d.Margin() != -11.5 {
		t.Errorf("decoded %+v, want spans %+v, null -0.5, margin -11.5", d, want)
	}
	// IoU of (12,12) and (11,11) with (11,12) is 1/2: dropped above 0.3.
	c := cfg()
	c.NMSIoU = 0.3
	if d, _ := Decode(w, c); !reflect.DeepEqual(spansOf(d), []Span{{11, 12}}) {
		t.Errorf("NMS at 0.3: %v", spansOf(d))
	}
	c = cfg()
	c.TopK = 2
	if d, _ := Decode(w, c); !reflect.DeepEqual(spansOf(d), []Span{{11, 12}, {12, 12}}) {
		t.Errorf("top 2: %v", spansOf(d))
	}
	c = cfg()
	c.MaxAnswerLen = 1
	if d, _ := Decode(w, c); !reflect.DeepEqual(spansOf(d), []Span{{12, 12}, {11, 11}}) {
		t.Errorf("max answer length 1: %v", spansOf(d))
	}
	c = cfg()
	c.NBest = 1
	if d, _ := Decode(w, c); !reflect.DeepEqual(spansOf(d), []Span{{11, 12}}) {
		t.Errorf("n best 1: %v", spansOf(d))
	}
}

// Window A (position 0) has start and end logits 2 at its one token and
// null logits 0; window B (position 5) has 3 at its best start and end but
// null logits 5. Sum prefers B's span (6 > 4); product puts each window on
// its own probability scale, where A's span is likely (e²/(1+e²))² and B's
// is not (about (e⁻²/(1+e⁻²))²).
func TestRerankersAcrossWindows(t *testing.T) {
	ws := []Window{
		{Offset: 0, Start: []float64{2}, End: []float64{2}},
		{Offset: 5, Start: []float64{3, -10}, End: []float64{-10, 3}, NullStart: 5, NullEnd: 5},
	}
	c := cfg()
	c.TopK = 1
	d, _ := Decode(ws, c)
	if !reflect.DeepEqual(d.Spans, []Scored{{Span{5, 6}, 6}}) || d.Null != 0 {
		t.Errorf("sum: %+v", d)
	}
	c.Reranker = RerankProduct
	d, _ = Decode(ws, c)
	pa := math.Exp(2) / (1 + math.Exp(2))
	nullA := 1 / (1 + math.Exp(2))
	if len(d.Spans) != 1 || d.Spans[0].Span != (Span{0, 0}) || !near(d.Spans[0].Score, pa*pa) || !near(d.Null, nullA*nullA) {
		t.Errorf("product: %+v, want span (0,0) scored %v and null %v", d, pa*pa, nullA*nullA)
	}
	// Softmax over all candidates and the null: one window, one candidate
	// of sum 2 and a null of sum 0.
	c.Reranker = RerankSoftmax
	d, _ = Decode([]Window{{Start: []float64{1}, End: []float64{1}}}, c)
	if len(d.Spans) != 1 || !near(d.Spans[0].Score, math.Exp(2)/(1+math.Exp(2))) || !near(d.Null, 1/(1+math.Exp(2))) {
		t.Errorf("softmax: %+v", d)
	}
}

// The same document span (1,2) found in two overlapping windows is kept
// once, with the better score; at NMSIoU 1 nothing is suppressed.
func TestNMSMergesOverlappingWindows(t *testing.T) {
	ws := []Window{
		{Offset: 0, Start: []float64{0, 5, 0}, End: []float64{0, 0, 5}},
		{Offset: 1, Start: []float64{4, 0}, End: []float64{0, 4}},
	}
	c := cfg()
	c.NBest = 1
	d, _ := Decode(ws, c)
	if !reflect.DeepEqual(d.Spans, []Scored{{Span{1, 2}, 10}}) {
		t.Errorf("merged: %+v", d.Spans)
	}
	c.NMSIoU = 1
	d, _ = Decode(ws, c)
	if !reflect.DeepEqual(d.Spans, []Scored{{Span{1, 2}, 10}, {Span{1, 2}, 8}}) {
		t.Errorf("not merged at IoU 1: %+v", d.Spans)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, c := range []Config{
		{NBest: 0, MaxAnswerLen: 1, Reranker: RerankSum, NMSIoU: 0.5, TopK: 1},
		{NBest: 1, MaxAnswerLen: 0, Reranker: RerankSum, NMSIoU: 0.5, TopK: 1},
		{NBest: 1, MaxAnswerLen: 1, Reranker: "max", NMSIoU: 0.5, TopK: 1},
		{NBest: 1, MaxAnswerLen: 1, Reranker: RerankSum, NMSIoU: 1.5, TopK: 1},
		{NBest: 1, MaxAnswerLen: 1, Reranker: RerankSum, NMSIoU: 0.5, TopK: 0},
	} {
		if _, err := Decode([]Window{{Start: []float64{1}, End: []float64{1}}}, c); !errors.Is(err, ErrBadInput) {
			t.Errorf("%+v: %v", c, err)
		}
	}
	if _, err := Decode(nil, cfg()); !errors.Is(err, ErrBadInput) {
		t.Errorf("no windows: %v", err)
	}
	if _, err := Decode([]Window{{Start: []float64{1}, End: nil}}, cfg()); !errors.Is(err, ErrBadInput) {
		t.Errorf("ragged window: %v", err)
	}
}

// Margins -3, 1, 2 and a document without candidates.
func decodedFixture() []Decoded {
	return []Decoded{
		{Spans: []Scored{{Span{0, 1}, 4}}, Null: 1},
		{Spans: []Scored{{Span{2, 3}, 1}, {Span{5, 5}, 0}}, Null: 2},
		{Spans: []Scored{{Span{4, 4}, 1}}, Null: 3},
		{Null: 0},
	}
}

func TestDecide(t *testing.T) {
	ds := decodedFixture()
	nulls := func(p NullPolicy) []bool {
		preds, err := Decide(ds, p)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]bool, len(preds))
		for i, p := range preds {
			out[i] = p.Null
		}
		return out
	}
	for _, tc := range []struct {
		p    NullPolicy
		want []bool
	}{
		{NullPolicy{Policy: NullNone}, []bool{false, false, false, true}},
		{NullPolicy{Policy: NullThreshold, Threshold: 0}, []bool{false, true, true, true}},
		{NullPolicy{Policy: NullThreshold, Threshold: 1}, []bool{false, false, true, true}},
		{NullPolicy{Policy: NullCalibrated, Threshold: 1.5}, []bool{false, false, true, true}},
		// round(0.3·4) = 1: the largest margin is the document without
		// candidates, null anyway.
		{NullPolicy{Policy: NullRatio, Ratio: 0.3}, []bool{false, false, false, true}},
		// round(0.6·4) = 2: it and margin 2.
		{NullPolicy{Policy: NullRatio, Ratio: 0.6}, []bool{false, false, true, true}},
		{NullPolicy{Policy: NullRatio, Ratio: 1}, []bool{true, true, true, true}},
	} {
		if got := nulls(tc.p); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%+v: null %v, want %v", tc.p, got, tc.want)
		}
	}
	preds, _ := Decide(ds, NullPolicy{Policy: NullNone})
	if !reflect.DeepEqual(preds[1].Spans, []Span{{2, 3}, {5, 5}}) {
		t.Errorf("spans kept in order: %+v", preds[1])
	}
	for _, p := range []NullPolicy{{Policy: "never"}, {Policy: NullRatio, Ratio: 2}, {Policy: NullThreshold, Threshold: math.NaN()}} {
		if _, err := Decide(ds, p); !errors.Is(err, ErrBadInput) {
			t.Errorf("%+v: %v", p, err)
		}
	}
}

// Golds: document 0's best span is right, document 1 has no evidence,
// document 2's best span is wrong, document 3 has no evidence. With
// margins -3, 1, 2: a threshold in [-3, 1) predicts null for 1 and 2 and
// gets 0, 1 and 3 right (EM 3/4); the candidates there are -1 and the
// start when it lies in [-3, 1).
func TestFitThreshold(t *testing.T) {
	ds := decodedFixture()
	golds := [][]Span{{{0, 1}}, nil, {{9, 9}}, nil}
	for _, tc := range []struct{ start, want float64 }{
		{0.5, 0.5}, // optimal already: kept
		{5, -1},    // the midpoint of -3 and 1 is the nearest optimum
		{-10, -1},  // -4 (below the smallest) predicts doc 0 null too
	} {
		got, err := FitThreshold(ds, golds, tc.start)
		if err != nil || got != tc.want {
			t.Errorf("start %v: %v, %v; want %v", tc.start, got, err, tc.want)
		}
		preds, _ := Decide(ds, NullPolicy{Policy: NullCalibrated, Threshold: got})
		if m, _ := Score(preds, golds); m.EM != 0.75 {
			t.Errorf("start %v: fitted threshold %v gives EM %v, want 0.75", tc.start, got, m.EM)
		}
	}
	if _, err := FitThreshold(ds, golds[:2], 0); !errors.Is(err, ErrBadInput) {
		t.Errorf("lengths: %v", err)
	}
}

func TestScore(t *testing.T) {
	golds := [][]Span{
		{{0, 3}},           // best span exact
		{{0, 3}},           // best span (2,5): overlap 2, P 2/4, R 2/4, F1 1/2; second kept span exact
		{{0, 3}, {10, 11}}, // matches the second gold; F1 is the best over golds
		nil,                // correct null
		nil,                // a span where there is none
		{{4, 4}},           // null where there is evidence
	}
	preds := []Prediction{
		{Spans: []Span{{0, 3}}},
		{Spans: []Span{{2, 5}, {0, 3}}},
		{Spans: []Span{{10, 11}}},
		{Null: true},
		{Spans: []Span{{1, 1}}},
		{Null: true},
	}
	m, err := Score(preds, golds)
	if err != nil {
		t.Fatal(err)
	}
	want := Metrics{EM: 3.0 / 6, F1: 3.5 / 6, TopKEM: 4.0 / 6, NullRate: 2.0 / 6, N: 6}
	if !near(m.EM, want.EM) || !near(m.F1, want.F1) || !near(m.TopKEM, want.TopKEM) || !near(m.NullRate, want.NullRate) || m.N != 6 {
		t.Errorf("metrics %+v, want %+v", m, want)
	}
	if b := NullBaseline(golds); !near(b, 2.0/6) {
		t.Errorf("null baseline %v", b)
	}
	if _, err := Score(preds, golds[:1]); !errors.Is(err, ErrBadInput) {
		t.Errorf("lengths: %v", err)
	}
	if f := TokenF1(Span{0, 1}, Span{3, 4}); f != 0 {
		t.Errorf("disjoint F1 %v", f)
	}
}
