//go:build gotch

package trainer

/*
#cgo LDFLAGS: -ltorch_cpu -lc10
#include <stdint.h>
#include <stdlib.h>
typedef void *tensor;
void supermax_manual_seed(uint64_t seed);
void supermax_set_num_threads(int n);
int supermax_get_num_threads();
void supermax_malloc_trim();
int supermax_grad_norm(tensor *params, int n, double *out, char **err);
int supermax_scale_grads(tensor *params, int n, double f, char **err);
int supermax_zero_grads(tensor *params, int n, char **err);
int supermax_adamw(tensor *params, tensor *m, tensor *v, const double *lrs, const double *wds, int n,
                   double b1, double b2, double eps, int64_t step, char **err);
int supermax_lion(tensor *params, tensor *m, const double *lrs, const double *wds, int n,
                  double b1, double b2, char **err);
*/
import "C"

import "runtime"

// manualSeed seeds libtorch's default generators (CPU, and CUDA when
// present) — the source of dropout masks and random initialization. The
// generators are process-wide: trials running concurrently in one process
// draw from the same stream, so bit-exact reproducibility needs one trial
// per process at a time.
func manualSeed(seed uint64) { C.supermax_manual_seed(C.uint64_t(seed)) }

// setNumThreads sets libtorch's intra-op thread count (process-wide).
func setNumThreads(n int) { C.supermax_set_num_threads(C.int(n)) }

// SetThreads sets libtorch's intra-op thread count for the whole process
// (at::set_num_threads), which gotch does not expose. Values below 1 are
// ignored.
func SetThreads(n int) {
	if n >= 1 {
		setNumThreads(n)
	}
}

// releaseMemory runs a Go collection, so that finalizers free the C memory
// of unreachable gotch tensors, then gives free C heap pages back to the
// system (glibc malloc_trim); libtorch's CPU allocations otherwise stay in
// the process's heap arenas after they are freed.
func releaseMemory() {
	runtime.GC()
	C.supermax_malloc_trim()
}

// numThreads returns libtorch's intra-op thread count.
func numThreads() int { return int(C.supermax_get_num_threads()) }
