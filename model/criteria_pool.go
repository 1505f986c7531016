//go:build gotch

package model

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/redsm5/supermax-hpo/model/torch"
)

// pool reduces hidden [B, T, H] to [B, H] with the head's pooling, looking
// only at tokens where mask is 1. The inputs are not consumed.
func (h *CriteriaHead) pool(tp *tape, hidden, mask *ts.Tensor) *ts.Tensor {
	switch h.cfg.Pooling {
	case PoolMean:
		return meanPool(tp, hidden, mask)
	case PoolMax:
		return maxPool(tp, hidden, mask)
	case PoolAttn:
		return h.attnPool(tp, hidden, mask)
	default:
		return tp.glue("select", hidden, false, func() (*ts.Tensor, error) { return torch.Select(hidden, 1, 0) })
	}
}

// floatMask returns mask as float [B, T, 1].
func floatMask(tp *tape, mask *ts.Tensor) *ts.Tensor {
	return tp.unsqueeze(tp.totype(mask, gotch.Float, false), 2, true)
}

// sumTokens sums x over dimension 1 (tokens), freeing x when del.
func sumTokens(tp *tape, x *ts.Tensor, del bool) *ts.Tensor {
	return tp.glue("sum", x, del, func() (*ts.Tensor, error) { return torch.SumDims(x, []int64{1}, false) })
}

// padMask is true at padding, as [B, T, 1].
func padMask(tp *tape, mask *ts.Tensor) *ts.Tensor {
	eq := tp.glue("eq", mask, false, func() (*ts.Tensor, error) { return torch.EqInt(mask, 0) })
	return tp.unsqueeze(eq, 2, true)
}

// meanPool averages the real tokens: sum(h·m) / max(sum(m), 1).
func meanPool(tp *tape, hidden, mask *ts.Tensor) *ts.Tensor {
	m := floatMask(tp, mask)
	defer drop(m)
	sum := sumTokens(tp, tp.mul(hidden, m, false), true)
	total := sumTokens(tp, m, false)
	count := tp.glue("clamp_min", total, true, func() (*ts.Tensor, error) { return torch.ClampMin(total, 1) })
	defer drop(count)
	return tp.glue("div", sum, true, func() (*ts.Tensor, error) { return torch.Div(sum, count) })
}

// maxPool takes the element-wise max over real tokens; padding is filled
// with a large negative value first.
func maxPool(tp *tape, hidden, mask *ts.Tensor) *ts.Tensor {
	pad := padMask(tp, mask)
	defer drop(pad)
	filled := tp.maskedFill(hidden, pad, -1e4, false)
	return tp.glue("amax", filled, true, func() (*ts.Tensor, error) { return torch.Amax(filled, []int64{1}, false) })
}

// attnPool scores each token with a learned linear map, softmaxes the
// scores over real tokens and returns the weighted sum of the vectors.
func (h *CriteriaHead) attnPool(tp *tape, hidden, mask *ts.Tensor) *ts.Tensor {
	pad := padMask(tp, mask)
	defer drop(pad)
	scores := tp.maskedFill(tp.dense(hidden, h.scorer), pad, -1e4, true) // [B, T, 1]
	weights := tp.glue("softmax", scores, true, func() (*ts.Tensor, error) { return torch.Softmax(scores, 1) })
	defer drop(weights)
	return sumTokens(tp, tp.mul(hidden, weights, false), true)
}

// swapDrop frees prev and returns next: x = swapDrop(x, f(x)).
func swapDrop(prev, next *ts.Tensor) *ts.Tensor {
	drop(prev)
	return next
}
