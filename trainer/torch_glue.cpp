//go:build gotch

// libtorch calls that gotch v0.9.1 does not expose to Go, and a fused
// optimizer kernel. gotch's generated wrappers allocate (and never free) a
// small C block per tensor operation; doing an optimizer step's hundreds of
// operations here, in one call, avoids that growth for the largest share of
// a training step's operations. Each function mirrors, operation for
// operation, the Go implementation in model/optim.go.
#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>
#include <cmath>
#include <cstring>
#include <exception>
#include <malloc.h>
#include <stdint.h>

typedef void *tensor;

static at::Tensor &T(tensor t) { return *static_cast<at::Tensor *>(t); }

// fail stores a copy of the exception message in *err (freed by Go).
static int fail(char **err, const char *msg) {
  *err = strdup(msg);
  return 1;
}

extern "C" {

void supermax_manual_seed(uint64_t seed) { at::manual_seed(seed); }

void supermax_set_num_threads(int n) { at::set_num_threads(n); }

int supermax_get_num_threads() { return at::get_num_threads(); }

// supermax_malloc_trim returns free heap memory to the system (glibc).
void supermax_malloc_trim() { malloc_trim(0); }

int supermax_grad_norm(tensor *params, int n, double *out, char **err) {
  try {
    c10::NoGradGuard guard;
    double sq = 0;
    for (int i = 0; i < n; i++) {
      const at::Tensor &g = T(params[i]).grad();
      if (g.defined()) {
        double v = g.norm().item<double>();
        sq += v * v;
      }
    }
    *out = std::sqrt(sq);
    return 0;
  } catch (const std::exception &e) {
    return fail(err, e.what());
  }
}

int supermax_scale_grads(tensor *params, int n, double f, char **err) {
  try {
    c10::NoGradGuard guard;
    for (int i = 0; i < n; i++) {
      at::Tensor &g = T(params[i]).mutable_grad();
      if (g.defined()) g.mul_(f);
    }
    return 0;
  } catch (const std::exception &e) {
    return fail(err, e.what());
  }
}

int supermax_zero_grads(tensor *params, int n, char **err) {
  try {
    c10::NoGradGuard guard;
    for (int i = 0; i < n; i++) {
      at::Tensor &g = T(params[i]).mutable_grad();
      if (g.defined()) {
        g.detach_();
        g.zero_();
      }
    }
    return 0;
  } catch (const std::exception &e) {
    return fail(err, e.what());
  }
}

// AdamW (torch.optim.AdamW): p ← p(1 − lr·wd); m ← lerp(m, g, 1−β1);
// v ← β2 v + (1−β2) g²; p ← p − (lr/c1) · m / (√v/√c2 + ε).
int supermax_adamw(tensor *params, tensor *m, tensor *v, const double *lrs, const double *wds, int n,
                   double b1, double b2, double eps, int64_t step, char **err) {
  try {
    c10::NoGradGuard guard;
    double c1 = 1 - std::pow(b1, (double)step), c2 = 1 - std::pow(b2, (double)step);
    for (int i = 0; i < n; i++) {
      at::Tensor &p = T(params[i]);
      const at::Tensor &g = p.grad();
      if (!g.defined()) continue;
      if (wds[i] != 0) p.mul_(1 - lrs[i] * wds[i]);
      T(m[i]).lerp_(g, 1 - b1);
      T(v[i]).mul_(b2).add_(g * g * (1 - b2));
      at::Tensor denom = (T(v[i]).sqrt() / std::sqrt(c2)).add_(eps);
      p.sub_(T(m[i]) / denom * (lrs[i] / c1));
    }
    return 0;
  } catch (const std::exception &e) {
    return fail(err, e.what());
  }
}

// Lion: p ← p(1 − lr·wd); p ← p − lr·sign(β1 m + (1−β1) g); m ← lerp(m, g, 1−β2).
int supermax_lion(tensor *params, tensor *m, const double *lrs, const double *wds, int n,
                  double b1, double b2, char **err) {
  try {
    c10::NoGradGuard guard;
    for (int i = 0; i < n; i++) {
      at::Tensor &p = T(params[i]);
      const at::Tensor &g = p.grad();
      if (!g.defined()) continue;
      if (wds[i] != 0) p.mul_(1 - lrs[i] * wds[i]);
      at::Tensor c = T(m[i]) * b1 + g * (1 - b1);
      p.sub_(c.sign() * lrs[i]);
      T(m[i]).lerp_(g, 1 - b2);
    }
    return 0;
  } catch (const std::exception &e) {
    return fail(err, e.what());
  }
}

}  // extern "C"
