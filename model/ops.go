//go:build gotch

package model

import (
	"fmt"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// tape runs a chain of libtorch operations through gotch's error-returning
// functions and keeps the first error: gotch's Must* variants call
// log.Fatal, which would end the whole worker on, say, a CUDA out-of-memory
// error. After an error every further operation is skipped and returns nil,
// so forward code reads as a straight line and checks tape.err once.
type tape struct{ err error }

func (tp *tape) do(what string, f func() (*ts.Tensor, error)) *ts.Tensor {
	if tp.err != nil {
		return nil
	}
	t, err := f()
	if err != nil {
		tp.err = fmt.Errorf("libtorch %s: %w", what, err)
		return nil
	}
	return t
}

func (tp *tape) linear(x *ts.Tensor, l linear) *ts.Tensor {
	return tp.do("linear", func() (*ts.Tensor, error) { return ts.Linear(x, l.w, l.b) })
}

func (tp *tape) layerNorm(x *ts.Tensor, n layerNorm) *ts.Tensor {
	return tp.do("layer_norm", func() (*ts.Tensor, error) {
		return ts.LayerNorm(x, []int64{n.dim}, n.w, n.b, n.eps, false)
	})
}

func (tp *tape) embedding(w, ids *ts.Tensor, pad int64) *ts.Tensor {
	return tp.do("embedding", func() (*ts.Tensor, error) { return ts.Embedding(w, ids, pad, false, false) })
}

func (tp *tape) dropout(x *ts.Tensor, p float64, train bool) *ts.Tensor {
	return tp.do("dropout", func() (*ts.Tensor, error) { return ts.Dropout(x, p, train) })
}

func (tp *tape) add(x, y *ts.Tensor, del bool) *ts.Tensor {
	return tp.do("add", func() (*ts.Tensor, error) { return x.Add(y, del) })
}

func (tp *tape) mul(x, y *ts.Tensor, del bool) *ts.Tensor {
	return tp.do("mul", func() (*ts.Tensor, error) { return x.Mul(y, del) })
}

func (tp *tape) matmul(x, y *ts.Tensor, del bool) *ts.Tensor {
	return tp.do("matmul", func() (*ts.Tensor, error) { return x.Matmul(y, del) })
}

func (tp *tape) transpose(x *ts.Tensor, d0, d1 int64, del bool) *ts.Tensor {
	return tp.do("transpose", func() (*ts.Tensor, error) { return x.Transpose(d0, d1, del) })
}

func (tp *tape) mulScalar(x *ts.Tensor, v float64, del bool) *ts.Tensor {
	return tp.do("mul", func() (*ts.Tensor, error) { return x.MulScalar(ts.FloatScalar(v), del) })
}

func (tp *tape) addScalar(x *ts.Tensor, v float64, del bool) *ts.Tensor {
	return tp.do("add", func() (*ts.Tensor, error) { return x.AddScalar(ts.FloatScalar(v), del) })
}

func (tp *tape) softmax(x *ts.Tensor, del bool) *ts.Tensor {
	return tp.do("softmax", func() (*ts.Tensor, error) { return x.Softmax(-1, gotch.Float, del) })
}

func (tp *tape) view(x *ts.Tensor, shape []int64, del bool) *ts.Tensor {
	return tp.do("view", func() (*ts.Tensor, error) { return x.View(shape, del) })
}

func (tp *tape) permute(x *ts.Tensor, dims []int64, del bool) *ts.Tensor {
	return tp.do("permute", func() (*ts.Tensor, error) { return x.Permute(dims, del) })
}

func (tp *tape) contiguous(x *ts.Tensor, del bool) *ts.Tensor {
	return tp.do("contiguous", func() (*ts.Tensor, error) { return x.Contiguous(del) })
}

func (tp *tape) unsqueeze(x *ts.Tensor, dim int64, del bool) *ts.Tensor {
	return tp.do("unsqueeze", func() (*ts.Tensor, error) { return x.Unsqueeze(dim, del) })
}

func (tp *tape) totype(x *ts.Tensor, dtype gotch.DType, del bool) *ts.Tensor {
	return tp.do("to dtype", func() (*ts.Tensor, error) { return x.Totype(dtype, del) })
}

func (tp *tape) expand(x *ts.Tensor, shape []int64, del bool) *ts.Tensor {
	return tp.do("expand", func() (*ts.Tensor, error) { return x.Expand(shape, true, del) })
}

func (tp *tape) gather(x, index *ts.Tensor, del bool) *ts.Tensor {
	return tp.do("gather", func() (*ts.Tensor, error) { return x.Gather(-1, index, false, del) })
}

func (tp *tape) maskedFill(x, mask *ts.Tensor, v float64, del bool) *ts.Tensor {
	return tp.do("masked_fill", func() (*ts.Tensor, error) { return x.MaskedFill(mask, ts.FloatScalar(v), del) })
}

func (tp *tape) zerosLike(x *ts.Tensor) *ts.Tensor {
	return tp.do("zeros_like", func() (*ts.Tensor, error) { return x.ZerosLike(false) })
}

func (tp *tape) activate(act string, x *ts.Tensor) *ts.Tensor {
	return tp.do(act, func() (*ts.Tensor, error) {
		switch act {
		case "gelu":
			return x.Gelu("none", true)
		case "gelu_new", "gelu_pytorch_tanh":
			return x.Gelu("tanh", true)
		case "relu":
			return x.Relu(true)
		default: // "silu", "swish"; Config.Validate admits no other
			return x.Silu(true)
		}
	})
}

// int64s makes an int64 tensor of shape on device from data.
func (tp *tape) int64s(data, shape []int64, device gotch.Device) *ts.Tensor {
	t := tp.do("tensor", func() (*ts.Tensor, error) { return ts.OfSlice(data) })
	t = tp.view(t, shape, true)
	if device.Name == gotch.CPU.Name {
		return t
	}
	return tp.do("to device", func() (*ts.Tensor, error) { return t.To(device, true) })
}

// drop frees tensors now; nil ones (skipped after an error) are ignored.
func drop(tensors ...*ts.Tensor) {
	for _, t := range tensors {
		if t != nil {
			_ = t.Drop()
		}
	}
}
