//go:build gotch

package model

import (
	"math"

	"github.com/sugarme/gotch/ts"

	"github.com/redsm5/supermax-hpo/model/torch"
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
func (o *Optimizer) adafactor(tp *tape, p Param, g *ts.Tensor, lr, wd float64) {
	shape := p.Tensor.MustSize()
	factored := len(shape) >= 2
	var st []*ts.Tensor
	if factored {
		st = o.stateOf(p, shape[:len(shape)-1], append(append([]int64{}, shape[:len(shape)-2]...), shape[len(shape)-1]))
	} else {
		st = o.stateOf(p, shape)
	}
	beta2t := 1 - math.Pow(float64(o.steps), adafactorDecay)
	sq := tp.addScalar(tp.mul(g, g, false), adafactorEps1, true)
	defer drop(sq)
	var upd *ts.Tensor
	if factored {
		row, col := st[0], st[1]
		emaInto(tp, row, meanDims(tp, sq, -1, false), beta2t)
		emaInto(tp, col, meanDims(tp, sq, -2, false), beta2t)
		upd = tp.mul(approxInvSqrt(tp, row, col), g, true)
	} else {
		emaInto(tp, st[0], tp.glue("clone", sq, false, func() (*ts.Tensor, error) { return torch.ShallowClone(sq) }), beta2t)
		upd = tp.mul(tp.glue("rsqrt", st[0], false, func() (*ts.Tensor, error) { return torch.Rsqrt(st[0]) }), g, true)
	}
	n := 1.0
	for _, d := range shape {
		n *= float64(d)
	}
	rms := tp.value(tp.glue("norm", upd, false, func() (*ts.Tensor, error) { return torch.Norm(upd) }), true) / math.Sqrt(n)
	scale := lr / math.Max(1, rms/adafactorClipRMS)
	upd = tp.mulScalar(upd, scale, true)
	if wd != 0 {
		tp.inPlace("mul_", func() error { return torch.MulScalarInPlace(p.Tensor, 1-wd*lr) })
	}
	tp.inPlace("sub_", func() error { return torch.SubInPlace(p.Tensor, upd) })
	drop(upd)
}

// meanDims is x's float mean over dim.
func meanDims(tp *tape, x *ts.Tensor, dim int64, keep bool) *ts.Tensor {
	return tp.glue("mean", x, false, func() (*ts.Tensor, error) { return torch.MeanDims(x, []int64{dim}, keep) })
}

// emaInto sets state ← β·state + (1−β)·x and frees x.
func emaInto(tp *tape, state, x *ts.Tensor, beta float64) {
	tp.inPlace("mul_", func() error { return torch.MulScalarInPlace(state, beta) })
	x = tp.mulScalar(x, 1-beta, true)
	tp.inPlace("add_", func() error { return torch.AddInPlace(state, x) })
	drop(x)
}

// approxInvSqrt is Adafactor's _approx_sq_grad: the outer product of
// rsqrt(row / mean(row)) and rsqrt(col).
func approxInvSqrt(tp *tape, row, col *ts.Tensor) *ts.Tensor {
	mean := meanDims(tp, row, -1, true)
	ratio := tp.glue("div", row, false, func() (*ts.Tensor, error) { return torch.Div(row, mean) })
	drop(mean)
	r := tp.unsqueeze(tp.glue("rsqrt", ratio, true, func() (*ts.Tensor, error) { return torch.Rsqrt(ratio) }), -1, true)
	cu := tp.unsqueeze(col, -2, false)
	c := tp.glue("rsqrt", cu, true, func() (*ts.Tensor, error) { return torch.Rsqrt(cu) })
	defer drop(c)
	return tp.mul(r, c, true)
}
