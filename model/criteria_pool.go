//go:build gotch

package model

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// pool reduces hidden [B, T, H] to [B, H] with the head's pooling, looking
// only at tokens where mask is 1. The inputs are not consumed.
func (h *CriteriaHead) pool(hidden, mask *ts.Tensor) *ts.Tensor {
	switch h.cfg.Pooling {
	case PoolMean:
		return meanPool(hidden, mask)
	case PoolMax:
		return maxPool(hidden, mask)
	case PoolAttn:
		return h.attnPool(hidden, mask)
	default:
		return hidden.MustSelect(1, 0, false)
	}
}

// floatMask returns mask as float [B, T, 1].
func floatMask(mask *ts.Tensor) *ts.Tensor {
	return mask.MustTotype(gotch.Float, false).MustUnsqueeze(2, true)
}

// meanPool averages the real tokens: sum(h·m) / max(sum(m), 1).
func meanPool(hidden, mask *ts.Tensor) *ts.Tensor {
	m := floatMask(mask)
	defer m.MustDrop()
	sum := hidden.MustMul(m, false).MustSumDimIntlist([]int64{1}, false, gotch.Float, true)
	count := m.MustSumDimIntlist([]int64{1}, false, gotch.Float, false).MustClampMin(ts.FloatScalar(1), true)
	defer count.MustDrop()
	return sum.MustDiv(count, true)
}

// maxPool takes the element-wise max over real tokens; padding is filled
// with a large negative value first.
func maxPool(hidden, mask *ts.Tensor) *ts.Tensor {
	pad := mask.MustEq(ts.IntScalar(0), false).MustUnsqueeze(2, true)
	defer pad.MustDrop()
	filled := hidden.MustMaskedFill(pad, ts.FloatScalar(-1e4), false)
	defer filled.MustDrop()
	return filled.MustAmax([]int64{1}, false, false)
}

// attnPool scores each token with a learned linear map, softmaxes the
// scores over real tokens and returns the weighted sum of the vectors.
func (h *CriteriaHead) attnPool(hidden, mask *ts.Tensor) *ts.Tensor {
	pad := mask.MustEq(ts.IntScalar(0), false).MustUnsqueeze(2, true)
	defer pad.MustDrop()
	scores := h.scorer.Forward(hidden).MustMaskedFill(pad, ts.FloatScalar(-1e4), true) // [B, T, 1]
	weights := scores.MustSoftmax(1, gotch.Float, true)
	defer weights.MustDrop()
	return hidden.MustMul(weights, false).MustSumDimIntlist([]int64{1}, false, gotch.Float, true)
}

// swapDrop frees prev and returns next: x = swapDrop(x, f(x)).
func swapDrop(prev, next *ts.Tensor) *ts.Tensor {
	prev.MustDrop()
	return next
}
