//go:build gotch

package trainer

import (
	"math"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/redsm5/supermax-hpo/model"
)

// params makes two trainable tensors (a matrix and a vector, the second
// without weight decay) with fixed values.
func kernelParams() []model.Param {
	mk := func(shape []int64, vals []float32) *ts.Tensor {
		z := ts.MustZeros(shape, gotch.Float, gotch.CPU)
		src := ts.MustOfSlice(vals).MustView(shape, true)
		z.Copy_(src)
		src.MustDrop()
		return z.MustSetRequiresGrad(true, false)
	}
	return []model.Param{
		{Name: "w", Tensor: mk([]int64{2, 2}, []float32{1, -2, 0.5, 3}), LRScale: 1, Decay: true},
		{Name: "b", Tensor: mk([]int64{2}, []float32{0.1, -0.3}), LRScale: 0.5, Decay: false},
	}
}

// backwardOn sets the gradients from a fixed loss that depends on k.
func backwardOn(params []model.Param, k float64) {
	model.WithGrad(true, func() {
		w, b := params[0].Tensor, params[1].Tensor
		l := w.MustMulScalar(ts.FloatScalar(k), false).MustSin(true).MustSum(gotch.Float, true)
		l2 := b.MustMul(b, false).MustMulScalar(ts.FloatScalar(3*k), true).MustSum(gotch.Float, true)
		total := l.MustAdd(l2, true)
		l2.MustDrop()
		total.MustBackward()
		total.MustDrop()
	})
}

func flatValues(params []model.Param) []float64 {
	var out []float64
	for _, p := range params {
		out = append(out, p.Tensor.MustDetach(false).MustTotype(gotch.Double, true).Float64Values(true)...)
	}
	return out
}

// TestFusedKernelMatchesGo runs four updates (clipping, stepping, zeroing)
// with the Go implementation and with the fused kernel and compares the
// parameters and gradient norms.
func TestFusedKernelMatchesGo(t *testing.T) {
	for _, name := range []string{model.OptAdamW, model.OptLion} {
		cfg := model.OptimConfig{Name: name, WeightDecay: 0.1, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8}
		run := func(fused bool) ([]float64, []float64) {
			params := kernelParams()
			o, err := model.NewOptimizer(cfg, params)
			if err != nil {
				t.Fatal(err)
			}
			if fused {
				o.UseKernel(fusedKernel{})
			}
			var norms []float64
			for k := 1; k <= 4; k++ {
				backwardOn(params, float64(k))
				norm, err := o.ClipGradNorm(0.5)
				if err != nil {
					t.Fatal(err)
				}
				norms = append(norms, norm)
				if err := o.Step(0.05); err != nil {
					t.Fatal(err)
				}
				if err := o.ZeroGrad(); err != nil {
					t.Fatal(err)
				}
			}
			return flatValues(params), norms
		}
		goVals, goNorms := run(false)
		fusedVals, fusedNorms := run(true)
		for i := range goVals {
			if math.Abs(goVals[i]-fusedVals[i]) > 1e-6 {
				t.Errorf("%s: parameter %d: Go %.9f, fused %.9f", name, i, goVals[i], fusedVals[i])
			}
		}
		for i := range goNorms {
			if math.Abs(goNorms[i]-fusedNorms[i]) > 1e-5 {
				t.Errorf("%s: grad norm %d: Go %.9f, fused %.9f", name, i, goNorms[i], fusedNorms[i])
			}
		}
		if goVals[0] == kernelParams()[0].Tensor.Float64Values()[0] {
			t.Errorf("%s: parameters did not move", name)
		}
	}
}
