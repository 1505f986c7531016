//go:build gotch

package model

import (
	"fmt"
	"slices"

	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"
)

// SpanHeadConfig describes the span head of the evidence agent (and the
// share and joint agents): per token, Layers hidden layers of width Hidden
// (dropout → Linear → activation), then dropout and a Linear to two
// logits, start and end. It is the criteria head's MLP applied to every
// token instead of a pooled vector. Plain data.
type SpanHeadConfig struct {
	Layers     int     `json:"layers"`     // head.layers (>= 1)
	Hidden     int     `json:"hidden"`     // head.hidden
	Activation string  `json:"activation"` // head.activation
	Dropout    float64 `json:"dropout"`    // head.dropout
}

// Validate checks every field; errors wrap ErrBadInput and name the field.
func (c SpanHeadConfig) Validate() error {
	switch {
	case c.Layers < 1 || c.Layers > 8:
		return fmt.Errorf("%w: head.layers %d, want 1..8", ErrBadInput, c.Layers)
	case c.Hidden < 1:
		return fmt.Errorf("%w: head.hidden %d, want > 0", ErrBadInput, c.Hidden)
	case !slices.Contains([]string{ActGELU, ActReLU, ActSiLU}, c.Activation):
		return fmt.Errorf("%w: head.activation %q, want gelu, relu or silu", ErrBadInput, c.Activation)
	case c.Dropout < 0 || c.Dropout >= 1:
		return fmt.Errorf("%w: head.dropout %g, want in [0, 1)", ErrBadInput, c.Dropout)
	}
	return nil
}

// SpanHead maps an encoder's last hidden state to start and end logits per
// token. Its variables live in the VarStore it was built in, under
// "<prefix>.mlp.<i>.weight/bias" and "<prefix>.out.weight/bias"
// (initialized like Hugging Face heads: weights N(0, 0.02), biases 0); the
// VarStore owns them. Any name outside the encoder's is a head variable
// for ParamPolicy (full learning rate, never frozen). Forward is safe for
// concurrent use.
type SpanHead struct {
	cfg    SpanHeadConfig
	hidden []linear
	out    linear
}

// NewSpanHead creates the head's variables in vs under prefix (e.g. "head"
// or "span_head"; it must not clash with the encoder's names) for encoder
// vectors of width in. Random initialization draws from libtorch's global
// generator (seed it for reproducible heads). Errors wrap ErrBadInput for
// a bad cfg, in or prefix, or ErrTorch for a libtorch failure (variables
// created before it stay in vs).
func NewSpanHead(vs *nn.VarStore, prefix string, in int, cfg SpanHeadConfig) (*SpanHead, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if vs == nil || in < 1 || prefix == "" {
		return nil, fmt.Errorf("%w: span head of input width %d under %q (VarStore %v)", ErrBadInput, in, prefix, vs != nil)
	}
	b := &builder{vs: vs}
	h := &SpanHead{cfg: cfg}
	width := in
	for i := 0; i < cfg.Layers; i++ {
		h.hidden = append(h.hidden, newHeadLinear(b, fmt.Sprintf("%s.mlp.%d", prefix, i), width, cfg.Hidden))
		width = cfg.Hidden
	}
	h.out = newHeadLinear(b, prefix+".out", width, 2)
	if b.tp.err != nil {
		return nil, fmt.Errorf("%w: build span head: %w", ErrTorch, b.tp.err)
	}
	return h, nil
}

// newHeadLinear is a Linear initialized as Hugging Face initializes heads.
func newHeadLinear(b *builder, name string, in, out int) linear {
	return linear{
		w: b.variable(0, name, "weight", []int64{int64(out), int64(in)}, initNormal, 0.02),
		b: b.variable(0, name, "bias", []int64{int64(out)}, initConst, 0),
	}
}

// Config is the configuration the head was built with.
func (h *SpanHead) Config() SpanHeadConfig { return h.cfg }

// Forward maps hidden [B, T, H] to start and end logits, each [B, T]
// float32 and contiguous. train turns dropout on; autograd records the
// pass unless run under WithGrad(false, ...). hidden is not consumed; the
// caller owns and frees both results. Errors wrap ErrBadInput for a hidden
// state that is not [B, T, in], or ErrTorch.
func (h *SpanHead) Forward(hidden *ts.Tensor, train bool) (start, end *ts.Tensor, err error) {
	if hidden == nil {
		return nil, nil, fmt.Errorf("%w: nil hidden state", ErrBadInput)
	}
	if s, err := hidden.Size(); err != nil || len(s) != 3 {
		return nil, nil, fmt.Errorf("%w: hidden state of shape %v, want [B, T, H]", ErrBadInput, s)
	}
	tp := &tape{}
	x := hidden // not owned until the first operation
	for _, l := range h.hidden {
		d := tp.dropout(x, h.cfg.Dropout, train)
		if x != hidden {
			drop(x)
		}
		x = tp.activate(h.cfg.Activation, tp.linear(d, l)) // activate consumes the linear's output
		drop(d)
	}
	d := tp.dropout(x, h.cfg.Dropout, train)
	if x != hidden {
		drop(x)
	}
	logits := tp.linear(d, h.out) // [B, T, 2]
	drop(d)
	start = tp.contiguous(tp.do("select", func() (*ts.Tensor, error) { return logits.Select(2, 0, false) }), true)
	end = tp.contiguous(tp.do("select", func() (*ts.Tensor, error) { return logits.Select(2, 1, false) }), true)
	drop(logits)
	if tp.err != nil {
		drop(start, end)
		return nil, nil, fmt.Errorf("%w: span head forward: %w", ErrTorch, tp.err)
	}
	return start, end, nil
}
