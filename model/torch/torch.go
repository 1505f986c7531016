//go:build gotch

package torch

/*
#cgo LDFLAGS: -ltorch_cpu -lc10
#include <stdlib.h>
#include "glue.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// ErrTorch wraps every error of this package: libtorch's message, or a nil
// or freed tensor argument.
var ErrTorch = errors.New("libtorch")

// maxArgs is the most tensor arguments one operation takes.
const maxArgs = 4

// op runs glue operation code on tensors (nil entries are undefined
// optional tensors), ints and floats, and returns the new tensor.
func op(code C.int, ints []int64, floats []float64, tensors ...*ts.Tensor) (*ts.Tensor, error) {
	var handles [maxArgs]C.sm_tensor
	if len(tensors) > maxArgs {
		return nil, fmt.Errorf("%w: %d tensor arguments, at most %d", ErrTorch, len(tensors), maxArgs)
	}
	for k, t := range tensors {
		if t != nil {
			handles[k] = C.sm_tensor(t.Ctensor())
		}
	}
	var out C.sm_tensor
	msg := C.sm_op(code, &out, &handles[0], C.int(len(tensors)),
		(*C.int64_t)(unsafe.Pointer(unsafe.SliceData(ints))), C.int(len(ints)),
		(*C.double)(unsafe.SliceData(floats)), C.int(len(floats)))
	// The handles are C pointers owned by the Go tensors: keep those
	// reachable until libtorch is done with them, or a finalizer could
	// free an argument during the call.
	runtime.KeepAlive(tensors)
	if err := failure(msg); err != nil {
		return nil, err
	}
	if out == nil {
		return nil, nil
	}
	return wrap(out), nil
}

// inPlace runs a glue operation that has no result.
func inPlace(code C.int, floats []float64, tensors ...*ts.Tensor) error {
	_, err := op(code, nil, floats, tensors...)
	return err
}

// failure turns a glue error message into an error and frees it.
func failure(msg *C.char) error {
	if msg == nil {
		return nil
	}
	s := C.GoString(msg)
	C.free(unsafe.Pointer(msg))
	return fmt.Errorf("%w: %s", ErrTorch, s)
}

// wrap gives a new torch::Tensor* a gotch Tensor without a finalizer: its
// owner frees it with Drop.
func wrap(c C.sm_tensor) *ts.Tensor {
	t := ts.FromCtensor(unsafe.Pointer(c))
	runtime.SetFinalizer(t, nil)
	return t
}

// Drop frees tensors now (nil ones and already freed ones are skipped) and
// returns the first error. It locks the OS thread for gotch's free, which
// checks libtorch's thread-local error.
func Drop(tensors ...*ts.Tensor) error {
	var first error
	Locked(func() {
		for _, t := range tensors {
			if t == nil {
				continue
			}
			if err := t.Drop(); err != nil && first == nil {
				first = fmt.Errorf("%w: free tensor: %w", ErrTorch, err)
			}
		}
	})
	return first
}

// Locked runs fn with the goroutine locked to its OS thread (nesting is
// fine). Every gotch call that reports errors through TorchErr, and every
// sequence that depends on libtorch's thread-local grad mode, must run
// under it.
func Locked(fn func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	fn()
}

func dtypeCode(d gotch.DType) (int64, error) {
	k := d.CKind()
	if k < 0 {
		return 0, fmt.Errorf("%w: dtype %v has no libtorch counterpart", ErrTorch, d)
	}
	return int64(k), nil
}

func deviceCode(d gotch.Device) (int64, error) {
	switch d.Name {
	case gotch.CPU.Name:
		return -1, nil
	case "CUDA":
		return int64(d.Value), nil
	}
	return 0, fmt.Errorf("%w: device %+v (want CPU or CUDA)", ErrTorch, d)
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// Linear is x·wᵀ + b (b may be nil).
func Linear(x, w, b *ts.Tensor) (*ts.Tensor, error) { return op(C.SM_LINEAR, nil, nil, x, w, b) }

// LayerNorm normalizes x over its trailing dimensions shape.
func LayerNorm(x, w, b *ts.Tensor, shape []int64, eps float64) (*ts.Tensor, error) {
	return op(C.SM_LAYER_NORM, shape, []float64{eps}, x, w, b)
}

// Embedding looks ids up in the rows of w; row pad gets no gradient
// (pad < 0: none).
func Embedding(w, ids *ts.Tensor, pad int64) (*ts.Tensor, error) {
	return op(C.SM_EMBEDDING, []int64{pad}, nil, w, ids)
}

// Dropout zeroes elements with probability p and scales the rest by
// 1/(1−p) when train; otherwise it returns a copy of x's handle.
func Dropout(x *ts.Tensor, p float64, train bool) (*ts.Tensor, error) {
	return op(C.SM_DROPOUT, []int64{boolInt(train)}, []float64{p}, x)
}

// Add is x + y (broadcasting).
func Add(x, y *ts.Tensor) (*ts.Tensor, error) { return op(C.SM_ADD, nil, nil, x, y) }

// Sub is x − y.
func Sub(x, y *ts.Tensor) (*ts.Tensor, error) { return op(C.SM_SUB, nil, nil, x, y) }

// Mul is x · y element-wise.
func Mul(x, y *ts.Tensor) (*ts.Tensor, error) { return op(C.SM_MUL, nil, nil, x, y) }

// Div is x / y element-wise.
func Div(x, y *ts.Tensor) (*ts.Tensor, error) { return op(C.SM_DIV, nil, nil, x, y) }

// Matmul is torch.matmul(x, y).
func Matmul(x, y *ts.Tensor) (*ts.Tensor, error) { return op(C.SM_MATMUL, nil, nil, x, y) }

// AddScalar is x + v.
func AddScalar(x *ts.Tensor, v float64) (*ts.Tensor, error) {
	return op(C.SM_ADD_SCALAR, nil, []float64{v}, x)
}

// AddInt is x + v with an integer scalar (an integer x stays integer).
func AddInt(x *ts.Tensor, v int64) (*ts.Tensor, error) {
	return op(C.SM_ADD_SCALAR, []int64{v}, nil, x)
}

// MulScalar is x · v.
func MulScalar(x *ts.Tensor, v float64) (*ts.Tensor, error) {
	return op(C.SM_MUL_SCALAR, nil, []float64{v}, x)
}

// Transpose swaps dimensions d0 and d1 (a view).
func Transpose(x *ts.Tensor, d0, d1 int64) (*ts.Tensor, error) {
	return op(C.SM_TRANSPOSE, []int64{d0, d1}, nil, x)
}

// T transposes a matrix (a view).
func T(x *ts.Tensor) (*ts.Tensor, error) { return op(C.SM_T, nil, nil, x) }

// Softmax over dim, computed and returned in float32.
func Softmax(x *ts.Tensor, dim int64) (*ts.Tensor, error) {
	return op(C.SM_SOFTMAX, []int64{dim}, nil, x)
}

// LogSoftmax over dim, in float32.
func LogSoftmax(x *ts.Tensor, dim int64) (*ts.Tensor, error) {
	return op(C.SM_LOG_SOFTMAX, []int64{dim}, nil, x)
}

// View reshapes x without copying.
func View(x *ts.Tensor, shape []int64) (*ts.Tensor, error) { return op(C.SM_VIEW, shape, nil, x) }

// Permute reorders x's dimensions (a view).
func Permute(x *ts.Tensor, dims []int64) (*ts.Tensor, error) { return op(C.SM_PERMUTE, dims, nil, x) }

// Contiguous returns x laid out contiguously (x's handle again when it is).
func Contiguous(x *ts.Tensor) (*ts.Tensor, error) { return op(C.SM_CONTIGUOUS, nil, nil, x) }

// Unsqueeze inserts a dimension of size 1 at dim.
func Unsqueeze(x *ts.Tensor, dim int64) (*ts.Tensor, error) {
	return op(C.SM_UNSQUEEZE, []int64{dim}, nil, x)
}

// Squeeze removes dimension dim when it has size 1.
func Squeeze(x *ts.Tensor, dim int64) (*ts.Tensor, error) {
	return op(C.SM_SQUEEZE_DIM, []int64{dim}, nil, x)
}

// ToDType converts x to dtype.
func ToDType(x *ts.Tensor, dtype gotch.DType) (*ts.Tensor, error) {
	k, err := dtypeCode(dtype)
	if err != nil {
		return nil, err
	}
	return op(C.SM_TO_DTYPE, []int64{k}, nil, x)
}

// ToDevice moves x to device.
func ToDevice(x *ts.Tensor, device gotch.Device) (*ts.Tensor, error) {
	d, err := deviceCode(device)
	if err != nil {
		return nil, err
	}
	return op(C.SM_TO_DEVICE, []int64{d}, nil, x)
}

// Expand broadcasts x to shape (a view).
func Expand(x *ts.Tensor, shape []int64) (*ts.Tensor, error) { return op(C.SM_EXPAND, shape, nil, x) }

// Gather picks x's elements along dim at index.
func Gather(x *ts.Tensor, dim int64, index *ts.Tensor) (*ts.Tensor, error) {
	return op(C.SM_GATHER, []int64{dim}, nil, x, index)
}

// MaskedFill sets x to v where the bool mask is true.
func MaskedFill(x, mask *ts.Tensor, v float64) (*ts.Tensor, error) {
	return op(C.SM_MASKED_FILL, nil, []float64{v}, x, mask)
}

// ZerosLike is a zero tensor of x's shape, dtype and device.
func ZerosLike(x *ts.Tensor) (*ts.Tensor, error) { return op(C.SM_ZEROS_LIKE, nil, nil, x) }

// Gelu is GELU, exact or (tanh) its tanh approximation.
func Gelu(x *ts.Tensor, tanh bool) (*ts.Tensor, error) {
	return op(C.SM_GELU, []int64{boolInt(tanh)}, nil, x)
}

// Relu is max(x, 0).
func Relu(x *ts.Tensor) (*ts.Tensor, error) { return op(C.SM_RELU, nil, nil, x) }

// Silu is x·sigmoid(x).
func Silu(x *ts.Tensor) (*ts.Tensor, error) { return op(C.SM_SILU, nil, nil, x) }

// Exp is eˣ.
func Exp(x *ts.Tensor) (*ts.Tensor, error) { return op(C.SM_EXP, nil, nil, x) }

// Neg is −x.
func Neg(x *ts.Tensor) (*ts.Tensor, error) { return op(C.SM_NEG, nil, nil, x) }

// EqScalar is the bool tensor x == v.
func EqScalar(x *ts.Tensor, v float64) (*ts.Tensor, error) {
	return op(C.SM_EQ_SCALAR, nil, []float64{v}, x)
}

// EqInt is x == v with an integer scalar.
func EqInt(x *ts.Tensor, v int64) (*ts.Tensor, error) { return op(C.SM_EQ_SCALAR, []int64{v}, nil, x) }

// NeInt is x != v with an integer scalar.
func NeInt(x *ts.Tensor, v int64) (*ts.Tensor, error) { return op(C.SM_NE_SCALAR, []int64{v}, nil, x) }

// Cumsum is the cumulative sum along dim, in dtype.
func Cumsum(x *ts.Tensor, dim int64, dtype gotch.DType) (*ts.Tensor, error) {
	k, err := dtypeCode(dtype)
	if err != nil {
		return nil, err
	}
	return op(C.SM_CUMSUM, []int64{dim, k}, nil, x)
}

// Select picks index along dim, removing that dimension (a view).
func Select(x *ts.Tensor, dim, index int64) (*ts.Tensor, error) {
	return op(C.SM_SELECT, []int64{dim, index}, nil, x)
}

// Sum adds all elements, in float32.
func Sum(x *ts.Tensor) (*ts.Tensor, error) { return op(C.SM_SUM, nil, nil, x) }

// SumDims adds along dims, in float32.
func SumDims(x *ts.Tensor, dims []int64, keepDim bool) (*ts.Tensor, error) {
	return op(C.SM_SUM_DIM, append([]int64{boolInt(keepDim)}, dims...), nil, x)
}

// ClampMin is max(x, v).
func ClampMin(x *ts.Tensor, v float64) (*ts.Tensor, error) {
	return op(C.SM_CLAMP_MIN, nil, []float64{v}, x)
}

// PowScalar is xᵛ.
func PowScalar(x *ts.Tensor, v float64) (*ts.Tensor, error) {
	return op(C.SM_POW_SCALAR, nil, []float64{v}, x)
}

// Amax is the maximum along dims.
func Amax(x *ts.Tensor, dims []int64, keepDim bool) (*ts.Tensor, error) {
	return op(C.SM_AMAX, append([]int64{boolInt(keepDim)}, dims...), nil, x)
}

// IndexSelect picks x's slices along dim at the int64 index.
func IndexSelect(x *ts.Tensor, dim int64, index *ts.Tensor) (*ts.Tensor, error) {
	return op(C.SM_INDEX_SELECT, []int64{dim}, nil, x, index)
}

// CrossEntropy is torch.nn.functional.cross_entropy(logits, targets,
// weight, label_smoothing=smoothing) with mean reduction and
// ignore_index −100 (weight may be nil).
func CrossEntropy(logits, targets, weight *ts.Tensor, smoothing float64) (*ts.Tensor, error) {
	return op(C.SM_CROSS_ENTROPY, nil, []float64{smoothing}, logits, targets, weight)
}

// Ones is a tensor of ones.
func Ones(shape []int64, dtype gotch.DType, device gotch.Device) (*ts.Tensor, error) {
	k, err := dtypeCode(dtype)
	if err != nil {
		return nil, err
	}
	d, err := deviceCode(device)
	if err != nil {
		return nil, err
	}
	return op(C.SM_ONES, append([]int64{k, d}, shape...), nil)
}

// Arange is 0, 1, ..., n−1.
func Arange(n int64, dtype gotch.DType, device gotch.Device) (*ts.Tensor, error) {
	k, err := dtypeCode(dtype)
	if err != nil {
		return nil, err
	}
	d, err := deviceCode(device)
	if err != nil {
		return nil, err
	}
	return op(C.SM_ARANGE, []int64{n, k, d}, nil)
}

// ShallowClone is a second handle, freed separately, to x's data.
func ShallowClone(x *ts.Tensor) (*ts.Tensor, error) { return op(C.SM_SHALLOW_CLONE, nil, nil, x) }

// Attention is scaled dot-product attention softmax(q·kᵀ·scale + mask)·v
// over the last two dimensions, with dropout p on the probabilities when
// train; mask is an additive float mask broadcast to the scores, or nil.
func Attention(q, k, v, mask *ts.Tensor, p, scale float64, train bool) (*ts.Tensor, error) {
	return op(C.SM_ATTENTION, []int64{boolInt(train)}, []float64{p, scale}, q, k, v, mask)
}

// FromInt64s copies data into a new int64 tensor of shape on device.
func FromInt64s(data, shape []int64, device gotch.Device) (*ts.Tensor, error) {
	return fromData(unsafe.Pointer(unsafe.SliceData(data)), len(data), gotch.Int64, shape, device)
}

// FromFloat32s copies data into a new float32 tensor of shape on device.
func FromFloat32s(data []float32, shape []int64, device gotch.Device) (*ts.Tensor, error) {
	return fromData(unsafe.Pointer(unsafe.SliceData(data)), len(data), gotch.Float, shape, device)
}

func fromData(data unsafe.Pointer, n int, dtype gotch.DType, shape []int64, device gotch.Device) (*ts.Tensor, error) {
	k, err := dtypeCode(dtype)
	if err != nil {
		return nil, err
	}
	d, err := deviceCode(device)
	if err != nil {
		return nil, err
	}
	var out C.sm_tensor
	msg := C.sm_from_data(&out, data, C.int64_t(n), C.int(k), (*C.int64_t)(unsafe.Pointer(unsafe.SliceData(shape))), C.int(len(shape)), C.int(d))
	if err := failure(msg); err != nil {
		return nil, err
	}
	return wrap(out), nil
}

// Float64s copies x's elements (any dtype, any device) into Go memory.
func Float64s(x *ts.Tensor) ([]float64, error) {
	if x == nil || x.Ctensor() == nil {
		return nil, fmt.Errorf("%w: read values of a nil or freed tensor", ErrTorch)
	}
	var n C.int64_t
	if err := failure(C.sm_numel(C.sm_tensor(x.Ctensor()), &n)); err != nil {
		runtime.KeepAlive(x)
		return nil, err
	}
	out := make([]float64, int(n))
	err := failure(C.sm_to_doubles(C.sm_tensor(x.Ctensor()), (*C.double)(unsafe.SliceData(out)), n))
	runtime.KeepAlive(x)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Float64 returns the value of a one-element tensor.
func Float64(x *ts.Tensor) (float64, error) {
	v, err := Float64s(x)
	if err != nil {
		return 0, err
	}
	if len(v) != 1 {
		return 0, fmt.Errorf("%w: tensor of %d elements read as a scalar", ErrTorch, len(v))
	}
	return v[0], nil
}

// Rand is float32 uniform noise in [0, 1) from libtorch's generator.
func Rand(shape []int64, device gotch.Device) (*ts.Tensor, error) {
	return factory(C.SM_RAND, shape, nil, device)
}

// Randn is float32 standard normal noise from libtorch's generator.
func Randn(shape []int64, device gotch.Device) (*ts.Tensor, error) {
	return factory(C.SM_RANDN, shape, nil, device)
}

// Full is a float32 tensor of shape filled with v.
func Full(shape []int64, v float64, device gotch.Device) (*ts.Tensor, error) {
	return factory(C.SM_FULL, shape, []float64{v}, device)
}

func factory(code C.int, shape []int64, floats []float64, device gotch.Device) (*ts.Tensor, error) {
	d, err := deviceCode(device)
	if err != nil {
		return nil, err
	}
	return op(code, append([]int64{d}, shape...), floats)
}

// Copy copies src's values into dst in place (same shape, or
// broadcastable), with autograd off, so it may write into a variable.
func Copy(dst, src *ts.Tensor) error {
	if dst == nil || src == nil || dst.Ctensor() == nil || src.Ctensor() == nil {
		return fmt.Errorf("%w: copy with a nil or freed tensor", ErrTorch)
	}
	err := failure(C.sm_copy(C.sm_tensor(dst.Ctensor()), C.sm_tensor(src.Ctensor())))
	runtime.KeepAlive(dst)
	runtime.KeepAlive(src)
	return err
}

// Grad returns a new handle to p's gradient, or nil when p has none.
func Grad(p *ts.Tensor) (*ts.Tensor, error) { return op(C.SM_GRAD, nil, nil, p) }

// ZeroGrad zeroes p's gradient in place (and detaches it), if p has one.
func ZeroGrad(p *ts.Tensor) error { return inPlace(C.SM_ZERO_GRAD, nil, p) }

// MulScalarInPlace sets x ← x·v. x may be a variable only with autograd
// off.
func MulScalarInPlace(x *ts.Tensor, v float64) error {
	return inPlace(C.SM_MUL_SCALAR_INPLACE, []float64{v}, x)
}

// AddInPlace sets x ← x + y.
func AddInPlace(x, y *ts.Tensor) error { return inPlace(C.SM_ADD_INPLACE, nil, x, y) }

// SubInPlace sets x ← x − y.
func SubInPlace(x, y *ts.Tensor) error { return inPlace(C.SM_SUB_INPLACE, nil, x, y) }

// LerpInPlace sets x ← x + w·(end − x).
func LerpInPlace(x, end *ts.Tensor, w float64) error {
	return inPlace(C.SM_LERP_INPLACE, []float64{w}, x, end)
}

// Norm is the L2 norm of all of x's elements.
func Norm(x *ts.Tensor) (*ts.Tensor, error) { return op(C.SM_NORM, nil, nil, x) }

// Sqrt is √x.
func Sqrt(x *ts.Tensor) (*ts.Tensor, error) { return op(C.SM_SQRT, nil, nil, x) }

// Rsqrt is 1/√x.
func Rsqrt(x *ts.Tensor) (*ts.Tensor, error) { return op(C.SM_RSQRT, nil, nil, x) }

// Sign is −1, 0 or 1 by x's sign.
func Sign(x *ts.Tensor) (*ts.Tensor, error) { return op(C.SM_SIGN, nil, nil, x) }

// DivScalar is x / v.
func DivScalar(x *ts.Tensor, v float64) (*ts.Tensor, error) {
	return op(C.SM_DIV_SCALAR, nil, []float64{v}, x)
}

// MeanDims averages along dims, in float32.
func MeanDims(x *ts.Tensor, dims []int64, keepDim bool) (*ts.Tensor, error) {
	return op(C.SM_MEAN_DIM, append([]int64{boolInt(keepDim)}, dims...), nil, x)
}

// Backward runs autograd from the scalar x (which it does not consume).
func Backward(x *ts.Tensor) error {
	if x == nil || x.Ctensor() == nil {
		return fmt.Errorf("%w: backward from a nil or freed tensor", ErrTorch)
	}
	err := failure(C.sm_backward(C.sm_tensor(x.Ctensor())))
	runtime.KeepAlive(x)
	return err
}
