// Forced-include header for building github.com/sugarme/gotch v0.9.1 (written
// for libtorch 2.1) against libtorch 2.6 up to 2.11, without editing gotch:
// scripts/gpu-bundle.sh passes it as CGO_CXXFLAGS=-include <this file>, so it
// is read before every C++ file cgo compiles (gotch's libtch/torch_api.cpp,
// our trainer/torch_glue.cpp).
//
// Measured with g++ -fsyntax-only on gotch's torch_api.cpp against the
// PyPI torch 2.11.0 headers: exactly three errors, all in private ops whose
// signatures changed after 2.1 and that this project never calls:
//   torch::_cslt_sparse_mm   (new parameters alpha, out_dtype, alg_id, ...)
//   torch::_scaled_mm        (scale_a/scale_b now required; no amax output)
//   torch::_scaled_mm_out    (likewise)
// Declaring functions of those names in namespace torch hides at::'s (a
// qualified lookup of torch::X looks through torch's `using namespace at`
// only when torch itself declares no X), so gotch's calls bind to the
// 2.1-style declarations below. _cslt_sparse_mm maps onto the new op with
// the same meaning; the two _scaled_mm forms cannot (2.1 returned the
// output's amax, which the new op no longer computes) and raise a
// c10::Error, which gotch's PROTECT turns into an ordinary Go error.
#pragma once

#include <torch/torch.h>
#include <torch/version.h>

#if TORCH_VERSION_MAJOR != 2 || TORCH_VERSION_MINOR < 6 || TORCH_VERSION_MINOR > 11
#error "scripts/gotch-compat/torch-2.11.h is for libtorch 2.6 to 2.11 (measured on 2.11.0); this is another version"
#endif

namespace torch {

inline at::Tensor _cslt_sparse_mm(const at::Tensor &compressed_A, const at::Tensor &dense_B,
                                  const at::Tensor &bias, bool transpose_result) {
  return at::_cslt_sparse_mm(compressed_A, dense_B,
                             bias.defined() ? std::optional<at::Tensor>(bias) : std::nullopt,
                             std::nullopt, std::nullopt, transpose_result);
}

inline std::tuple<at::Tensor, at::Tensor> _scaled_mm(const at::Tensor &, const at::Tensor &, const at::Tensor &,
                                                     std::optional<at::ScalarType>, const at::Tensor &,
                                                     const at::Tensor &, const at::Tensor &) {
  TORCH_CHECK(false, "_scaled_mm: gotch v0.9.1's libtorch-2.1 form (returning amax) does not exist in libtorch ",
              TORCH_VERSION, "; not available in this build");
}

inline std::tuple<at::Tensor &, at::Tensor &> _scaled_mm_out(at::Tensor &, at::Tensor &, const at::Tensor &,
                                                             const at::Tensor &, const at::Tensor &,
                                                             std::optional<at::ScalarType>, const at::Tensor &,
                                                             const at::Tensor &, const at::Tensor &) {
  TORCH_CHECK(false, "_scaled_mm_out: gotch v0.9.1's libtorch-2.1 form (returning amax) does not exist in libtorch ",
              TORCH_VERSION, "; not available in this build");
}

} // namespace torch
