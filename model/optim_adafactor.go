//go:build gotch

package model

import (
	"math"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// Adafactor constants of transformers.optimization.Adafactor's defaults.
const (
	adafactorEps1    = 1e-30 // eps[0], added to g²
	adafactorDecay   = -0.8  // decay_rate: β2ₜ = 1 − t^−0.8
	adafactorClipRMS = 1.0   // clip_threshold on the update's RMS
)

// adafactor is transformers' Adafactor with an external learning rate
// (relative_step=False, scale_parameter=False, warmup_init=False, beta1=None:
// the configuration its documentation gives for a fixed or scheduled lr).
// Matrices keep factored second moments (a row and a column mean); vectors
// keep a full one. The update g/√v̂ is divided by max(1, RMS(update)/1),
// scaled by lr, and weight decay p ← p − wd·lr·p is applied before it.
func (o *Optimizer) adafactor(p Param, g *ts.Tensor, lr, wd float64) {
	shape := p.Tensor.MustSize()
	factored := len(shape) >= 2
	var st []*ts.Tensor
	if factored {
		st = o.stateOf(p, shape[:len(shape)-1], append(append([]int64{}, shape[:len(shape)-2]...), shape[len(shape)-1]))
	} else {
		st = o.stateOf(p, shape)
	}
	beta2t := 1 - math.Pow(float64(o.steps), adafactorDecay)
	sq := g.MustMul(g, false).MustAddScalar(ts.FloatScalar(adafactorEps1), true)
	defer sq.MustDrop()
	var upd *ts.Tensor
	if factored {
		row, col := st[0], st[1]
		emaInto(row, sq.MustMeanDim([]int64{-1}, false, gotch.Float, false), beta2t)
		emaInto(col, sq.MustMeanDim([]int64{-2}, false, gotch.Float, false), beta2t)
		upd = approxInvSqrt(row, col).MustMul(g, true)
	} else {
		emaInto(st[0], sq.MustShallowClone(), beta2t)
		upd = st[0].MustRsqrt(false).MustMul(g, true)
	}
	rms := upd.MustNorm(false).Float64Values(true)[0] / math.Sqrt(float64(upd.Numel()))
	scale := lr / math.Max(1, rms/adafactorClipRMS)
	upd = upd.MustMulScalar(ts.FloatScalar(scale), true)
	if wd != 0 {
		p.Tensor.MustMulScalar_(ts.FloatScalar(1 - wd*lr))
	}
	p.Tensor.MustSub_(upd)
	upd.MustDrop()
}

// emaInto sets state ← β·state + (1−β)·x and frees x.
func emaInto(state, x *ts.Tensor, beta float64) {
	state.MustMulScalar_(ts.FloatScalar(beta))
	x = x.MustMulScalar(ts.FloatScalar(1-beta), true)
	state.MustAdd_(x)
	x.MustDrop()
}

// approxInvSqrt is Adafactor's _approx_sq_grad: the outer product of
// rsqrt(row / mean(row)) and rsqrt(col).
func approxInvSqrt(row, col *ts.Tensor) *ts.Tensor {
	mean := row.MustMeanDim([]int64{-1}, true, gotch.Float, false)
	r := row.MustDiv(mean, false).MustRsqrt(true).MustUnsqueeze(-1, true)
	mean.MustDrop()
	c := col.MustUnsqueeze(-2, false).MustRsqrt(true)
	defer c.MustDrop()
	return r.MustMul(c, true)
}
