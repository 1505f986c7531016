//go:build gotch

package model

import (
	"fmt"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/redsm5/supermax-hpo/model/torch"
)

// tape runs a chain of libtorch operations and keeps the first error:
// gotch's Must* variants call log.Fatal, which would end the whole worker
// on, say, a CUDA out-of-memory error. After an error every further
// operation is skipped and returns nil, so forward code reads as a straight
// line and checks tape.err once.
//
// The helpers below run through the project's glue (package torch): each
// returns a new tensor owned by the caller, and with del it frees x (the
// receiver-like first argument) after the operation, as gotch's del
// arguments do. See the package documentation for the ownership rules.
type tape struct{ err error }

// do runs f and records its error. f may call gotch directly: it runs with
// the goroutine locked to its OS thread, so that gotch's thread-local error
// is read on the thread that set it.
func (tp *tape) do(what string, f func() (*ts.Tensor, error)) *ts.Tensor {
	if tp.err != nil {
		return nil
	}
	var t *ts.Tensor
	var err error
	torch.Locked(func() { t, err = f() })
	if err != nil {
		tp.err = fmt.Errorf("libtorch %s: %w", what, err)
		return nil
	}
	return t
}

// glue runs a glue operation and records its error; with del it frees x
// afterwards, whether or not the operation succeeded.
func (tp *tape) glue(what string, x *ts.Tensor, del bool, f func() (*ts.Tensor, error)) *ts.Tensor {
	if del {
		defer drop(x)
	}
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
	return tp.glue("linear", x, false, func() (*ts.Tensor, error) { return torch.Linear(x, l.w, l.b) })
}

func (tp *tape) layerNorm(x *ts.Tensor, n layerNorm) *ts.Tensor {
	return tp.glue("layer_norm", x, false, func() (*ts.Tensor, error) {
		return torch.LayerNorm(x, n.w, n.b, []int64{n.dim}, n.eps)
	})
}

func (tp *tape) embedding(w, ids *ts.Tensor, pad int64) *ts.Tensor {
	return tp.glue("embedding", w, false, func() (*ts.Tensor, error) { return torch.Embedding(w, ids, pad) })
}

func (tp *tape) dropout(x *ts.Tensor, p float64, train bool) *ts.Tensor {
	return tp.glue("dropout", x, false, func() (*ts.Tensor, error) { return torch.Dropout(x, p, train) })
}

func (tp *tape) add(x, y *ts.Tensor, del bool) *ts.Tensor {
	return tp.glue("add", x, del, func() (*ts.Tensor, error) { return torch.Add(x, y) })
}

func (tp *tape) mul(x, y *ts.Tensor, del bool) *ts.Tensor {
	return tp.glue("mul", x, del, func() (*ts.Tensor, error) { return torch.Mul(x, y) })
}

func (tp *tape) matmul(x, y *ts.Tensor, del bool) *ts.Tensor {
	return tp.glue("matmul", x, del, func() (*ts.Tensor, error) { return torch.Matmul(x, y) })
}

func (tp *tape) transpose(x *ts.Tensor, d0, d1 int64, del bool) *ts.Tensor {
	return tp.glue("transpose", x, del, func() (*ts.Tensor, error) { return torch.Transpose(x, d0, d1) })
}

func (tp *tape) mulScalar(x *ts.Tensor, v float64, del bool) *ts.Tensor {
	return tp.glue("mul", x, del, func() (*ts.Tensor, error) { return torch.MulScalar(x, v) })
}

func (tp *tape) addScalar(x *ts.Tensor, v float64, del bool) *ts.Tensor {
	return tp.glue("add", x, del, func() (*ts.Tensor, error) { return torch.AddScalar(x, v) })
}

func (tp *tape) softmax(x *ts.Tensor, del bool) *ts.Tensor {
	return tp.glue("softmax", x, del, func() (*ts.Tensor, error) { return torch.Softmax(x, -1) })
}

func (tp *tape) view(x *ts.Tensor, shape []int64, del bool) *ts.Tensor {
	return tp.glue("view", x, del, func() (*ts.Tensor, error) { return torch.View(x, shape) })
}

func (tp *tape) permute(x *ts.Tensor, dims []int64, del bool) *ts.Tensor {
	return tp.glue("permute", x, del, func() (*ts.Tensor, error) { return torch.Permute(x, dims) })
}

func (tp *tape) contiguous(x *ts.Tensor, del bool) *ts.Tensor {
	return tp.glue("contiguous", x, del, func() (*ts.Tensor, error) { return torch.Contiguous(x) })
}

func (tp *tape) unsqueeze(x *ts.Tensor, dim int64, del bool) *ts.Tensor {
	return tp.glue("unsqueeze", x, del, func() (*ts.Tensor, error) { return torch.Unsqueeze(x, dim) })
}

func (tp *tape) totype(x *ts.Tensor, dtype gotch.DType, del bool) *ts.Tensor {
	return tp.glue("to dtype", x, del, func() (*ts.Tensor, error) { return torch.ToDType(x, dtype) })
}

func (tp *tape) expand(x *ts.Tensor, shape []int64, del bool) *ts.Tensor {
	return tp.glue("expand", x, del, func() (*ts.Tensor, error) { return torch.Expand(x, shape) })
}

func (tp *tape) gather(x, index *ts.Tensor, del bool) *ts.Tensor {
	return tp.glue("gather", x, del, func() (*ts.Tensor, error) { return torch.Gather(x, -1, index) })
}

func (tp *tape) maskedFill(x, mask *ts.Tensor, v float64, del bool) *ts.Tensor {
	return tp.glue("masked_fill", x, del, func() (*ts.Tensor, error) { return torch.MaskedFill(x, mask, v) })
}

func (tp *tape) zerosLike(x *ts.Tensor) *ts.Tensor {
	return tp.glue("zeros_like", x, false, func() (*ts.Tensor, error) { return torch.ZerosLike(x) })
}

// activate applies the named activation and frees x.
func (tp *tape) activate(act string, x *ts.Tensor) *ts.Tensor {
	return tp.glue(act, x, true, func() (*ts.Tensor, error) {
		switch act {
		case "gelu":
			return torch.Gelu(x, false)
		case "gelu_new", "gelu_pytorch_tanh":
			return torch.Gelu(x, true)
		case "relu":
			return torch.Relu(x)
		default: // "silu", "swish"; Config.Validate admits no other
			return torch.Silu(x)
		}
	})
}

// int64s makes an int64 tensor of shape on device from data.
func (tp *tape) int64s(data, shape []int64, device gotch.Device) *ts.Tensor {
	return tp.glue("tensor", nil, false, func() (*ts.Tensor, error) { return torch.FromInt64s(data, shape, device) })
}

// drop frees tensors now; nil ones (skipped after an error) are ignored.
// A failure to free cannot be acted on here and is ignored too.
func drop(tensors ...*ts.Tensor) {
	_ = torch.Drop(tensors...)
}
