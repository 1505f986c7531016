// The C interface of glue.cpp (see torch.go). Every function returns NULL on
// success or a malloc'd error message that the caller frees; results are
// written into slots the caller owns.
#ifndef SUPERMAX_TORCH_GLUE_H
#define SUPERMAX_TORCH_GLUE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void *sm_tensor;  // a torch::Tensor*, as gotch's lib.Ctensor

// Operation codes of sm_op; the argument conventions are in glue.cpp.
enum {
  SM_LINEAR = 1,
  SM_LAYER_NORM,
  SM_EMBEDDING,
  SM_DROPOUT,
  SM_ADD,
  SM_SUB,
  SM_MUL,
  SM_DIV,
  SM_MATMUL,
  SM_ADD_SCALAR,
  SM_MUL_SCALAR,
  SM_TRANSPOSE,
  SM_SOFTMAX,
  SM_LOG_SOFTMAX,
  SM_VIEW,
  SM_PERMUTE,
  SM_CONTIGUOUS,
  SM_UNSQUEEZE,
  SM_SQUEEZE_DIM,
  SM_TO_DTYPE,
  SM_TO_DEVICE,
  SM_EXPAND,
  SM_GATHER,
  SM_MASKED_FILL,
  SM_ZEROS_LIKE,
  SM_GELU,
  SM_RELU,
  SM_SILU,
  SM_EXP,
  SM_NEG,
  SM_EQ_SCALAR,
  SM_NE_SCALAR,
  SM_CUMSUM,
  SM_SELECT,
  SM_SUM,
  SM_SUM_DIM,
  SM_CLAMP_MIN,
  SM_POW_SCALAR,
  SM_AMAX,
  SM_INDEX_SELECT,
  SM_CROSS_ENTROPY,
  SM_T,
  SM_ONES,
  SM_ARANGE,
  SM_SHALLOW_CLONE,
  SM_ATTENTION,
  SM_RAND,
  SM_RANDN,
  SM_FULL,
  SM_GRAD,
  SM_MUL_SCALAR_INPLACE,
  SM_ADD_INPLACE,
  SM_SUB_INPLACE,
  SM_LERP_INPLACE,
  SM_ZERO_GRAD,
  SM_NORM,
  SM_SQRT,
  SM_RSQRT,
  SM_SIGN,
  SM_DIV_SCALAR,
  SM_MEAN_DIM,
};

// sm_op runs operation op on tensors t[0..nt), integers i[0..ni) and
// doubles f[0..nf) and stores a new torch::Tensor* in *out, or NULL when
// the operation has no result (in-place operations; SM_GRAD of a tensor
// without gradient). A NULL entry of t is an undefined (optional) tensor.
char *sm_op(int op, sm_tensor *out, const sm_tensor *t, int nt, const int64_t *i, int ni, const double *f, int nf);

// sm_from_data copies n elements of dtype (a c10::ScalarType) at data into a
// new tensor of shape[0..ndim) on device (-1 CPU, k cuda:k).
char *sm_from_data(sm_tensor *out, const void *data, int64_t n, int dtype, const int64_t *shape, int ndim, int device);

// sm_to_doubles copies the n elements of t, converted to double, into out;
// it fails when t does not have exactly n elements.
char *sm_to_doubles(sm_tensor t, double *out, int64_t n);

// sm_numel stores t's element count in *n.
char *sm_numel(sm_tensor t, int64_t *n);

// sm_copy copies src into dst in place, with autograd off.
char *sm_copy(sm_tensor dst, sm_tensor src);

// sm_backward runs autograd from the scalar t.
char *sm_backward(sm_tensor t);

#ifdef __cplusplus
}
#endif

#endif
