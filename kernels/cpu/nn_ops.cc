// CPU kernels of the NN ops, float and double. Elementwise kernels write into their first
// input's buffer when nobody else holds it; row-wise kernels (softmax, cross-entropy) make one
// pass per row with the row maximum subtracted, so large logits neither overflow nor lose
// precision. Work is split over OpenMP threads only above a size where that pays off.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "core/kernel.h"
#include "kernels/cpu/parallel_for.h"
#include "kernels/cpu/vector_math.h"

namespace sluice {
namespace {

using cpu::ParallelFor;

// Relative cost of a row-wise kernel's element (an exp, a log share, a few flops) against an
// elementwise op's, for ParallelFor's work estimate.
constexpr int64_t kRowwiseCost = 4;

// exp that vectorizes for float (cpu::VecExp, within 1 ulp); libm for double.
template <typename T>
[[gnu::always_inline]] inline T Exp(T x) {
  if constexpr (std::is_same_v<T, float>) {
    return cpu::VecExp(x);
  } else {
    return std::exp(x);
  }
}

// ---- Elementwise activations -----------------------------------------------------------------

template <typename T>
struct ReluFn {
  T operator()(T x) const { return std::max(x, T(0)); }
};
template <typename T>
struct Relu6Fn {
  T operator()(T x) const { return std::min(std::max(x, T(0)), T(6)); }
};
template <typename T>
struct EluFn {
  T operator()(T x) const { return x < T(0) ? std::expm1(x) : x; }
};
// log(1 + e^x): x itself where e^x dwarfs 1, e^x where it is tiny next to 1.
template <typename T>
struct SoftplusFn {
  T operator()(T x) const {
    const T threshold = -std::log(std::numeric_limits<T>::epsilon()) + T(2);
    if (x > threshold) return x;
    if (x < -threshold) return std::exp(x);
    return std::log1p(std::exp(x));
  }
};
template <typename T>
struct LeakyReluFn {
  T alpha;
  T operator()(T x) const { return x > T(0) ? x : alpha * x; }
};

// Gradients: f(gradient, features-or-outputs).
template <typename T>
struct ReluGradFn {
  T operator()(T g, T x) const { return x > T(0) ? g : T(0); }
};
template <typename T>
struct Relu6GradFn {
  T operator()(T g, T x) const { return (x > T(0) && x < T(6)) ? g : T(0); }
};
template <typename T>
struct EluGradFn {
  T operator()(T g, T y) const { return y < T(0) ? g * (y + T(1)) : g; }
};
template <typename T>
struct SoftplusGradFn {
  T operator()(T g, T x) const { return g / (T(1) + std::exp(-x)); }
};
template <typename T>
struct LeakyReluGradFn {
  T alpha;
  T operator()(T g, T x) const { return x > T(0) ? g : alpha * g; }
};

// Makes a functor, reading `alpha` for the leaky ones.
template <typename F>
F MakeFn(OpKernelConstruction* c) {
  if constexpr (requires(F f) { f.alpha; }) {
    float alpha = 0.2f;
    c->SetStatus(c->GetAttr("alpha", &alpha));
    return F{static_cast<decltype(F::alpha)>(alpha)};
  } else {
    return F{};
  }
}

template <typename T, typename F>
class UnaryOp : public OpKernel {
 public:
  explicit UnaryOp(OpKernelConstruction* c) : OpKernel(c), fn_(MakeFn<F>(c)) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->forward_input_or_allocate_output(0, 0, in.shape(), &out));
    const T* x = in.data<T>();
    T* y = out->data<T>();
    const F fn = fn_;
    const int64_t n = in.NumElements();
    ParallelFor(n, n, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) y[i] = fn(x[i]);
    });
  }

 private:
  F fn_;
};

template <typename T, typename F>
class BinaryGradOp : public OpKernel {
 public:
  explicit BinaryGradOp(OpKernelConstruction* c) : OpKernel(c), fn_(MakeFn<F>(c)) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& g = ctx->input(0);
    const Tensor& x = ctx->input(1);
    OP_REQUIRES(ctx, g.shape() == x.shape(),
                errors::InvalidArgument("gradients and ", ctx->kernel().node().op_def().input_arg(1).name(),
                                        " must have the same shape, got ", g.shape().DebugString(),
                                        " and ", x.shape().DebugString()));
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->forward_input_or_allocate_output(0, 0, g.shape(), &out));
    const T* gp = g.data<T>();
    const T* xp = x.data<T>();
    T* y = out->data<T>();
    const F fn = fn_;
    const int64_t n = g.NumElements();
    ParallelFor(n, n, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) y[i] = fn(gp[i], xp[i]);
    });
  }

 private:
  F fn_;
};

// ---- BiasAdd, BiasAddGrad --------------------------------------------------------------------

class DataFormatKernel : public OpKernel {
 public:
  explicit DataFormatKernel(OpKernelConstruction* c) : OpKernel(c) {
    std::string format = "NHWC";
    c->SetStatus(c->GetAttr("data_format", &format));
    nchw_ = format == "NCHW";
  }

 protected:
  // The value viewed as [outer, channels, inner].
  struct Layout {
    int64_t outer, channels, inner;
  };
  Layout LayoutOf(const Tensor& t) const {
    const int c = nchw_ ? 1 : t.dims() - 1;
    Layout l{1, t.dim_size(c), 1};
    for (int d = 0; d < t.dims(); ++d) {
      if (d < c) l.outer *= t.dim_size(d);
      if (d > c) l.inner *= t.dim_size(d);
    }
    return l;
  }
  bool nchw_ = false;
};

template <typename T>
class BiasAddOp : public DataFormatKernel {
 public:
  using DataFormatKernel::DataFormatKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& value = ctx->input(0);
    const Tensor& bias = ctx->input(1);
    OP_REQUIRES(ctx, value.dims() >= 2 && bias.dims() == 1,
                errors::InvalidArgument("BiasAdd needs value of rank >= 2 and a vector bias, got shapes ",
                                        value.shape().DebugString(), " and ",
                                        bias.shape().DebugString()));
    const Layout l = LayoutOf(value);
    OP_REQUIRES(ctx, bias.dim_size(0) == l.channels,
                errors::InvalidArgument("bias of shape ", bias.shape().DebugString(),
                                        " must match the channel dimension (", nchw_ ? 1 : value.dims() - 1,
                                        ") of value of shape ", value.shape().DebugString()));
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->forward_input_or_allocate_output(0, 0, value.shape(), &out));
    const T* x = value.data<T>();
    const T* b = bias.data<T>();
    T* y = out->data<T>();
    const int64_t n = value.NumElements();
    if (l.inner == 1) {
      const int64_t c = l.channels;
      ParallelFor(l.outer, n, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          const T* xr = x + r * c;
          T* yr = y + r * c;
          for (int64_t j = 0; j < c; ++j) yr[j] = xr[j] + b[j];
        }
      });
    } else {
      const int64_t c = l.channels, inner = l.inner;
      ParallelFor(l.outer * c, n, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          const T bv = b[r % c];
          const T* xr = x + r * inner;
          T* yr = y + r * inner;
          for (int64_t j = 0; j < inner; ++j) yr[j] = xr[j] + bv;
        }
      });
    }
  }
};

template <typename T>
class BiasAddGradOp : public DataFormatKernel {
 public:
  using DataFormatKernel::DataFormatKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    OP_REQUIRES(ctx, in.dims() >= 2,
                errors::InvalidArgument("BiasAddGrad needs rank >= 2, got shape ",
                                        in.shape().DebugString()));
    const Layout l = LayoutOf(in);
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape{l.channels}, &out));
    T* sum = out->data<T>();
    std::fill_n(sum, l.channels, T(0));
    const T* x = in.data<T>();
    const int64_t c = l.channels, inner = l.inner;
    // Each thread sums a range of outer rows into its own partial, then the partials are added.
    auto accumulate = [&](int64_t r0, int64_t r1, T* acc) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* xr = x + r * c * inner;
        if (inner == 1) {
          for (int64_t j = 0; j < c; ++j) acc[j] += xr[j];
        } else {
          for (int64_t j = 0; j < c; ++j) {
            T s = 0;
            for (int64_t k = 0; k < inner; ++k) s += xr[j * inner + k];
            acc[j] += s;
          }
        }
      }
    };
    const int64_t n = in.NumElements();
    if (n < cpu::kMinParallelWork || l.outer < 2 || omp_get_max_threads() == 1) {
      accumulate(0, l.outer, sum);
      return;
    }
    const int threads = omp_get_max_threads();
    std::vector<T> partial(static_cast<size_t>(threads) * c, T(0));
#pragma omp parallel
    {
      const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
      accumulate(l.outer * t / nt, l.outer * (t + 1) / nt, partial.data() + t * c);
    }
    for (int t = 0; t < threads; ++t) {
      for (int64_t j = 0; j < c; ++j) sum[j] += partial[t * c + j];
    }
  }
};

// ---- Softmax, LogSoftmax ---------------------------------------------------------------------
// Each row: m = max(x), s = sum(exp(x - m)); softmax = exp(x - m) / s, log softmax =
// (x - m) - log(s). Outputs may share the logits' buffer: every element is read before it is
// written, and values needed later (the label's logit) are read first.

template <typename T>
T RowMax(const T* x, int64_t n) {
  T m = x[0];
#pragma omp simd reduction(max : m)
  for (int64_t j = 1; j < n; ++j) m = std::max(m, x[j]);
  return m;
}

template <typename T>
T SumExpShifted(const T* x, int64_t n, T shift) {
  T s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t j = 0; j < n; ++j) s += Exp(x[j] - shift);
  return s;
}

// y = exp(x - shift); returns sum(y). y may be x.
template <typename T>
T StoreExpShifted(const T* x, int64_t n, T shift, T* y) {
  T s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t j = 0; j < n; ++j) {
    const T e = Exp(x[j] - shift);
    y[j] = e;
    s += e;
  }
  return s;
}

template <typename T, bool kLog>
class SoftmaxOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    OP_REQUIRES(ctx, in.dims() >= 1,
                errors::InvalidArgument("logits must have rank >= 1, got shape ",
                                        in.shape().DebugString()));
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->forward_input_or_allocate_output(0, 0, in.shape(), &out));
    const int64_t n = in.NumElements(), c = in.dim_size(in.dims() - 1);
    if (n == 0) return;
    const T* x = in.data<T>();
    T* y = out->data<T>();
    ParallelFor(n / c, n * kRowwiseCost, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* xr = x + r * c;
        T* yr = y + r * c;
        const T m = RowMax(xr, c);
        if constexpr (kLog) {
          const T log_sum = std::log(SumExpShifted(xr, c, m));
#pragma omp simd
          for (int64_t j = 0; j < c; ++j) yr[j] = (xr[j] - m) - log_sum;
        } else {
          const T inv = T(1) / StoreExpShifted(xr, c, m, yr);
#pragma omp simd
          for (int64_t j = 0; j < c; ++j) yr[j] *= inv;
        }
      }
    });
  }
};

// ---- Cross-entropy losses --------------------------------------------------------------------

// loss = -sum(labels * log_softmax) = log(s) * sum(labels) - sum(labels * (x - m)),
// backprop = softmax - labels.
template <typename T>
class SoftmaxXentOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& logits = ctx->input(0);
    const Tensor& labels = ctx->input(1);
    OP_REQUIRES(ctx, logits.dims() == 2 && logits.shape() == labels.shape(),
                errors::InvalidArgument("logits and labels must be matrices of the same shape, got logits shape ",
                                        logits.shape().DebugString(), " and labels shape ",
                                        labels.shape().DebugString()));
    const int64_t rows = logits.dim_size(0), c = logits.dim_size(1);
    Tensor* loss = nullptr;
    Tensor* backprop = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape{rows}, &loss));
    OP_REQUIRES_OK(ctx, ctx->forward_input_or_allocate_output(0, 1, logits.shape(), &backprop));
    const T* x = logits.data<T>();
    const T* l = labels.data<T>();
    T* lp = loss->data<T>();
    T* bp = backprop->data<T>();
    ParallelFor(rows, rows * c * kRowwiseCost, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* xr = x + r * c;
        const T* lr = l + r * c;
        T* br = bp + r * c;
        if (c == 0) {
          lp[r] = 0;
          continue;
        }
        const T m = RowMax(xr, c);
        T label_sum = 0, dot = 0, s = 0;
#pragma omp simd reduction(+ : label_sum, dot, s)
        for (int64_t j = 0; j < c; ++j) {
          const T shifted = xr[j] - m;
          label_sum += lr[j];
          dot += lr[j] * shifted;
          const T e = Exp(shifted);
          br[j] = e;
          s += e;
        }
        lp[r] = std::log(s) * label_sum - dot;
        const T inv = T(1) / s;
#pragma omp simd
        for (int64_t j = 0; j < c; ++j) br[j] = br[j] * inv - lr[j];
      }
    });
  }
};

// loss = log(s) - (x[label] - m), backprop = softmax - one_hot(label).
template <typename T, typename Label>
class SparseSoftmaxXentOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& logits = ctx->input(0);
    const Tensor& labels = ctx->input(1);
    OP_REQUIRES(ctx, logits.dims() == 2 && labels.dims() == 1 && labels.dim_size(0) == logits.dim_size(0),
                errors::InvalidArgument("logits must be [batch, classes] and labels [batch], got logits shape ",
                                        logits.shape().DebugString(), " and labels shape ",
                                        labels.shape().DebugString()));
    const int64_t rows = logits.dim_size(0), c = logits.dim_size(1);
    const Label* lab = labels.data<Label>();
    for (int64_t r = 0; r < rows; ++r) {
      OP_REQUIRES(ctx, lab[r] >= 0 && lab[r] < c,
                  errors::InvalidArgument("Received a label value of ", lab[r],
                                          " which is outside the valid range of [0, ", c,
                                          ") at index ", r, " of labels"));
    }
    Tensor* loss = nullptr;
    Tensor* backprop = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape{rows}, &loss));
    OP_REQUIRES_OK(ctx, ctx->forward_input_or_allocate_output(0, 1, logits.shape(), &backprop));
    const T* x = logits.data<T>();
    T* lp = loss->data<T>();
    T* bp = backprop->data<T>();
    ParallelFor(rows, rows * c * kRowwiseCost, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* xr = x + r * c;
        T* br = bp + r * c;
        const T m = RowMax(xr, c);
        const T label_logit = xr[lab[r]];
        const T s = StoreExpShifted(xr, c, m, br);
        lp[r] = std::log(s) - (label_logit - m);
        const T inv = T(1) / s;
#pragma omp simd
        for (int64_t j = 0; j < c; ++j) br[j] *= inv;
        br[lab[r]] -= T(1);
      }
    });
  }
};

template <typename T>
class L2LossOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape{}, &out));
    const T* x = in.data<T>();
    const int64_t n = in.NumElements();
    double total = 0;
    if (n < cpu::kMinParallelWork) {
#pragma omp simd reduction(+ : total)
      for (int64_t i = 0; i < n; ++i) total += static_cast<double>(x[i]) * x[i];
    } else {
#pragma omp parallel for simd reduction(+ : total) schedule(static)
      for (int64_t i = 0; i < n; ++i) total += static_cast<double>(x[i]) * x[i];
    }
    out->scalar<T>() = static_cast<T>(total / 2);
  }
};

#define REGISTER_FLOAT_KERNELS(op, kernel) REGISTER_KERNEL_FAMILY(FloatTypes, op, kernel)

template <typename T>
using ReluOp = UnaryOp<T, ReluFn<T>>;
template <typename T>
using Relu6Op = UnaryOp<T, Relu6Fn<T>>;
template <typename T>
using EluOp = UnaryOp<T, EluFn<T>>;
template <typename T>
using SoftplusOp = UnaryOp<T, SoftplusFn<T>>;
template <typename T>
using LeakyReluOp = UnaryOp<T, LeakyReluFn<T>>;
template <typename T>
using ReluGradOp = BinaryGradOp<T, ReluGradFn<T>>;
template <typename T>
using Relu6GradOp = BinaryGradOp<T, Relu6GradFn<T>>;
template <typename T>
using EluGradOp = BinaryGradOp<T, EluGradFn<T>>;
template <typename T>
using SoftplusGradOp = BinaryGradOp<T, SoftplusGradFn<T>>;
template <typename T>
using LeakyReluGradOp = BinaryGradOp<T, LeakyReluGradFn<T>>;
template <typename T>
using SoftmaxKernel = SoftmaxOp<T, false>;
template <typename T>
using LogSoftmaxKernel = SoftmaxOp<T, true>;
template <typename T>
using SparseXentInt32 = SparseSoftmaxXentOp<T, int32_t>;
template <typename T>
using SparseXentInt64 = SparseSoftmaxXentOp<T, int64_t>;

REGISTER_FLOAT_KERNELS("Relu", ReluOp);
REGISTER_FLOAT_KERNELS("Relu6", Relu6Op);
REGISTER_FLOAT_KERNELS("Elu", EluOp);
REGISTER_FLOAT_KERNELS("Softplus", SoftplusOp);
REGISTER_FLOAT_KERNELS("LeakyRelu", LeakyReluOp);
REGISTER_FLOAT_KERNELS("ReluGrad", ReluGradOp);
REGISTER_FLOAT_KERNELS("Relu6Grad", Relu6GradOp);
REGISTER_FLOAT_KERNELS("EluGrad", EluGradOp);
REGISTER_FLOAT_KERNELS("SoftplusGrad", SoftplusGradOp);
REGISTER_FLOAT_KERNELS("LeakyReluGrad", LeakyReluGradOp);
REGISTER_FLOAT_KERNELS("BiasAdd", BiasAddOp);
REGISTER_FLOAT_KERNELS("BiasAddGrad", BiasAddGradOp);
REGISTER_FLOAT_KERNELS("Softmax", SoftmaxKernel);
REGISTER_FLOAT_KERNELS("LogSoftmax", LogSoftmaxKernel);
REGISTER_FLOAT_KERNELS("SoftmaxCrossEntropyWithLogits", SoftmaxXentOp);
REGISTER_FLOAT_KERNELS("L2Loss", L2LossOp);
#undef REGISTER_FLOAT_KERNELS

#define REGISTER_SPARSE_XENT(T, Label, kernel)                                             \
  REGISTER_KERNEL(KernelDefBuilder("SparseSoftmaxCrossEntropyWithLogits")                  \
                      .Device(kDeviceCpu)                                                  \
                      .TypeConstraint<T>("T")                                              \
                      .TypeConstraint<Label>("Tlabels"),                                   \
                  kernel<T>)
REGISTER_SPARSE_XENT(float, int32_t, SparseXentInt32);
REGISTER_SPARSE_XENT(float, int64_t, SparseXentInt64);
REGISTER_SPARSE_XENT(double, int32_t, SparseXentInt32);
REGISTER_SPARSE_XENT(double, int64_t, SparseXentInt64);
#undef REGISTER_SPARSE_XENT

// ---- InTopK, InTopKV2 ------------------------------------------------------------------------

// TensorFlow's rule: target t of row b is in the top k when fewer than k classes have a
// prediction strictly greater than predictions[b, t]; false when t is out of range or a
// prediction of the row is not finite.
template <typename Index>
class InTopKOp : public OpKernel {
 public:
  explicit InTopKOp(OpKernelConstruction* c) : OpKernel(c) {
    if (c->num_inputs() == 2) c->SetStatus(c->GetAttr("k", &k_attr_));
  }
  void Compute(OpKernelContext* ctx) override {
    const Tensor& predictions = ctx->input(0);
    const Tensor& targets = ctx->input(1);
    int64_t k = k_attr_;
    if (ctx->num_inputs() == 3) {
      const Tensor& kt = ctx->input(2);
      OP_REQUIRES(ctx, kt.dims() == 0,
                  errors::InvalidArgument("k must be a scalar, got shape ", kt.shape().DebugString()));
      k = kt.scalar<Index>();
    }
    OP_REQUIRES(ctx, predictions.dims() == 2,
                errors::InvalidArgument("predictions must be 2-dimensional, got shape ",
                                        predictions.shape().DebugString()));
    OP_REQUIRES(ctx, targets.dims() == 1,
                errors::InvalidArgument("targets must be 1-dimensional, got shape ",
                                        targets.shape().DebugString()));
    OP_REQUIRES(ctx, predictions.dim_size(0) == targets.dim_size(0),
                errors::InvalidArgument("First dimension of predictions ", predictions.dim_size(0),
                                        " must match length of targets ", targets.dim_size(0)));
    const int64_t batch = predictions.dim_size(0), classes = predictions.dim_size(1);
    Tensor* out;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape{batch}, &out));
    const float* p = predictions.data<float>();
    const Index* t = targets.data<Index>();
    bool* o = out->data<bool>();
    for (int64_t b = 0; b < batch; ++b) {
      const float* row = p + b * classes;
      const int64_t target = t[b];
      bool cannot_say = target < 0 || target >= classes || !std::isfinite(row[target]);
      int64_t more = 0;
      for (int64_t i = 0; !cannot_say && i < classes && more <= k; ++i) {
        if (!std::isfinite(row[i])) cannot_say = true;
        else if (row[i] > row[target]) ++more;
      }
      o[b] = !cannot_say && more < k;
    }
  }

 private:
  int64_t k_attr_ = 0;
};

#define REGISTER_IN_TOP_K(op, Index) \
  REGISTER_KERNEL(KernelDefBuilder(op).Device(kDeviceCpu).TypeConstraint<Index>("T"), InTopKOp<Index>)
REGISTER_IN_TOP_K("InTopK", int32_t);
REGISTER_IN_TOP_K("InTopK", int64_t);
REGISTER_IN_TOP_K("InTopKV2", int32_t);
REGISTER_IN_TOP_K("InTopKV2", int64_t);
#undef REGISTER_IN_TOP_K

// ---- Selu, Softsign --------------------------------------------------------------------------

// SELU's constants (Klambauer et al.), as TensorFlow's kernels write them.
constexpr double kSeluScale = 1.0507009873554804934193349852946;
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;

template <typename T>
struct SeluFn {
  T operator()(T x) const {
    return x < T(0) ? T(kSeluScale * kSeluAlpha) * std::expm1(x) : T(kSeluScale) * x;
  }
};
template <typename T>
struct SeluGradFn {  // from the outputs y: scale * alpha * e^x = y + scale * alpha for x < 0
  T operator()(T g, T y) const {
    return y < T(0) ? g * (y + T(kSeluScale * kSeluAlpha)) : g * T(kSeluScale);
  }
};
template <typename T>
struct SoftsignFn {
  T operator()(T x) const { return x / (T(1) + std::abs(x)); }
};
template <typename T>
struct SoftsignGradFn {
  T operator()(T g, T x) const {
    const T d = T(1) + std::abs(x);
    return g / (d * d);
  }
};

template <typename T>
using SeluOp = UnaryOp<T, SeluFn<T>>;
template <typename T>
using SeluGradOp = BinaryGradOp<T, SeluGradFn<T>>;
template <typename T>
using SoftsignOp = UnaryOp<T, SoftsignFn<T>>;
template <typename T>
using SoftsignGradOp = BinaryGradOp<T, SoftsignGradFn<T>>;
REGISTER_KERNEL_FAMILY(FloatTypes, "Selu", SeluOp);
REGISTER_KERNEL_FAMILY(FloatTypes, "SeluGrad", SeluGradOp);
REGISTER_KERNEL_FAMILY(FloatTypes, "Softsign", SoftsignOp);
REGISTER_KERNEL_FAMILY(FloatTypes, "SoftsignGrad", SoftsignGradOp);

}  // namespace
}  // namespace sluice
