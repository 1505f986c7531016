//go:build gotch

package model

import (
	"errors"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"
)

// poolInputs: 2 sequences of 3 tokens with 2 features; the second has one
// real token. Padding holds large values that pooling must ignore.
func poolInputs(t *testing.T) (hidden, mask *ts.Tensor) {
	hidden = floats(t, []int64{2, 3, 2},
		1, 2, 3, 0, 99, 99,
		-1, 4, 50, 50, 60, -60)
	return hidden, labels(1, 1, 0, 1, 0, 0).MustView([]int64{2, 3}, true)
}

func TestPooling(t *testing.T) {
	hidden, mask := poolInputs(t)
	tests := []struct {
		pooling string
		want    []float64
	}{
		{PoolCLS, []float64{1, 2, -1, 4}},
		{PoolMean, []float64{2, 1, -1, 4}},
		{PoolMax, []float64{3, 2, -1, 4}},
		// The attention scorer starts at N(0, 0.02) weights; with zero
		// weights it is uniform over real tokens, i.e. the mean.
		{PoolAttn, []float64{2, 1, -1, 4}},
	}
	for _, tc := range tests {
		vs := nn.NewVarStore(gotch.CPU)
		h, err := NewCriteriaHead(vs.Root().Sub("head"), 2, HeadConfig{Pooling: tc.pooling, Layers: 1, Hidden: 4, Activation: ActGELU})
		if err != nil {
			t.Fatal(err)
		}
		if h.scorer != nil {
			WithGrad(false, func() { h.scorer.Ws.MustZero_() })
		}
		var got []float64
		WithGrad(false, func() {
			tp := &tape{}
			pooled := h.pool(tp, hidden, mask)
			if tp.err != nil {
				t.Fatal(tp.err)
			}
			got = values(pooled)
		})
		if !near(got, tc.want, 1e-5) {
			t.Errorf("%s: %v, want %v", tc.pooling, got, tc.want)
		}
	}
}

// TestEveryHeadParameterChangesTheOutput builds heads that differ in one
// parameter. Where the variables have the same shapes, the second head
// copies the first's weights, so only the parameter differs.
func TestEveryHeadParameterChangesTheOutput(t *testing.T) {
	hidden := ts.MustRandn([]int64{4, 5, 8}, gotch.Float, gotch.CPU)
	mask := labels(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0).MustView([]int64{4, 5}, true)
	base := HeadConfig{Pooling: PoolMean, Layers: 1, Hidden: 16, Activation: ActGELU, Dropout: 0}
	with := func(f func(*HeadConfig)) HeadConfig { c := base; f(&c); return c }
	tests := []struct {
		param string
		b     HeadConfig
		train bool
		same  bool // same variables: copy the weights
	}{
		{"head.pooling cls", with(func(c *HeadConfig) { c.Pooling = PoolCLS }), false, true},
		{"head.pooling max", with(func(c *HeadConfig) { c.Pooling = PoolMax }), false, true},
		{"head.pooling attn", with(func(c *HeadConfig) { c.Pooling = PoolAttn }), false, false},
		{"head.layers", with(func(c *HeadConfig) { c.Layers = 2 }), false, false},
		{"head.hidden", with(func(c *HeadConfig) { c.Hidden = 32 }), false, false},
		{"head.activation relu", with(func(c *HeadConfig) { c.Activation = ActReLU }), false, true},
		{"head.activation silu", with(func(c *HeadConfig) { c.Activation = ActSiLU }), false, true},
		{"head.dropout", with(func(c *HeadConfig) { c.Dropout = 0.4 }), true, true},
	}
	for _, tc := range tests {
		a := headOutput(t, base, nil, hidden, mask, tc.train)
		var from *nn.VarStore
		if tc.same {
			from = a.vs
		}
		b := headOutput(t, tc.b, from, hidden, mask, tc.train)
		if near(a.out, b.out, 1e-7) {
			t.Errorf("%s: logits %v both ways", tc.param, a.out)
		}
	}
}

type headRun struct {
	vs  *nn.VarStore
	out []float64
}

// headOutput builds a head, copies from's variables into it when from is
// set (same structure), and returns its logits.
func headOutput(t *testing.T, cfg HeadConfig, from *nn.VarStore, hidden, mask *ts.Tensor, train bool) headRun {
	t.Helper()
	vs := nn.NewVarStore(gotch.CPU)
	h, err := NewCriteriaHead(vs.Root().Sub("head"), 8, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if from != nil {
		if err := vs.Copy(from); err != nil {
			t.Fatal(err)
		}
	}
	var out []float64
	WithGrad(false, func() {
		logits, err := h.Forward(hidden, mask, train)
		if err != nil {
			t.Fatal(err)
		}
		out = values(logits)
	})
	if len(out) != 8 {
		t.Fatalf("%d logits, want 4×2", len(out))
	}
	return headRun{vs, out}
}

func TestHeadConfigValidate(t *testing.T) {
	bad := []HeadConfig{
		{Pooling: "first", Layers: 1, Hidden: 8, Activation: ActGELU},
		{Pooling: PoolCLS, Layers: 0, Hidden: 8, Activation: ActGELU},
		{Pooling: PoolCLS, Layers: 1, Hidden: 0, Activation: ActGELU},
		{Pooling: PoolCLS, Layers: 1, Hidden: 8, Activation: "tanh"},
		{Pooling: PoolCLS, Layers: 1, Hidden: 8, Activation: ActGELU, Dropout: 1},
	}
	for _, c := range bad {
		if err := c.Validate(); !errors.Is(err, ErrBadInput) {
			t.Errorf("%+v: %v", c, err)
		}
	}
	vs := nn.NewVarStore(gotch.CPU)
	h, err := NewCriteriaHead(vs.Root().Sub("head"), 4, DefaultHeadConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Forward(ts.MustZeros([]int64{2, 3, 4}, gotch.Float, gotch.CPU), labels(1, 1), false); !errors.Is(err, ErrBadInput) {
		t.Errorf("mask of the wrong shape: %v", err)
	}
}
