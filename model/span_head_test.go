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

// spanHeadRun builds a span head for width-8 vectors, copies from's
// variables into it when from is set (same structure), and returns its
// start then end logits on hidden [2, 5, 8].
func spanHeadRun(t *testing.T, c SpanHeadConfig, from *nn.VarStore, hidden *ts.Tensor, train bool) (*nn.VarStore, []float64) {
	t.Helper()
	vs := nn.NewVarStore(gotch.CPU)
	h, err := NewSpanHead(vs, "head", 8, c)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(vs.Variables()); n != 2*(c.Layers+1) {
		t.Fatalf("%d variables, want %d", n, 2*(c.Layers+1))
	}
	if from != nil {
		if err := vs.Copy(from); err != nil {
			t.Fatal(err)
		}
	}
	var start, end *ts.Tensor
	WithGrad(false, func() { start, end, err = h.Forward(hidden, train) })
	if err != nil {
		t.Fatal(err)
	}
	defer drop(start, end)
	if s, e := start.MustSize(), end.MustSize(); len(s) != 2 || s[0] != 2 || s[1] != 5 || len(e) != 2 || e[0] != 2 || e[1] != 5 {
		t.Fatalf("start %v, end %v, want [2 5]", s, e)
	}
	return vs, append(values(start), values(end)...)
}

func TestSpanHeadForward(t *testing.T) {
	hidden := ts.MustRandn([]int64{2, 5, 8}, gotch.Float, gotch.CPU)
	defer hidden.MustDrop()
	base := SpanHeadConfig{Layers: 1, Hidden: 16, Activation: ActGELU}
	vs, ref := spanHeadRun(t, base, nil, hidden, false)
	for _, name := range []string{"head.mlp.0.weight", "head.mlp.0.bias", "head.out.weight", "head.out.bias"} {
		if _, ok := vs.Variables()[name]; !ok {
			t.Errorf("no variable %s", name)
		}
	}
	// Deeper and narrower heads have their own shapes (variable count and
	// output shape checked in spanHeadRun).
	spanHeadRun(t, SpanHeadConfig{Layers: 3, Hidden: 4, Activation: ActSiLU}, nil, hidden, false)
	// The same weights under another activation give other logits.
	relu := base
	relu.Activation = ActReLU
	if _, got := spanHeadRun(t, relu, vs, hidden, false); near(got, ref, 1e-9) {
		t.Error("head.activation relu: the same logits as gelu")
	}
	dropped := base
	dropped.Dropout = 0.5
	if _, got := spanHeadRun(t, dropped, vs, hidden, true); near(got, ref, 1e-6) {
		t.Error("head.dropout in training: the same logits as without")
	}
	if _, got := spanHeadRun(t, dropped, vs, hidden, false); !near(got, ref, 1e-6) {
		t.Error("head.dropout changes evaluation logits")
	}
	if _, err := NewSpanHead(vs, "head2", 8, SpanHeadConfig{Layers: 0, Hidden: 4, Activation: ActGELU}); !errors.Is(err, ErrBadInput) {
		t.Errorf("0 layers: %v", err)
	}
	if _, err := NewSpanHead(vs, "", 8, base); !errors.Is(err, ErrBadInput) {
		t.Errorf("empty prefix: %v", err)
	}
	h, _ := NewSpanHead(vs, "head3", 8, base)
	flat := ts.MustZeros([]int64{2, 8}, gotch.Float, gotch.CPU)
	defer flat.MustDrop()
	if _, _, err := h.Forward(flat, false); !errors.Is(err, ErrBadInput) {
		t.Errorf("hidden of shape [2 8]: %v", err)
	}
}

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
