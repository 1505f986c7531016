//go:build gotch

package model

import (
	"errors"
	"math"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"
)

func TestSpanHeadForward(t *testing.T) {
	hidden := ts.MustRandn([]int64{2, 5, 8}, gotch.Float, gotch.CPU)
	defer hidden.MustDrop()
	base := SpanHeadConfig{Layers: 1, Hidden: 16, Activation: ActGELU}
	run := func(c SpanHeadConfig, train bool) []float64 {
		t.Helper()
		manualSeedForTest(3)
		vs := nn.NewVarStore(gotch.CPU)
		defer vs.Destroy()
		h, err := NewSpanHead(vs, "head", 8, c)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := vs.Variables()["head.out.weight"]; !ok || len(vs.Variables()) != 2*(c.Layers+1) {
			t.Fatalf("variables %v", len(vs.Variables()))
		}
		var start, end *ts.Tensor
		WithGrad(false, func() { start, end, err = h.Forward(hidden, train) })
		if err != nil {
			t.Fatal(err)
		}
		if s, e := start.MustSize(), end.MustSize(); len(s) != 2 || s[0] != 2 || s[1] != 5 || e[1] != 5 {
			t.Fatalf("start %v, end %v, want [2 5]", s, e)
		}
		return append(values(start), values(end)...)
	}
	ref := run(base, false)
	for name, c := range map[string]SpanHeadConfig{
		"head.layers":     {Layers: 2, Hidden: 16, Activation: ActGELU},
		"head.hidden":     {Layers: 1, Hidden: 4, Activation: ActGELU},
		"head.activation": {Layers: 1, Hidden: 16, Activation: ActReLU},
	} {
		if got := run(c, false); near(got, ref, 1e-9) {
			t.Errorf("%s: the same logits as the base head", name)
		}
	}
	drop := base
	drop.Dropout = 0.5
	if got := run(drop, true); near(got, ref, 1e-9) {
		t.Error("head.dropout in training: the same logits as without")
	}
	if got := run(drop, false); !near(got, ref, 1e-6) {
		t.Error("head.dropout changes evaluation logits")
	}
	if _, err := NewSpanHead(nn.NewVarStore(gotch.CPU), "head", 8, SpanHeadConfig{Layers: 0, Hidden: 4, Activation: ActGELU}); !errors.Is(err, ErrBadInput) {
		t.Errorf("0 layers: %v", err)
	}
}

// manualSeedForTest seeds libtorch's generator.
func manualSeedForTest(seed int64) { ts.ManualSeed(seed) }

// One window of 3 positions whose last is not allowed: start and end
// logits (1, 2, 9), target position 1, so p = e²/(e+e²) over the two
// allowed positions.
func TestQALoss(t *testing.T) {
	logits := floats(t, []int64{1, 3}, 1, 2, 9)
	allowed := labels(1, 1, 0).MustView([]int64{1, 3}, true)
	y, null := labels(1), labels(0)
	logZ := math.Log(math.E + math.E*math.E)
	nll1, nll0 := logZ-2, logZ-1
	p1 := math.Exp(-nll1)
	tests := []struct {
		cfg  QALossConfig
		y    *ts.Tensor
		want float64
	}{
		{QALossConfig{Type: LossQACE, LabelSmoothing: 0.1}, y, nll1}, // qa_ce ignores the smoothing
		{QALossConfig{Type: LossQASmooth, LabelSmoothing: 0.1}, y, 0.9*nll1 + 0.1*(nll1+nll0)/2},
		{QALossConfig{Type: LossQAFocal, Gamma: 2, Alpha: 0.25}, y, 0.25 * math.Pow(1-p1, 2) * nll1},
		{QALossConfig{Type: LossQAFocal, Gamma: 2, Alpha: 0.25}, null, 0.75 * math.Pow(1-math.Exp(-nll0), 2) * nll0},
	}
	for _, tc := range tests {
		l, err := NewQALoss(tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		loss, err := l.Forward(logits, logits, allowed, tc.y, tc.y)
		if err != nil {
			t.Fatal(err)
		}
		if got := scalarOf(t, loss); math.Abs(got-tc.want) > 1e-5 {
			t.Errorf("%+v: loss %v, want %v", tc.cfg, got, tc.want)
		}
	}
	for _, bad := range []QALossConfig{{Type: "ce"}, {Type: LossQASmooth, LabelSmoothing: 1}, {Type: LossQAFocal, Gamma: 1, Alpha: 0}} {
		if _, err := NewQALoss(bad); !errors.Is(err, ErrBadInput) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	l, _ := NewQALoss(QALossConfig{Type: LossQACE})
	if _, err := l.Forward(logits, logits, allowed, labels(1, 1), labels(1, 1)); !errors.Is(err, ErrBadInput) {
		t.Errorf("targets of another batch size: %v", err)
	}
}
