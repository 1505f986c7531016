//go:build gotch

package model

import (
	"fmt"

	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"
)

// ForwardPooled is Forward that also returns the pooled vector [B, H] the
// head's MLP reads (the joint agent's criteria vector, see Injector). The
// inputs are not consumed; the caller frees both results. Errors as
// Forward's.
func (h *CriteriaHead) ForwardPooled(hidden, mask *ts.Tensor, train bool) (logits, pooled *ts.Tensor, err error) {
	defer recoverInto(&err, "criteria head forward")
	if hidden == nil || mask == nil {
		return nil, nil, fmt.Errorf("%w: nil hidden state or mask", ErrBadInput)
	}
	hs, err1 := shapeOf(hidden)
	ms, err2 := shapeOf(mask)
	if err1 != nil || err2 != nil || len(hs) != 3 || len(ms) != 2 || hs[0] != ms[0] || hs[1] != ms[1] {
		return nil, nil, fmt.Errorf("%w: hidden %v and mask %v, want [B, T, H] and [B, T]", ErrBadInput, hs, ms)
	}
	tp := &tape{}
	pooled = h.pool(tp, hidden, mask)
	// classify consumes its input: it gets a second handle to pooled.
	logits = h.classify(tp, tp.contiguous(pooled, false), train)
	if tp.err != nil {
		drop(logits, pooled)
		return nil, nil, fmt.Errorf("%w: criteria head forward: %w", ErrTorch, tp.err)
	}
	return logits, pooled, nil
}

// Injector is the joint agent's bridge from its criteria branch to its
// span branch (docs/agents.md): the criteria head's pooled vector c [B, H]
// goes through a Linear H → H, and the result is added to every token
// vector of the evidence hidden state [B, T, H] before the span head:
// tokens'[b, t] = tokens[b, t] + W c[b] + b₀. Its variables ("<path>.proj")
// are initialized like the heads' (weights N(0, 0.02), bias 0). Build it
// with autograd on (WithGrad(true, ...)): gotch's nn.Linear keeps a
// transposed view of its weight. Forward is safe for concurrent use.
type Injector struct {
	proj *nn.Linear
}

// NewInjector creates the projection under p for vectors of width width.
// Random initialization draws from libtorch's global generator.
func NewInjector(p *nn.Path, width int) (j *Injector, err error) {
	if width < 1 {
		return nil, fmt.Errorf("%w: injector width %d", ErrBadInput, width)
	}
	defer recoverInto(&err, "build injector")
	lc := &nn.LinearConfig{WsInit: nn.NewRandnInit(0, 0.02), BsInit: nn.NewConstInit(0), Bias: true}
	return &Injector{proj: nn.NewLinear(p.Sub("proj"), int64(width), int64(width), lc)}, nil
}

// Forward returns tokens [B, T, H] plus the projection of pooled [B, H],
// broadcast over T. The inputs are not consumed; the caller frees the
// result. Errors wrap ErrBadInput for mismatched shapes.
func (j *Injector) Forward(tokens, pooled *ts.Tensor) (out *ts.Tensor, err error) {
	defer recoverInto(&err, "injector forward")
	if tokens == nil || pooled == nil {
		return nil, fmt.Errorf("%w: nil tokens or pooled vector", ErrBadInput)
	}
	tsz, err1 := shapeOf(tokens)
	psz, err2 := shapeOf(pooled)
	if err1 != nil || err2 != nil || len(tsz) != 3 || len(psz) != 2 || tsz[0] != psz[0] || tsz[2] != psz[1] {
		return nil, fmt.Errorf("%w: tokens %v and pooled %v, want [B, T, H] and [B, H]", ErrBadInput, tsz, psz)
	}
	tp := &tape{}
	shift := tp.unsqueeze(tp.dense(pooled, j.proj), 1, true)
	out = tp.add(tokens, shift, false)
	drop(shift)
	if tp.err != nil {
		drop(out)
		return nil, fmt.Errorf("%w: injector forward: %w", ErrTorch, tp.err)
	}
	return out, nil
}
