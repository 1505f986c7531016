//go:build gotch

package model

import (
	"fmt"
	"runtime"
	"slices"

	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/redsm5/supermax-hpo/model/torch"
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
	runtime.LockOSThread() // gotch's calls check a thread-local error
	defer runtime.UnlockOSThread()
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

// Free releases the head's own tensors: the transposed weight views that
// gotch's nn.Linear keeps beside the variables (the variables themselves
// belong to the VarStore, freed by its Destroy). The head must not be used
// afterwards.
func (h *CriteriaHead) Free() {
	layers := append([]*nn.Linear{h.scorer, h.out}, h.hidden...)
	for _, l := range layers {
		if l != nil {
			drop(l.Ws)
		}
	}
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
	hs, err1 := shapeOf(hidden)
	ms, err2 := shapeOf(mask)
	if err1 != nil || err2 != nil || len(hs) != 3 || len(ms) != 2 || hs[0] != ms[0] || hs[1] != ms[1] {
		return nil, fmt.Errorf("%w: hidden %v and mask %v, want [B, T, H] and [B, T]", ErrBadInput, hs, ms)
	}
	tp := &tape{}
	x := h.classify(tp, h.pool(tp, hidden, mask), train)
	if tp.err != nil {
		drop(x)
		return nil, fmt.Errorf("%w: criteria head forward: %w", ErrTorch, tp.err)
	}
	return x, nil
}

// classify runs the MLP on pooled vectors [B, H] through tp, consuming x,
// and returns logits [B, 2] (nil once tp has failed; the caller checks
// tp.err).
func (h *CriteriaHead) classify(tp *tape, x *ts.Tensor, train bool) *ts.Tensor {
	for _, l := range h.hidden {
		x = swapDrop(x, tp.dropout(x, h.cfg.Dropout, train))
		x = swapDrop(x, tp.dense(x, l))
		x = tp.activate(headActivation(h.cfg.Activation), x)
	}
	x = swapDrop(x, tp.dropout(x, h.cfg.Dropout, train))
	return swapDrop(x, tp.dense(x, h.out))
}

// headActivation maps a head activation to tape.activate's names.
func headActivation(name string) string {
	switch name {
	case ActReLU:
		return "relu"
	case ActSiLU:
		return "silu"
	default:
		return "gelu"
	}
}

// dense is gotch's nn.Linear forward (x·Ws + Bs, Ws the transposed weight
// view it keeps) through the glue.
func (tp *tape) dense(x *ts.Tensor, l *nn.Linear) *ts.Tensor {
	y := tp.matmul(x, l.Ws, false)
	if l.Bs == nil {
		return y
	}
	return tp.add(y, l.Bs, true)
}

// shapeOf is t's shape through gotch, on one OS thread.
func shapeOf(t *ts.Tensor) (shape []int64, err error) {
	torch.Locked(func() { shape, err = t.Size() })
	return shape, err
}
