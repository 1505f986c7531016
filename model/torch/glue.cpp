//go:build gotch

// The project's own libtorch calls for gotch tensors (see torch.go for why).
// Each call reports its error in its own return value, never through
// thread-local state, and writes its result into a slot the caller owns.
#include "glue.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <c10/util/Exception.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <vector>

namespace {

at::Tensor &T(sm_tensor t) { return *static_cast<at::Tensor *>(t); }

// opt is an optional tensor argument: NULL means undefined.
c10::optional<at::Tensor> opt(sm_tensor t) {
  if (t == nullptr) return c10::nullopt;
  return T(t);
}

at::Device device(int d) { return d < 0 ? at::Device(at::kCPU) : at::Device(at::kCUDA, (c10::DeviceIndex)d); }

char *dup(const char *msg) {
  char *s = strdup(msg);
  return s != nullptr ? s : strdup("out of memory");
}

// args checks an operation's argument counts.
struct args {
  const sm_tensor *t;
  int nt;
  const int64_t *i;
  int ni;
  const double *f;
  int nf;
  void need(int tensors, int ints, int doubles) const {
    TORCH_CHECK(nt >= tensors && ni >= ints && nf >= doubles, "glue: operation needs ", tensors, " tensors, ", ints,
                " integers, ", doubles, " doubles; got ", nt, ", ", ni, ", ", nf);
    for (int k = 0; k < tensors; k++) TORCH_CHECK(t[k] != nullptr, "glue: tensor argument ", k, " is undefined");
  }
  // ints(from) is i[from..ni) as a list.
  at::IntArrayRef ints(int from) const { return at::IntArrayRef(i + from, i + ni); }
};

// scalar is i[0] as an integer when given, else f[0].
at::Scalar scalar(const args &a) { return a.ni > 0 ? at::Scalar(a.i[0]) : at::Scalar(a.f[0]); }

at::Tensor run(int op, const args &a) {
  switch (op) {
    case SM_LINEAR:  // t: x, w, b (optional)
      a.need(2, 0, 0);
      return at::linear(T(a.t[0]), T(a.t[1]), a.nt > 2 ? opt(a.t[2]) : c10::nullopt);
    case SM_LAYER_NORM:  // t: x, w, b; i: normalized shape; f: eps
      a.need(3, 1, 1);
      return at::layer_norm(T(a.t[0]), a.ints(0), T(a.t[1]), T(a.t[2]), a.f[0], false);
    case SM_EMBEDDING:  // t: weight, ids; i: padding_idx
      a.need(2, 1, 0);
      return at::embedding(T(a.t[0]), T(a.t[1]), a.i[0], false, false);
    case SM_DROPOUT:  // t: x; i: train; f: p
      a.need(1, 1, 1);
      return at::dropout(T(a.t[0]), a.f[0], a.i[0] != 0);
    case SM_ADD:
      a.need(2, 0, 0);
      return at::add(T(a.t[0]), T(a.t[1]));
    case SM_SUB:
      a.need(2, 0, 0);
      return at::sub(T(a.t[0]), T(a.t[1]));
    case SM_MUL:
      a.need(2, 0, 0);
      return at::mul(T(a.t[0]), T(a.t[1]));
    case SM_DIV:
      a.need(2, 0, 0);
      return at::div(T(a.t[0]), T(a.t[1]));
    case SM_MATMUL:
      a.need(2, 0, 0);
      return at::matmul(T(a.t[0]), T(a.t[1]));
    case SM_ADD_SCALAR:  // t: x; i[0] (integer) or f[0]
      a.need(1, 0, 0);
      return at::add(T(a.t[0]), scalar(a));
    case SM_MUL_SCALAR:
      a.need(1, 0, 0);
      return at::mul(T(a.t[0]), scalar(a));
    case SM_TRANSPOSE:  // i: d0, d1
      a.need(1, 2, 0);
      return at::transpose(T(a.t[0]), a.i[0], a.i[1]);
    case SM_SOFTMAX:  // i: dim; float result
      a.need(1, 1, 0);
      return at::softmax(T(a.t[0]), a.i[0], at::kFloat);
    case SM_LOG_SOFTMAX:
      a.need(1, 1, 0);
      return at::log_softmax(T(a.t[0]), a.i[0], at::kFloat);
    case SM_VIEW:  // i: shape
      a.need(1, 0, 0);
      return T(a.t[0]).view(a.ints(0));
    case SM_PERMUTE:  // i: dims
      a.need(1, 0, 0);
      return T(a.t[0]).permute(a.ints(0));
    case SM_CONTIGUOUS:
      a.need(1, 0, 0);
      return T(a.t[0]).contiguous();
    case SM_UNSQUEEZE:  // i: dim
      a.need(1, 1, 0);
      return at::unsqueeze(T(a.t[0]), a.i[0]);
    case SM_SQUEEZE_DIM:
      a.need(1, 1, 0);
      return at::squeeze(T(a.t[0]), a.i[0]);
    case SM_TO_DTYPE:  // i: c10::ScalarType
      a.need(1, 1, 0);
      return T(a.t[0]).to(static_cast<at::ScalarType>(a.i[0]));
    case SM_TO_DEVICE:  // i: device (-1 CPU)
      a.need(1, 1, 0);
      return T(a.t[0]).to(device((int)a.i[0]));
    case SM_EXPAND:  // i: shape
      a.need(1, 0, 0);
      return T(a.t[0]).expand(a.ints(0));
    case SM_GATHER:  // t: x, index; i: dim
      a.need(2, 1, 0);
      return at::gather(T(a.t[0]), a.i[0], T(a.t[1]));
    case SM_MASKED_FILL:  // t: x, mask; f: value
      a.need(2, 0, 1);
      return at::masked_fill(T(a.t[0]), T(a.t[1]), a.f[0]);
    case SM_ZEROS_LIKE:
      a.need(1, 0, 0);
      return at::zeros_like(T(a.t[0]));
    case SM_GELU:  // i: 1 for the tanh approximation
      a.need(1, 1, 0);
      return at::gelu(T(a.t[0]), a.i[0] != 0 ? "tanh" : "none");
    case SM_RELU:
      a.need(1, 0, 0);
      return at::relu(T(a.t[0]));
    case SM_SILU:
      a.need(1, 0, 0);
      return at::silu(T(a.t[0]));
    case SM_EXP:
      a.need(1, 0, 0);
      return at::exp(T(a.t[0]));
    case SM_NEG:
      a.need(1, 0, 0);
      return at::neg(T(a.t[0]));
    case SM_EQ_SCALAR:  // i[0] (integer) or f[0]
      a.need(1, 0, 0);
      return at::eq(T(a.t[0]), scalar(a));
    case SM_NE_SCALAR:
      a.need(1, 0, 0);
      return at::ne(T(a.t[0]), scalar(a));
    case SM_CUMSUM:  // i: dim, c10::ScalarType
      a.need(1, 2, 0);
      return at::cumsum(T(a.t[0]), a.i[0], static_cast<at::ScalarType>(a.i[1]));
    case SM_SELECT:  // i: dim, index
      a.need(1, 2, 0);
      return at::select(T(a.t[0]), a.i[0], a.i[1]);
    case SM_SUM:  // float sum of all elements
      a.need(1, 0, 0);
      return at::sum(T(a.t[0]), at::kFloat);
    case SM_SUM_DIM:  // i: keepdim, dims...; float result
      a.need(1, 2, 0);
      return at::sum(T(a.t[0]), at::OptionalIntArrayRef(a.ints(1)), a.i[0] != 0, at::kFloat);
    case SM_CLAMP_MIN:  // f: min
      a.need(1, 0, 1);
      return at::clamp_min(T(a.t[0]), a.f[0]);
    case SM_POW_SCALAR:  // f: exponent
      a.need(1, 0, 1);
      return at::pow(T(a.t[0]), a.f[0]);
    case SM_AMAX:  // i: keepdim, dims...
      a.need(1, 2, 0);
      return at::amax(T(a.t[0]), a.ints(1), a.i[0] != 0);
    case SM_INDEX_SELECT:  // t: x, index; i: dim
      a.need(2, 1, 0);
      return at::index_select(T(a.t[0]), a.i[0], T(a.t[1]));
    case SM_CROSS_ENTROPY:  // t: logits, targets, weight (optional); f: label smoothing; mean
      a.need(2, 0, 1);
      return at::cross_entropy_loss(T(a.t[0]), T(a.t[1]), a.nt > 2 ? opt(a.t[2]) : c10::nullopt, at::Reduction::Mean,
                                    -100, a.f[0]);
    case SM_T:
      a.need(1, 0, 0);
      return T(a.t[0]).t();
    case SM_ONES:  // i: c10::ScalarType, device, shape...
      a.need(0, 2, 0);
      return at::ones(a.ints(2), at::TensorOptions().dtype(static_cast<at::ScalarType>(a.i[0])).device(device((int)a.i[1])));
    case SM_ARANGE:  // i: end, c10::ScalarType, device
      a.need(0, 3, 0);
      return at::arange(a.i[0], at::TensorOptions().dtype(static_cast<at::ScalarType>(a.i[1])).device(device((int)a.i[2])));
    case SM_SHALLOW_CLONE:  // a new handle to the same tensor
      a.need(1, 0, 0);
      return T(a.t[0]);
    case SM_ATTENTION:  // t: q, k, v, additive mask (optional); i: train; f: dropout p, scale
      a.need(3, 1, 2);
      return at::scaled_dot_product_attention(T(a.t[0]), T(a.t[1]), T(a.t[2]), a.nt > 3 ? opt(a.t[3]) : c10::nullopt,
                                              a.i[0] != 0 ? a.f[0] : 0.0, false, a.f[1]);
    case SM_RAND:  // float32 uniform [0, 1); i: device, shape...
      a.need(0, 1, 0);
      return at::rand(a.ints(1), at::TensorOptions().dtype(at::kFloat).device(device((int)a.i[0])));
    case SM_RANDN:  // float32 standard normal; i: device, shape...
      a.need(0, 1, 0);
      return at::randn(a.ints(1), at::TensorOptions().dtype(at::kFloat).device(device((int)a.i[0])));
    case SM_FULL:  // float32 filled with f[0]; i: device, shape...
      a.need(0, 1, 1);
      return at::full(a.ints(1), a.f[0], at::TensorOptions().dtype(at::kFloat).device(device((int)a.i[0])));
    case SM_GRAD:  // undefined when there is none
      a.need(1, 0, 0);
      return T(a.t[0]).grad();
    case SM_MUL_SCALAR_INPLACE:  // t0 *= f[0]; no result
      a.need(1, 0, 1);
      T(a.t[0]).mul_(a.f[0]);
      return at::Tensor();
    case SM_ADD_INPLACE:  // t0 += t1
      a.need(2, 0, 0);
      T(a.t[0]).add_(T(a.t[1]));
      return at::Tensor();
    case SM_SUB_INPLACE:  // t0 -= t1
      a.need(2, 0, 0);
      T(a.t[0]).sub_(T(a.t[1]));
      return at::Tensor();
    case SM_LERP_INPLACE:  // t0 += f[0] (t1 - t0)
      a.need(2, 0, 1);
      T(a.t[0]).lerp_(T(a.t[1]), a.f[0]);
      return at::Tensor();
    case SM_ZERO_GRAD: {  // zero t0's gradient, if any, as Tensor.zero_grad(set_to_none=False)
      a.need(1, 0, 0);
      at::Tensor &g = T(a.t[0]).mutable_grad();
      if (g.defined()) {
        g.detach_();
        g.zero_();
      }
      return at::Tensor();
    }
    case SM_NORM:  // L2 norm of all elements
      a.need(1, 0, 0);
      return at::norm(T(a.t[0]));
    case SM_SQRT:
      a.need(1, 0, 0);
      return at::sqrt(T(a.t[0]));
    case SM_RSQRT:
      a.need(1, 0, 0);
      return at::rsqrt(T(a.t[0]));
    case SM_SIGN:
      a.need(1, 0, 0);
      return at::sign(T(a.t[0]));
    case SM_DIV_SCALAR:  // t0 / f[0]
      a.need(1, 0, 1);
      return at::div(T(a.t[0]), a.f[0]);
    case SM_MEAN_DIM:  // i: keepdim, dims...; float result
      a.need(1, 2, 0);
      return at::mean(T(a.t[0]), at::OptionalIntArrayRef(a.ints(1)), a.i[0] != 0, at::kFloat);
    default:
      TORCH_CHECK(false, "glue: unknown operation ", op);
  }
}

}  // namespace

extern "C" {

char *sm_op(int op, sm_tensor *out, const sm_tensor *t, int nt, const int64_t *i, int ni, const double *f, int nf) {
  try {
    at::Tensor r = run(op, args{t, nt, i, ni, f, nf});
    *out = r.defined() ? new at::Tensor(std::move(r)) : nullptr;
    return nullptr;
  } catch (const c10::Error &e) {
    return dup(e.what_without_backtrace());
  } catch (const std::exception &e) {
    return dup(e.what());
  }
}

char *sm_from_data(sm_tensor *out, const void *data, int64_t n, int dtype, const int64_t *shape, int ndim, int dev) {
  try {
    at::IntArrayRef sizes(shape, shape + ndim);
    auto opts = at::TensorOptions().dtype(static_cast<at::ScalarType>(dtype));
    int64_t want = 1;
    for (int k = 0; k < ndim; k++) want *= shape[k];
    TORCH_CHECK(want == n, "glue: ", n, " values for shape ", sizes);
    at::Tensor r = at::from_blob(const_cast<void *>(data), sizes, opts).clone();
    if (dev >= 0) r = r.to(device(dev));
    *out = new at::Tensor(std::move(r));
    return nullptr;
  } catch (const c10::Error &e) {
    return dup(e.what_without_backtrace());
  } catch (const std::exception &e) {
    return dup(e.what());
  }
}

char *sm_to_doubles(sm_tensor t, double *out, int64_t n) {
  try {
    c10::NoGradGuard guard;
    TORCH_CHECK(T(t).numel() == n, "glue: tensor of ", T(t).numel(), " elements read into ", n);
    at::Tensor d = T(t).detach().to(at::kCPU, at::kDouble).contiguous();
    std::memcpy(out, d.data_ptr<double>(), n * sizeof(double));
    return nullptr;
  } catch (const c10::Error &e) {
    return dup(e.what_without_backtrace());
  } catch (const std::exception &e) {
    return dup(e.what());
  }
}

char *sm_numel(sm_tensor t, int64_t *n) {
  try {
    *n = T(t).numel();
    return nullptr;
  } catch (const c10::Error &e) {
    return dup(e.what_without_backtrace());
  } catch (const std::exception &e) {
    return dup(e.what());
  }
}

char *sm_copy(sm_tensor dst, sm_tensor src) {
  try {
    c10::NoGradGuard guard;
    T(dst).copy_(T(src));
    return nullptr;
  } catch (const c10::Error &e) {
    return dup(e.what_without_backtrace());
  } catch (const std::exception &e) {
    return dup(e.what());
  }
}

char *sm_backward(sm_tensor t) {
  try {
    T(t).backward();
    return nullptr;
  } catch (const c10::Error &e) {
    return dup(e.what_without_backtrace());
  } catch (const std::exception &e) {
    return dup(e.what());
  }
}

}  // extern "C"
