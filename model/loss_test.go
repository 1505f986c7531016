//go:build gotch

package model

import (
	"errors"
	"math"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// floats makes a float32 tensor of the given shape.
func floats(t *testing.T, shape []int64, xs ...float32) *ts.Tensor {
	t.Helper()
	return ts.MustOfSlice(xs).MustView(shape, true)
}

func labels(xs ...int64) *ts.Tensor { return ts.MustOfSlice(xs) }

func scalarOf(t *testing.T, x *ts.Tensor) float64 {
	t.Helper()
	defer x.MustDrop()
	return x.MustTotype(gotch.Double, false).Float64Values(true)[0]
}

func TestClassWeights(t *testing.T) {
	tests := []struct {
		balance string
		counts  []int
		want    []float64
	}{
		{BalanceNone, []int{30, 10}, []float64{1, 1}},
		{BalanceWeighted, []int{30, 10}, []float64{0.5, 1.5}},
		// (1−β)/(1−βⁿ) for n = 30, 10 and β = 0.999, normalized to sum 2
		{BalanceEffNum, []int{30, 10}, []float64{0.5037486778955902, 1.4962513221044098}},
		{BalanceWeighted, []int{20, 20}, []float64{1, 1}},
		{BalanceWeighted, []int{5, 0}, []float64{2, 0}},
	}
	for _, tc := range tests {
		got, err := ClassWeights(tc.balance, tc.counts)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if math.Abs(got[i]-tc.want[i]) > 1e-12 {
				t.Errorf("%s %v: %v, want %v", tc.balance, tc.counts, got, tc.want)
			}
		}
	}
	for _, bad := range [][]int{nil, {0, 0}, {-1, 3}} {
		if _, err := ClassWeights(BalanceWeighted, bad); !errors.Is(err, ErrBadInput) {
			t.Errorf("counts %v: %v", bad, err)
		}
	}
}

// Expected values by hand: logits (2, 0), target 0: CE = log(1 + e⁻²);
// smoothing 0.1 over 2 classes: 0.9·CE + 0.1·(CE + (2 + CE))/2; focal γ=2,
// α=0.25: 0.75·(1 − p)²·CE with p = e^−CE.
func TestLossValues(t *testing.T) {
	logits := floats(t, []int64{1, 2}, 2, 0)
	y := labels(0)
	tests := []struct {
		cfg  LossConfig
		want float64
	}{
		{LossConfig{Type: LossCE, Balance: BalanceNone}, 0.1269280110429726},
		{LossConfig{Type: LossCE, LabelSmoothing: 0.1, Balance: BalanceNone}, 0.1269280110429726},
		{LossConfig{Type: LossCESmooth, LabelSmoothing: 0.1, Balance: BalanceNone}, 0.2269280110429726},
		{LossConfig{Type: LossFocal, Gamma: 2, Alpha: 0.25, Balance: BalanceNone}, 0.0013526721264302858},
	}
	for _, tc := range tests {
		l, err := NewLoss(tc.cfg, []int{1, 1})
		if err != nil {
			t.Fatal(err)
		}
		out, err := l.Forward(logits, y)
		if err != nil {
			t.Fatal(err)
		}
		if got := scalarOf(t, out); math.Abs(got-tc.want) > 1e-6 {
			t.Errorf("%+v: loss %.9f, want %.9f", tc.cfg, got, tc.want)
		}
	}
}

// TestWeightedMean: logits (2,0),(0,1), targets 0,1, weights (0.5, 1.5):
// (0.5·log(1+e⁻²) + 1.5·log(1+e⁻¹)) / 2.
func TestWeightedMean(t *testing.T) {
	logits := floats(t, []int64{2, 2}, 2, 0, 0, 1)
	for _, typ := range []string{LossCE, LossFocal} {
		l, err := NewLoss(LossConfig{Type: typ, Gamma: 0, Alpha: 0.5, Balance: BalanceWeighted}, []int{30, 10})
		if err != nil {
			t.Fatal(err)
		}
		out, err := l.Forward(logits, labels(0, 1))
		if err != nil {
			t.Fatal(err)
		}
		want := 0.26667826839941033
		if typ == LossFocal { // γ = 0 and α = 0.5 halve every term
			want /= 2
		}
		if got := scalarOf(t, out); math.Abs(got-want) > 1e-6 {
			t.Errorf("%s: %.9f, want %.9f", typ, got, want)
		}
	}
}

// TestEveryLossParameterChangesTheLoss changes one loss parameter at a time.
func TestEveryLossParameterChangesTheLoss(t *testing.T) {
	logits := floats(t, []int64{4, 2}, 1.5, -0.5, 0.2, 0.3, -1, 2, 0.4, 0.1)
	y := labels(0, 1, 1, 0)
	counts := []int{30, 10}
	base := LossConfig{Type: LossCESmooth, LabelSmoothing: 0.1, Gamma: 2, Alpha: 0.25, Balance: BalanceNone}
	with := func(f func(*LossConfig)) LossConfig { c := base; f(&c); return c }
	tests := []struct {
		param string
		a, b  LossConfig
	}{
		{"loss.cls.type ce/ce_label_smooth", with(func(c *LossConfig) { c.Type = LossCE }), base},
		{"loss.cls.type focal", base, with(func(c *LossConfig) { c.Type = LossFocal })},
		{"loss.cls.label_smoothing", base, with(func(c *LossConfig) { c.LabelSmoothing = 0.15 })},
		{"loss.cls.gamma", with(func(c *LossConfig) { c.Type = LossFocal }), with(func(c *LossConfig) { c.Type, c.Gamma = LossFocal, 3 })},
		{"loss.cls.alpha", with(func(c *LossConfig) { c.Type = LossFocal }), with(func(c *LossConfig) { c.Type, c.Alpha = LossFocal, 0.6 })},
		{"loss.cls.balance weighted", base, with(func(c *LossConfig) { c.Balance = BalanceWeighted })},
		{"loss.cls.balance effective_num", with(func(c *LossConfig) { c.Balance = BalanceWeighted }), with(func(c *LossConfig) { c.Balance = BalanceEffNum })},
	}
	for _, tc := range tests {
		va, vb := lossValue(t, tc.a, counts, logits, y), lossValue(t, tc.b, counts, logits, y)
		if math.Abs(va-vb) < 1e-7 {
			t.Errorf("%s: loss %.9f both ways", tc.param, va)
		}
	}
}

func lossValue(t *testing.T, cfg LossConfig, counts []int, logits, y *ts.Tensor) float64 {
	t.Helper()
	l, err := NewLoss(cfg, counts)
	if err != nil {
		t.Fatal(err)
	}
	out, err := l.Forward(logits, y)
	if err != nil {
		t.Fatal(err)
	}
	return scalarOf(t, out)
}

func TestLossConfigValidate(t *testing.T) {
	bad := []LossConfig{
		{Type: "hinge", Balance: BalanceNone},
		{Type: LossCESmooth, LabelSmoothing: 1, Balance: BalanceNone},
		{Type: LossFocal, Gamma: 2, Alpha: 1, Balance: BalanceNone},
		{Type: LossCE, Balance: "inverse"},
	}
	for _, c := range bad {
		if err := c.Validate(); !errors.Is(err, ErrBadInput) {
			t.Errorf("%+v: %v", c, err)
		}
	}
	l, _ := NewLoss(LossConfig{Type: LossCE, Balance: BalanceNone}, []int{1, 1})
	if _, err := l.Forward(floats(t, []int64{1, 3}, 1, 2, 3), labels(0)); !errors.Is(err, ErrBadInput) {
		t.Errorf("3 logits for 2 classes: %v", err)
	}
}
