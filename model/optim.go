//go:build gotch

package model

import (
	"fmt"
	"math"
	"runtime"
	"slices"

	"github.com/sugarme/gotch/ts"

	"github.com/redsm5/supermax-hpo/model/torch"
)

// Optimizers implemented here (search-space optim.name). adamw_8bit is not:
// its blockwise 8-bit state quantization (bitsandbytes) has no gotch
// counterpart, so the trainer removes it from the space rather than
// running AdamW under its name.
const (
	OptAdamW     = "adamw"
	OptAdafactor = "adafactor"
	OptLion      = "lion"
)

// SupportedOptimizers lists the optim.name choices this package trains.
// Returns a fresh slice.
func SupportedOptimizers() []string { return []string{OptAdamW, OptAdafactor, OptLion} }

// OptimConfig is an optimizer's hyperparameters; the learning rate comes
// with every Step (from the schedule). Plain data.
type OptimConfig struct {
	Name        string  `json:"name"`         // optim.name
	WeightDecay float64 `json:"weight_decay"` // optim.weight_decay, decoupled
	Beta1       float64 `json:"beta1"`        // optim.beta1 (adamw, lion)
	Beta2       float64 `json:"beta2"`        // optim.beta2 (adamw, lion)
	Eps         float64 `json:"eps"`          // optim.eps (adamw only: lion has none)
}

// Validate checks the fields the optimizer uses; errors wrap ErrBadInput.
func (c OptimConfig) Validate() error {
	if !slices.Contains(SupportedOptimizers(), c.Name) {
		return fmt.Errorf("%w: optim.name %q, want one of %v", ErrBadInput, c.Name, SupportedOptimizers())
	}
	if c.WeightDecay < 0 {
		return fmt.Errorf("%w: optim.weight_decay %g < 0", ErrBadInput, c.WeightDecay)
	}
	if c.Name != OptAdafactor && (c.Beta1 < 0 || c.Beta1 >= 1 || c.Beta2 < 0 || c.Beta2 >= 1) {
		return fmt.Errorf("%w: optim.beta1 %g and beta2 %g, want in [0, 1)", ErrBadInput, c.Beta1, c.Beta2)
	}
	if c.Name == OptAdamW && !(c.Eps > 0) {
		return fmt.Errorf("%w: optim.eps %g, want > 0", ErrBadInput, c.Eps)
	}
	return nil
}

// Param is one trainable tensor with its learning-rate scale (layer-wise
// decay) and whether weight decay applies to it.
type Param struct {
	Name    string
	Tensor  *ts.Tensor
	LRScale float64
	Decay   bool
}

// Optimizer updates a fixed list of parameters from their gradients, with
// its state in Go-owned tensors so it can be checkpointed. Not safe for
// concurrent use.
type Optimizer struct {
	cfg    OptimConfig
	params []Param
	state  map[string][]*ts.Tensor // per parameter name, algorithm-specific
	steps  int
	kernel Kernel
}

// Kernel does an optimizer's per-step tensor work for all parameters in
// one call, where the methods of Optimizer issue one cgo call per tensor
// operation (through package torch), which costs time on models with many
// parameters. It must
// compute exactly what the Go implementation here computes; see
// Optimizer.UseKernel.
type Kernel interface {
	// GradNorm returns the global L2 norm of the defined gradients.
	GradNorm(params []*ts.Tensor) (float64, error)
	// ScaleGrads multiplies every defined gradient by f.
	ScaleGrads(params []*ts.Tensor, f float64) error
	// ZeroGrads zeroes every defined gradient.
	ZeroGrads(params []*ts.Tensor) error
	// AdamW applies Optimizer's AdamW update (update number step, from 1)
	// with per-parameter learning rates and weight decays.
	AdamW(params, m, v []*ts.Tensor, lrs, wds []float64, beta1, beta2, eps float64, step int) error
	// Lion applies Optimizer's Lion update.
	Lion(params, m []*ts.Tensor, lrs, wds []float64, beta1, beta2 float64) error
}

// UseKernel routes clipping, zeroing and the adamw and lion updates
// through k (adafactor keeps the Go implementation). State tensors are
// then allocated for every parameter at the first step.
func (o *Optimizer) UseKernel(k Kernel) { o.kernel = k }

// NewOptimizer validates cfg and returns an optimizer over params (which
// must have distinct names).
func NewOptimizer(cfg OptimConfig, params []Param) (*Optimizer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(params))
	for _, p := range params {
		if seen[p.Name] || p.Tensor == nil {
			return nil, fmt.Errorf("%w: parameter %q duplicated or nil", ErrBadInput, p.Name)
		}
		seen[p.Name] = true
	}
	return &Optimizer{cfg: cfg, params: params, state: make(map[string][]*ts.Tensor)}, nil
}

// Steps is the number of updates made (restored by LoadState).
func (o *Optimizer) Steps() int { return o.steps }

// Free releases the optimizer's state tensors now instead of at garbage
// collection; the optimizer must not be used afterwards.
func (o *Optimizer) Free() {
	runtime.LockOSThread() // gotch calls: see the package doc
	defer runtime.UnlockOSThread()
	for name, st := range o.state {
		dropAll(st)
		delete(o.state, name)
	}
}

// Params returns the parameters in a fresh slice.
func (o *Optimizer) Params() []Param { return slices.Clone(o.params) }

// ZeroGrad clears every parameter's gradient.
func (o *Optimizer) ZeroGrad() (err error) {
	runtime.LockOSThread() // gotch calls: see the package doc
	defer runtime.UnlockOSThread()
	if o.kernel != nil {
		return o.kernel.ZeroGrads(o.tensors())
	}
	for _, p := range o.params {
		if err := torch.ZeroGrad(p.Tensor); err != nil {
			return fmt.Errorf("%w: zero grad of %s: %w", ErrTorch, p.Name, err)
		}
	}
	return nil
}

// ClipGradNorm scales all gradients down so that their global L2 norm is at
// most maxNorm, as torch.nn.utils.clip_grad_norm_ (factor maxNorm/(norm +
// 1e-6)), and returns the norm before clipping. maxNorm <= 0 only measures.
func (o *Optimizer) ClipGradNorm(maxNorm float64) (norm float64, err error) {
	runtime.LockOSThread() // gotch calls: see the package doc
	defer runtime.UnlockOSThread()
	if o.kernel != nil {
		return o.kernelClip(maxNorm)
	}
	grads, err := o.grads()
	defer dropAll(grads)
	if err != nil {
		return 0, err
	}
	tp := &tape{}
	sq := 0.0
	for _, g := range grads {
		if g != nil {
			v := tp.value(tp.glue("norm", g, false, func() (*ts.Tensor, error) { return torch.Norm(g) }), true)
			sq += v * v
		}
	}
	norm = math.Sqrt(sq)
	if maxNorm > 0 && norm > maxNorm {
		f := maxNorm / (norm + 1e-6)
		for _, g := range grads {
			if g != nil {
				tp.inPlace("mul_", func() error { return torch.MulScalarInPlace(g, f) })
			}
		}
	}
	if tp.err != nil {
		return 0, fmt.Errorf("%w: clip grad norm: %w", ErrTorch, tp.err)
	}
	return norm, nil
}

// tensors returns the parameter tensors in order.
func (o *Optimizer) tensors() []*ts.Tensor {
	out := make([]*ts.Tensor, len(o.params))
	for i, p := range o.params {
		out[i] = p.Tensor
	}
	return out
}

func (o *Optimizer) kernelClip(maxNorm float64) (float64, error) {
	norm, err := o.kernel.GradNorm(o.tensors())
	if err != nil || maxNorm <= 0 || norm <= maxNorm {
		return norm, err
	}
	return norm, o.kernel.ScaleGrads(o.tensors(), maxNorm/(norm+1e-6))
}

// kernelStep allocates any missing state and runs the kernel's update.
func (o *Optimizer) kernelStep(lr float64) (err error) {
	n := len(o.params)
	m, v := make([]*ts.Tensor, n), make([]*ts.Tensor, n)
	lrs, wds := make([]float64, n), make([]float64, n)
	func() {
		defer recoverInto(&err, "optimizer state")
		for i, p := range o.params {
			shape := p.Tensor.MustSize()
			if o.cfg.Name == OptLion {
				m[i] = o.stateOf(p, shape)[0]
			} else {
				st := o.stateOf(p, shape, shape)
				m[i], v[i] = st[0], st[1]
			}
			lrs[i] = lr * p.LRScale
			if p.Decay {
				wds[i] = o.cfg.WeightDecay
			}
		}
	}()
	if err != nil {
		return err
	}
	if o.cfg.Name == OptLion {
		return o.kernel.Lion(o.tensors(), m, lrs, wds, o.cfg.Beta1, o.cfg.Beta2)
	}
	return o.kernel.AdamW(o.tensors(), m, v, lrs, wds, o.cfg.Beta1, o.cfg.Beta2, o.cfg.Eps, o.steps)
}

// grads returns a new handle to each parameter's gradient (the caller
// frees them), nil where it is undefined.
func (o *Optimizer) grads() ([]*ts.Tensor, error) {
	out := make([]*ts.Tensor, len(o.params))
	for i, p := range o.params {
		g, err := torch.Grad(p.Tensor)
		if err != nil {
			return out, fmt.Errorf("%w: gradient of %s: %w", ErrTorch, p.Name, err)
		}
		out[i] = g
	}
	return out, nil
}

func dropAll(xs []*ts.Tensor) { drop(xs...) }

// Step applies one update with base learning rate lr (each parameter uses
// lr × its LRScale) to every parameter that has a gradient.
func (o *Optimizer) Step(lr float64) (err error) {
	runtime.LockOSThread() // gotch calls: see the package doc
	defer runtime.UnlockOSThread()
	defer recoverInto(&err, o.cfg.Name+" step")
	if !(lr >= 0) {
		return fmt.Errorf("%w: learning rate %g", ErrBadInput, lr)
	}
	o.steps++
	if o.kernel != nil && o.cfg.Name != OptAdafactor {
		return o.kernelStep(lr)
	}
	grads, err := o.grads()
	defer dropAll(grads)
	if err != nil {
		return err
	}
	tp := &tape{}
	WithGrad(false, func() {
		for i, p := range o.params {
			if grads[i] == nil {
				continue
			}
			plr, wd := lr*p.LRScale, 0.0
			if p.Decay {
				wd = o.cfg.WeightDecay
			}
			switch o.cfg.Name {
			case OptLion:
				o.lion(tp, p, grads[i], plr, wd)
			case OptAdafactor:
				o.adafactor(tp, p, grads[i], plr, wd)
			default:
				o.adamw(tp, p, grads[i], plr, wd)
			}
		}
	})
	if tp.err != nil {
		return fmt.Errorf("%w: %s step: %w", ErrTorch, o.cfg.Name, tp.err)
	}
	return nil
}

// WithGrad runs fn with libtorch's autograd on or off and restores the
// previous mode afterwards, even when fn panics. Grad mode is thread-local
// in libtorch (and was found off by default on some threads), so the
// goroutine stays on its OS thread meanwhile; run every forward/backward
// pass and optimizer step inside it. gotch's ts.NoGrad does neither.
func WithGrad(enabled bool, fn func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	prev := ts.MustGradSetEnabled(enabled)
	defer ts.MustGradSetEnabled(prev)
	fn()
}

// stateOf returns the named parameter's state tensors, creating n zero
// tensors shaped by shapes on first use. The optimizer owns them (Free).
func (o *Optimizer) stateOf(p Param, shapes ...[]int64) []*ts.Tensor {
	if s, ok := o.state[p.Name]; ok {
		return s
	}
	dev := p.Tensor.MustDevice()
	s := make([]*ts.Tensor, len(shapes))
	for i, shape := range shapes {
		z, err := torch.Full(shape, 0, dev)
		if err != nil {
			dropAll(s)
			panic(fmt.Errorf("optimizer state of %s: %w", p.Name, err)) // recovered by Step
		}
		s[i] = z
	}
	o.state[p.Name] = s
	return s
}

// inPlace runs an in-place glue operation and records its error.
func (tp *tape) inPlace(what string, f func() error) {
	if tp.err != nil {
		return
	}
	if err := f(); err != nil {
		tp.err = fmt.Errorf("libtorch %s: %w", what, err)
	}
}

// value reads a one-element tensor (0 after an error), freeing it when del.
func (tp *tape) value(x *ts.Tensor, del bool) float64 {
	if del {
		defer drop(x)
	}
	if tp.err != nil {
		return 0
	}
	v, err := torch.Float64(x)
	if err != nil {
		tp.err = fmt.Errorf("libtorch read value: %w", err)
	}
	return v
}

// adamw is torch.optim.AdamW's update: decoupled decay p ← p(1 − lr·wd),
// m ← β1 m + (1−β1) g, v ← β2 v + (1−β2) g², p ← p − lr/(1−β1ᵗ) · m /
// (√v/√(1−β2ᵗ) + ε).
func (o *Optimizer) adamw(tp *tape, p Param, g *ts.Tensor, lr, wd float64) {
	shape := p.Tensor.MustSize()
	st := o.stateOf(p, shape, shape)
	m, v := st[0], st[1]
	b1, b2 := o.cfg.Beta1, o.cfg.Beta2
	if wd != 0 {
		tp.inPlace("mul_", func() error { return torch.MulScalarInPlace(p.Tensor, 1-lr*wd) })
	}
	tp.inPlace("lerp_", func() error { return torch.LerpInPlace(m, g, 1-b1) })
	tp.inPlace("mul_", func() error { return torch.MulScalarInPlace(v, b2) })
	g2 := tp.mulScalar(tp.mul(g, g, false), 1-b2, true)
	tp.inPlace("add_", func() error { return torch.AddInPlace(v, g2) })
	drop(g2)
	t := float64(o.steps)
	c1, c2 := 1-math.Pow(b1, t), 1-math.Pow(b2, t)
	root := tp.glue("sqrt", v, false, func() (*ts.Tensor, error) { return torch.Sqrt(v) })
	scaled := tp.glue("div", root, true, func() (*ts.Tensor, error) { return torch.DivScalar(root, math.Sqrt(c2)) })
	denom := tp.addScalar(scaled, o.cfg.Eps, true)
	ratio := tp.glue("div", m, false, func() (*ts.Tensor, error) { return torch.Div(m, denom) })
	drop(denom)
	upd := tp.mulScalar(ratio, lr/c1, true)
	tp.inPlace("sub_", func() error { return torch.SubInPlace(p.Tensor, upd) })
	drop(upd)
}

// lion is the Lion update (Chen et al. 2023, "Symbolic Discovery of
// Optimization Algorithms", Algorithm 2): p ← p(1 − lr·wd), p ← p − lr ·
// sign(β1 m + (1−β1) g), then m ← β2 m + (1−β2) g.
func (o *Optimizer) lion(tp *tape, p Param, g *ts.Tensor, lr, wd float64) {
	m := o.stateOf(p, p.Tensor.MustSize())[0]
	if wd != 0 {
		tp.inPlace("mul_", func() error { return torch.MulScalarInPlace(p.Tensor, 1-lr*wd) })
	}
	c := tp.mulScalar(m, o.cfg.Beta1, false)
	gs := tp.mulScalar(g, 1-o.cfg.Beta1, false)
	tp.inPlace("add_", func() error { return torch.AddInPlace(c, gs) })
	drop(gs)
	sign := tp.glue("sign", c, true, func() (*ts.Tensor, error) { return torch.Sign(c) })
	upd := tp.mulScalar(sign, lr, true)
	tp.inPlace("sub_", func() error { return torch.SubInPlace(p.Tensor, upd) })
	drop(upd)
	tp.inPlace("lerp_", func() error { return torch.LerpInPlace(m, g, 1-o.cfg.Beta2) })
}
