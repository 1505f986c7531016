//go:build gotch

package model

import (
	"fmt"
	"slices"

	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"
)

// Pooling strategies of the criteria head (search-space head.pooling).
const (
	PoolCLS  = "cls"  // the first token's vector
	PoolMean = "mean" // mean over real tokens
	PoolMax  = "max"  // element-wise max over real tokens
	PoolAttn = "attn" // softmax-weighted sum, weights from a learned scorer
)

// Activations of the head's hidden layers (search-space head.activation).
const (
	ActGELU = "gelu"
	ActReLU = "relu"
	ActSiLU = "silu"
)

// HeadConfig describes the criteria head: pooling, then Layers hidden
// layers of width Hidden (Linear → activation → dropout), then a Linear to
// 2 logits. Dropout is applied to the pooled vector too. Plain data.
type HeadConfig struct {
	Pooling    string  `json:"pooling"`    // head.pooling
	Layers     int     `json:"layers"`     // head.layers, hidden layers (>= 1)
	Hidden     int     `json:"hidden"`     // head.hidden
	Activation string  `json:"activation"` // head.activation
	Dropout    float64 `json:"dropout"`    // head.dropout
}

// DefaultHeadConfig is a one-hidden-layer GELU head on the [CLS] vector.
func DefaultHeadConfig() HeadConfig {
	return HeadConfig{Pooling: PoolCLS, Layers: 1, Hidden: 256, Activation: ActGELU, Dropout: 0.1}
}

// Validate checks every field; errors wrap ErrBadInput and name the field.
func (c HeadConfig) Validate() error {
	switch {
	case !slices.Contains([]string{PoolCLS, PoolMean, PoolMax, PoolAttn}, c.Pooling):
		return fmt.Errorf("%w: head.pooling %q, want cls, mean, max or attn", ErrBadInput, c.Pooling)
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

// CriteriaHead maps an encoder's last hidden state to two logits
// (criterion not met / met). Its variables live under the path it was built
// on ("head" by convention), initialized like Hugging Face heads: weights
// N(0, 0.02), biases 0. Forward is safe for concurrent use.
type CriteriaHead struct {
	cfg    HeadConfig
	scorer *nn.Linear // attn pooling only
	hidden []*nn.Linear
	out    *nn.Linear
}

// NewCriteriaHead creates the head's variables under p for encoder vectors
// of width in. Random initialization draws from libtorch's global
// generator (seed it for reproducible heads).
func NewCriteriaHead(p *nn.Path, in int, cfg HeadConfig) (h *CriteriaHead, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if in < 1 {
		return nil, fmt.Errorf("%w: head input width %d", ErrBadInput, in)
	}
	defer recoverInto(&err, "build criteria head")
	lc := &nn.LinearConfig{WsInit: nn.NewRandnInit(0, 0.02), BsInit: nn.NewConstInit(0), Bias: true}
	h = &CriteriaHead{cfg: cfg}
	if cfg.Pooling == PoolAttn {
		h.scorer = nn.NewLinear(p.Sub("pool_scorer"), int64(in), 1, lc)
	}
	width := int64(in)
	for i := 0; i < cfg.Layers; i++ {
		h.hidden = append(h.hidden, nn.NewLinear(p.Sub("mlp").Sub(fmt.Sprint(i)), width, int64(cfg.Hidden), lc))
		width = int64(cfg.Hidden)
	}
	h.out = nn.NewLinear(p.Sub("out"), width, 2, lc)
	return h, nil
}

// Config is the configuration the head was built with.
func (h *CriteriaHead) Config() HeadConfig { return h.cfg }

// Forward pools hidden [B, T, H] under mask [B, T] (1 = token, 0 =
// padding) and returns logits [B, 2]. train turns dropout on. The inputs
// are not consumed; the caller frees the result.
func (h *CriteriaHead) Forward(hidden, mask *ts.Tensor, train bool) (logits *ts.Tensor, err error) {
	defer recoverInto(&err, "criteria head forward")
	if hidden == nil || mask == nil {
		return nil, fmt.Errorf("%w: nil hidden state or mask", ErrBadInput)
	}
	if hs, ms := hidden.MustSize(), mask.MustSize(); len(hs) != 3 || len(ms) != 2 || hs[0] != ms[0] || hs[1] != ms[1] {
		return nil, fmt.Errorf("%w: hidden %v and mask %v, want [B, T, H] and [B, T]", ErrBadInput, hs, ms)
	}
	return h.classify(h.pool(hidden, mask), train), nil
}

// classify runs the MLP on pooled vectors [B, H], consuming x, and returns
// logits [B, 2].
func (h *CriteriaHead) classify(x *ts.Tensor, train bool) *ts.Tensor {
	for _, l := range h.hidden {
		x = swapDrop(x, ts.MustDropout(x, h.cfg.Dropout, train))
		x = swapDrop(x, l.Forward(x))
		x = headActivate(x, h.cfg.Activation)
	}
	x = swapDrop(x, ts.MustDropout(x, h.cfg.Dropout, train))
	return swapDrop(x, h.out.Forward(x))
}

// headActivate applies the named activation, consuming x.
func headActivate(x *ts.Tensor, name string) *ts.Tensor {
	switch name {
	case ActReLU:
		return x.MustRelu(true)
	case ActSiLU:
		return x.MustSilu(true)
	default:
		return x.MustGelu("none", true)
	}
}
