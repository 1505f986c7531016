//go:build gotch

// CUDA synchronisation and autocast (automatic mixed precision), which gotch
// v0.9.1 does not expose with the choice of dtype. Compiles against libtorch
// 2.1 (the project's default) and 2.11 (scripts/gpu-bundle.sh), whose
// autocast API takes the device type as an argument. All functions link
// against libtorch_cpu only: torch::cuda and at::autocast reach CUDA through
// libtorch's registered CUDA hooks, so a CPU-only build still links and a
// call without CUDA fails with libtorch's error.
#include <ATen/autocast_mode.h>
#include <cstring>
#include <exception>
#include <torch/cuda.h>
#include <torch/version.h>

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define SUPERMAX_AUTOCAST_BY_DEVICE 1
#endif

static int cuda_fail(char **err, const char *msg) {
  *err = strdup(msg);
  return 1;
}

extern "C" {

// supermax_cuda_synchronize waits for every kernel queued on CUDA device
// index (-1: the current one).
int supermax_cuda_synchronize(int64_t index, char **err) {
  try {
    torch::cuda::synchronize(index);
    return 0;
  } catch (const std::exception &e) {
    return cuda_fail(err, e.what());
  }
}

// supermax_cuda_autocast_bf16 turns CUDA autocast with bfloat16 on or off
// for the calling thread (autocast state is thread-local) and returns
// whether it was on. Turning it off clears autocast's cache of casted
// weights, as leaving torch.autocast does.
int supermax_cuda_autocast_bf16(int enable, int *was, char **err) {
  try {
#ifdef SUPERMAX_AUTOCAST_BY_DEVICE
    *was = at::autocast::is_autocast_enabled(at::kCUDA);
    if (enable) at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
    at::autocast::set_autocast_enabled(at::kCUDA, enable != 0);
#else
    *was = at::autocast::is_enabled();
    if (enable) at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(enable != 0);
#endif
    if (!enable) at::autocast::clear_cache();
    return 0;
  } catch (const std::exception &e) {
    return cuda_fail(err, e.what());
  }
}

// supermax_autocast_clear_cache drops autocast's casted copies of weights;
// call it after each forward pass, before the optimizer changes them.
void supermax_autocast_clear_cache() { at::autocast::clear_cache(); }

}  // extern "C"
