//go:build gotch

package model

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"
)

// leaf makes a trainable parameter with the given values and sets its
// gradient to grad (via backward of sum(p·grad)).
func leaf(t *testing.T, name string, shape []int64, vals, grad []float32) Param {
	t.Helper()
	z := ts.MustZeros(shape, gotch.Float, gotch.CPU)
	src := floats(t, shape, vals...)
	z.Copy_(src)
	src.MustDrop()
	p := z.MustSetRequiresGrad(true, false)
	setGrad(t, p, shape, grad)
	return Param{Name: name, Tensor: p, LRScale: 1, Decay: true}
}

func setGrad(t *testing.T, p *ts.Tensor, shape []int64, grad []float32) {
	t.Helper()
	p.ZeroGrad()
	g := floats(t, shape, grad...)
	WithGrad(true, func() {
		loss := p.MustMul(g, false).MustSum(gotch.Float, true)
		loss.MustBackward()
		loss.MustDrop()
	})
	g.MustDrop()
}

func values(p *ts.Tensor) []float64 {
	return p.MustDetach(false).MustTotype(gotch.Double, true).Float64Values(true)
}

func near(a, b []float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > tol {
			return false
		}
	}
	return true
}

// One update from p = 1, g = 0.5, lr = 0.1, wd = 0.01, worked by hand:
// AdamW: p·(1−0.001) = 0.999; m = 0.05, v = 0.00025; m̂ = 0.5, √v̂ = 0.5 →
// 0.999 − 0.1·1 = 0.899. Lion: 0.999 − 0.1·sign(0.05) = 0.899. Adafactor
// (vector): v = g² → g/√v = 1, RMS 1 → 0.999 − 0.1 = 0.899 and for g = −0.5
// 1.099.
func TestOptimizerFirstStep(t *testing.T) {
	for _, name := range SupportedOptimizers() {
		p := leaf(t, "w", []int64{2}, []float32{1, 1}, []float32{0.5, -0.5})
		o, err := NewOptimizer(OptimConfig{Name: name, WeightDecay: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}, []Param{p})
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Step(0.1); err != nil {
			t.Fatal(err)
		}
		if got := values(p.Tensor); !near(got, []float64{0.899, 1.099}, 1e-6) {
			t.Errorf("%s: %v, want [0.899 1.099]", name, got)
		}
	}
}

// Adafactor on a matrix, g = [[1,2],[3,4]], step 1: row means of g² are
// (2.5, 12.5), column means (5, 10); rsqrt(row/mean(row)) = (√3, √0.6),
// rsqrt(col) = (1/√5, 1/√10); the update is their outer product times g,
// RMS √0.96 < 1, so no clipping.
func TestAdafactorFactored(t *testing.T) {
	p := leaf(t, "w", []int64{2, 2}, []float32{0, 0, 0, 0}, []float32{1, 2, 3, 4})
	o, err := NewOptimizer(OptimConfig{Name: OptAdafactor}, []Param{p})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Step(0.1); err != nil {
		t.Fatal(err)
	}
	r := []float64{math.Sqrt(3), math.Sqrt(0.6)}
	c := []float64{1 / math.Sqrt(5), 1 / math.Sqrt(10)}
	g := []float64{1, 2, 3, 4}
	want := make([]float64, 4)
	for i := range want {
		want[i] = -0.1 * r[i/2] * c[i%2] * g[i]
	}
	if got := values(p.Tensor); !near(got, want, 1e-6) {
		t.Errorf("%v, want %v", got, want)
	}
}

// TestEveryOptimizerParameterChangesTheUpdate runs three updates with the
// same gradients and changes one hyperparameter at a time.
func TestEveryOptimizerParameterChangesTheUpdate(t *testing.T) {
	base := OptimConfig{Name: OptAdamW, WeightDecay: 0.05, Beta1: 0.9, Beta2: 0.99, Eps: 1e-6}
	with := func(f func(*OptimConfig)) OptimConfig { c := base; f(&c); return c }
	tests := []struct {
		param string
		a, b  OptimConfig
	}{
		{"optim.name lion", base, with(func(c *OptimConfig) { c.Name = OptLion })},
		{"optim.name adafactor", base, with(func(c *OptimConfig) { c.Name = OptAdafactor })},
		{"optim.beta1 (adamw)", base, with(func(c *OptimConfig) { c.Beta1 = 0.8 })},
		{"optim.beta2 (adamw)", base, with(func(c *OptimConfig) { c.Beta2 = 0.95 })},
		{"optim.eps (adamw)", base, with(func(c *OptimConfig) { c.Eps = 1e-2 })},
		{"optim.weight_decay (adamw)", base, with(func(c *OptimConfig) { c.WeightDecay = 0.2 })},
		{"optim.beta1 (lion)", with(func(c *OptimConfig) { c.Name = OptLion }), with(func(c *OptimConfig) { c.Name, c.Beta1 = OptLion, 0.5 })},
		{"optim.beta2 (lion)", with(func(c *OptimConfig) { c.Name = OptLion }), with(func(c *OptimConfig) { c.Name, c.Beta2 = OptLion, 0.5 })},
		{"optim.weight_decay (lion)", with(func(c *OptimConfig) { c.Name = OptLion }), with(func(c *OptimConfig) { c.Name, c.WeightDecay = OptLion, 0.2 })},
		{"optim.weight_decay (adafactor)", with(func(c *OptimConfig) { c.Name = OptAdafactor }), with(func(c *OptimConfig) { c.Name, c.WeightDecay = OptAdafactor, 0.2 })},
	}
	for _, tc := range tests {
		if a, b := threeSteps(t, tc.a), threeSteps(t, tc.b); near(a, b, 1e-9) {
			t.Errorf("%s: parameters %v both ways", tc.param, a)
		}
	}
}

// threeSteps updates a parameter three times with gradients that change
// sign, so that momentum coefficients matter, and returns its values.
func threeSteps(t *testing.T, cfg OptimConfig) []float64 {
	t.Helper()
	shape := []int64{2, 2}
	p := leaf(t, "w", shape, []float32{1, -1, 0.5, 2}, []float32{0.3, -0.2, 0.1, 0.05})
	o, err := NewOptimizer(cfg, []Param{p})
	if err != nil {
		t.Fatal(err)
	}
	// Small second and third gradients against the first make Lion's sign
	// depend on β1 (step 2) and β2 (step 3).
	grads := [][]float32{{0.3, -0.2, 0.1, 0.05}, {-0.01, 0.005, -0.002, 0.001}, {-0.05, 0.3, -0.3, 0.01}}
	for i, g := range grads {
		if i > 0 {
			setGrad(t, p.Tensor, shape, g)
		}
		if err := o.Step(0.01); err != nil {
			t.Fatal(err)
		}
	}
	return values(p.Tensor)
}

func TestLayerwiseScaleAndFreeze(t *testing.T) {
	vs := nn.NewVarStore(gotch.CPU)
	root := vs.Root()
	names := []string{"embeddings.word_embeddings.weight", "embeddings.LayerNorm.weight",
		"encoder.layer.0.output.dense.weight", "encoder.layer.1.output.dense.weight",
		"encoder.layer.1.output.dense.bias", "head.out.weight"}
	for _, n := range names {
		addVar(root, n)
	}
	params, err := TrainableParams(vs, ParamPolicy{NumLayers: 2, FreezeLayers: 0, LayerDecay: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		scale float64
		decay bool
	}{
		names[0]: {0.125, true}, names[1]: {0.125, false}, names[2]: {0.25, true},
		names[3]: {0.5, true}, names[4]: {0.5, false}, names[5]: {1, true},
	}
	if len(params) != len(want) {
		t.Fatalf("%d params %v, want %d", len(params), params, len(want))
	}
	for _, p := range params {
		if w := want[p.Name]; p.LRScale != w.scale || p.Decay != w.decay {
			t.Errorf("%s: scale %v decay %v, want %v %v", p.Name, p.LRScale, p.Decay, w.scale, w.decay)
		}
	}
	// Freezing 1 layer drops the embeddings and layer 0 and stops their gradients.
	vs2 := nn.NewVarStore(gotch.CPU)
	for _, n := range names {
		addVar(vs2.Root(), n)
	}
	frozen, err := TrainableParams(vs2, ParamPolicy{NumLayers: 2, FreezeLayers: 1, LayerDecay: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(frozen) != 3 || frozen[0].Name != names[4] || frozen[1].Name != names[3] || frozen[2].Name != names[5] {
		t.Errorf("frozen 1: kept %v", frozen)
	}
	for name, v := range vs2.Variables() {
		if v.MustRequiresGrad() == (name == names[0] || name == names[1] || name == names[2]) {
			t.Errorf("%s requires grad = %v", name, v.MustRequiresGrad())
		}
	}
	if _, err := TrainableParams(vs2, ParamPolicy{NumLayers: 2, LayerDecay: 0}); !errors.Is(err, ErrBadInput) {
		t.Errorf("decay 0: %v", err)
	}
}

// addVar adds a zero variable of shape [2] under a dotted name.
func addVar(root *nn.Path, name string) {
	parts := strings.Split(name, ".")
	p := root
	for _, part := range parts[:len(parts)-1] {
		p = p.Sub(part)
	}
	p.MustZeros(parts[len(parts)-1], []int64{2})
}

func TestClipGradNorm(t *testing.T) {
	p := leaf(t, "w", []int64{2}, []float32{0, 0}, []float32{3, 4})
	o, _ := NewOptimizer(OptimConfig{Name: OptLion, Beta1: 0.9, Beta2: 0.99}, []Param{p})
	norm, err := o.ClipGradNorm(1)
	if err != nil || math.Abs(norm-5) > 1e-6 {
		t.Fatalf("norm %v, %v", norm, err)
	}
	g := values(p.Tensor.MustGrad(false))
	if !near(g, []float64{3 / (5 + 1e-6), 4 / (5 + 1e-6)}, 1e-6) {
		t.Errorf("clipped grad %v", g)
	}
	if n, _ := o.ClipGradNorm(0); math.Abs(n-1) > 1e-5 {
		t.Errorf("norm after clipping %v, want 1", n)
	}
}

// TestStateRoundTrip: an optimizer restored from another's state continues
// exactly like it.
func TestStateRoundTrip(t *testing.T) {
	for _, name := range SupportedOptimizers() {
		cfg := OptimConfig{Name: name, WeightDecay: 0.01, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8}
		a := leaf(t, "w", []int64{2, 2}, []float32{1, 2, 3, 4}, []float32{0.1, -0.2, 0.3, -0.4})
		oa, _ := NewOptimizer(cfg, []Param{a})
		if err := oa.Step(0.01); err != nil {
			t.Fatal(err)
		}
		state, err := oa.StateTensors()
		if err != nil {
			t.Fatal(err)
		}
		v := values(a.Tensor)
		b := leaf(t, "w", []int64{2, 2}, []float32{float32(v[0]), float32(v[1]), float32(v[2]), float32(v[3])}, []float32{0.1, -0.2, 0.3, -0.4})
		ob, _ := NewOptimizer(cfg, []Param{b})
		if err := ob.LoadState(state, oa.Steps()); err != nil {
			t.Fatal(err)
		}
		_ = oa.Step(0.01)
		_ = ob.Step(0.01)
		if va, vb := values(a.Tensor), values(b.Tensor); !near(va, vb, 1e-6) {
			t.Errorf("%s: resumed %v, uninterrupted %v", name, vb, va)
		}
		if err := ob.LoadState([]ts.NamedTensor{{Name: "other/0", Tensor: state[0].Tensor}}, 1); !errors.Is(err, ErrBadWeights) {
			t.Errorf("%s: foreign state accepted: %v", name, err)
		}
	}
}

func TestOptimConfigValidate(t *testing.T) {
	bad := []OptimConfig{
		{Name: "adamw_8bit", Beta1: 0.9, Beta2: 0.99, Eps: 1e-8},
		{Name: OptAdamW, Beta1: 0.9, Beta2: 0.99},
		{Name: OptLion, Beta1: 1, Beta2: 0.99},
		{Name: OptAdafactor, WeightDecay: -1},
	}
	for _, c := range bad {
		if err := c.Validate(); !errors.Is(err, ErrBadInput) {
			t.Errorf("%+v: %v", c, err)
		}
	}
}
