//go:build gotch

package trainer

/*
#include <stdint.h>
#include <stdlib.h>
int supermax_cuda_synchronize(int64_t index, char **err);
int supermax_cuda_autocast_bf16(int enable, int *was, char **err);
void supermax_autocast_clear_cache();
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/sugarme/gotch"
)

// ParseDevice maps "cpu" (or "") and "cuda:N" to a gotch device, as the
// trainer does for EpochRequest.Device: a CUDA device must exist here, else
// the error (wrapping activities.ErrInvalidConfig) says that CUDA is not
// available and how many devices libtorch sees.
func ParseDevice(s string) (gotch.Device, error) { return parseDevice(s) }

// Synchronize waits until every operation queued on device has finished:
// CUDA runs kernels asynchronously, so a wall-clock time of GPU work is only
// meaningful after it. It does nothing for the CPU.
func Synchronize(device gotch.Device) error {
	if device.Name == gotch.CPU.Name {
		return nil
	}
	var cerr *C.char
	if C.supermax_cuda_synchronize(C.int64_t(device.Value), &cerr) != 0 {
		return fmt.Errorf("cuda synchronize %s: %s", device.Name, cstring(cerr))
	}
	return nil
}

// AutocastBF16 turns libtorch's CUDA autocast (automatic mixed precision)
// with bfloat16 on or off and reports whether it was on. Autocast state is
// per OS thread: the caller must run the forward passes it affects on the
// same thread (runtime.LockOSThread) and call AutocastClearCache after each
// forward pass.
func AutocastBF16(on bool) (was bool, err error) {
	var cwas C.int
	var cerr *C.char
	enable := C.int(0)
	if on {
		enable = 1
	}
	if C.supermax_cuda_autocast_bf16(enable, &cwas, &cerr) != 0 {
		return false, fmt.Errorf("cuda autocast bf16=%v: %s", on, cstring(cerr))
	}
	return cwas != 0, nil
}

// AutocastClearCache drops autocast's bfloat16 copies of the weights, which
// are stale once the optimizer has updated them.
func AutocastClearCache() { C.supermax_autocast_clear_cache() }

// cstring returns and frees a C error message.
func cstring(s *C.char) string {
	if s == nil {
		return "unknown error"
	}
	defer C.free(unsafe.Pointer(s))
	return C.GoString(s)
}
