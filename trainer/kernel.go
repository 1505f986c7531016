//go:build gotch

package trainer

/*
#include <stdint.h>
#include <stdlib.h>
typedef void *tensor;
int supermax_grad_norm(tensor *params, int n, double *out, char **err);
int supermax_scale_grads(tensor *params, int n, double f, char **err);
int supermax_zero_grads(tensor *params, int n, char **err);
int supermax_adamw(tensor *params, tensor *m, tensor *v, const double *lrs, const double *wds, int n,
                   double b1, double b2, double eps, int64_t step, char **err);
int supermax_lion(tensor *params, tensor *m, const double *lrs, const double *wds, int n,
                  double b1, double b2, char **err);
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"github.com/sugarme/gotch/ts"

	"github.com/redsm5/supermax-hpo/model"
)

// fusedKernel is a model.Kernel running each optimizer phase as one C++
// call over all parameters (torch_glue.cpp). Stateless; safe for
// concurrent use on different optimizers.
type fusedKernel struct{}

var _ model.Kernel = fusedKernel{}

// FusedKernel returns the C++ optimizer kernel the trainer uses, for
// model.Optimizer.UseKernel (benchmarks build their own optimizers).
func FusedKernel() model.Kernel { return fusedKernel{} }

// handles returns the libtorch tensor pointers of xs. The slice lives in
// Go memory and holds only C pointers, as cgo allows.
func handles(xs []*ts.Tensor) []C.tensor {
	out := make([]C.tensor, len(xs))
	for i, x := range xs {
		out[i] = C.tensor(x.Ctensor())
	}
	return out
}

// call runs a kernel with the C error slot and turns a failure into an
// error. The tensors are kept alive until the call returns.
func call(what string, keep [][]*ts.Tensor, f func(err **C.char) C.int) error {
	var cerr *C.char
	rc := f(&cerr)
	runtime.KeepAlive(keep)
	if rc == 0 {
		return nil
	}
	msg := "unknown error"
	if cerr != nil {
		msg = C.GoString(cerr)
		C.free(unsafe.Pointer(cerr))
	}
	return fmt.Errorf("%s: libtorch: %w", what, errors.New(msg))
}

func first[T any](xs []T) *T {
	if len(xs) == 0 {
		return nil
	}
	return &xs[0]
}

func doubles(xs []float64) *C.double { return (*C.double)(unsafe.Pointer(first(xs))) }

// GradNorm implements model.Kernel in one C++ call.
func (fusedKernel) GradNorm(params []*ts.Tensor) (float64, error) {
	h := handles(params)
	var out C.double
	err := call("grad norm", [][]*ts.Tensor{params}, func(e **C.char) C.int {
		return C.supermax_grad_norm(first(h), C.int(len(h)), &out, e)
	})
	return float64(out), err
}

// ScaleGrads implements model.Kernel in one C++ call.
func (fusedKernel) ScaleGrads(params []*ts.Tensor, f float64) error {
	h := handles(params)
	return call("scale grads", [][]*ts.Tensor{params}, func(e **C.char) C.int {
		return C.supermax_scale_grads(first(h), C.int(len(h)), C.double(f), e)
	})
}

// ZeroGrads implements model.Kernel in one C++ call.
func (fusedKernel) ZeroGrads(params []*ts.Tensor) error {
	h := handles(params)
	return call("zero grads", [][]*ts.Tensor{params}, func(e **C.char) C.int {
		return C.supermax_zero_grads(first(h), C.int(len(h)), e)
	})
}

// AdamW implements model.Kernel in one C++ call.
func (fusedKernel) AdamW(params, m, v []*ts.Tensor, lrs, wds []float64, b1, b2, eps float64, step int) error {
	hp, hm, hv := handles(params), handles(m), handles(v)
	return call("adamw step", [][]*ts.Tensor{params, m, v}, func(e **C.char) C.int {
		return C.supermax_adamw(first(hp), first(hm), first(hv), doubles(lrs), doubles(wds), C.int(len(hp)),
			C.double(b1), C.double(b2), C.double(eps), C.int64_t(step), e)
	})
}

// Lion implements model.Kernel in one C++ call.
func (fusedKernel) Lion(params, m []*ts.Tensor, lrs, wds []float64, b1, b2 float64) error {
	hp, hm := handles(params), handles(m)
	return call("lion step", [][]*ts.Tensor{params, m}, func(e **C.char) C.int {
		return C.supermax_lion(first(hp), first(hm), doubles(lrs), doubles(wds), C.int(len(hp)), C.double(b1), C.double(b2), e)
	})
}
