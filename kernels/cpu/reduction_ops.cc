// CPU kernels of the reductions Sum, Mean, Max, Min, Prod and of ArgMax, ArgMin.
//
// The input is viewed with adjacent reduced (and adjacent kept) dims merged and size-1 dims
// dropped, so most reductions become one [outer, n, inner] step: inner == 1 reduces contiguous
// rows (the last axis), outer == 1 reduces columns (the first axis). Views with several reduced
// groups take one such step per group. float sums accumulate in double, so a Mean over 60000
// elements is exact to float precision.
#include <omp.h>

#include <limits>
#include <vector>

#include "core/kernel.h"
#include "kernels/cpu/parallel_for.h"
#include "kernels/cpu/vector_math.h"

namespace sluice {
namespace {

using cpu::ParallelFor;

// Float sums accumulate in double; integer ones in the unsigned type (they wrap around,
// kernels/cpu/vector_math.h).
struct SumReducer {
  template <typename T>
  using Acc = std::conditional_t<std::is_same_v<T, float>, double, cpu::WrapType<T>>;
  template <typename A> static constexpr A Identity() { return A(0); }
  template <typename A> static A Combine(A a, A b) { return a + b; }
};
struct ProdReducer {
  template <typename T>
  using Acc = std::conditional_t<std::is_same_v<T, float>, double, cpu::WrapType<T>>;
  template <typename A> static constexpr A Identity() { return A(1); }
  template <typename A> static A Combine(A a, A b) { return a * b; }
};
// Max and Min propagate NaN.
struct MaxReducer {
  template <typename T>
  using Acc = T;
  template <typename A> static constexpr A Identity() {
    return std::numeric_limits<A>::has_infinity ? -std::numeric_limits<A>::infinity()
                                                : std::numeric_limits<A>::lowest();
  }
  template <typename A> static A Combine(A a, A b) { return (a > b || a != a) ? a : b; }
};
struct MinReducer {
  template <typename T>
  using Acc = T;
  template <typename A> static constexpr A Identity() {
    return std::numeric_limits<A>::has_infinity ? std::numeric_limits<A>::infinity()
                                                : std::numeric_limits<A>::max();
  }
  template <typename A> static A Combine(A a, A b) { return (a < b || a != a) ? a : b; }
};

// Reduces n contiguous elements. Independent lanes let the compiler vectorize sums and
// products; Max and Min vectorize best as OpenMP simd reductions with NaN tracked on the side.
template <typename R, typename A, typename Src>
A ReduceContiguous(const Src* x, int64_t n) {
  if constexpr (std::is_same_v<R, MaxReducer> || std::is_same_v<R, MinReducer>) {
    A acc = R::template Identity<A>();
    int nan = 0;
    if constexpr (std::is_same_v<R, MaxReducer>) {
#pragma omp simd reduction(max : acc) reduction(| : nan)
      for (int64_t i = 0; i < n; ++i) {
        const A v = static_cast<A>(x[i]);
        acc = acc > v ? acc : v;
        nan |= v != v;
      }
    } else {
#pragma omp simd reduction(min : acc) reduction(| : nan)
      for (int64_t i = 0; i < n; ++i) {
        const A v = static_cast<A>(x[i]);
        acc = acc < v ? acc : v;
        nan |= v != v;
      }
    }
    if constexpr (std::numeric_limits<A>::has_quiet_NaN) {
      if (nan) return std::numeric_limits<A>::quiet_NaN();
    }
    return acc;
  } else {
    constexpr int kLanes = 16;
    A lanes[kLanes];
    for (A& l : lanes) l = R::template Identity<A>();
    const int64_t blocks = n / kLanes;
    for (int64_t blk = 0; blk < blocks; ++blk) {
      const Src* p = x + blk * kLanes;
      for (int l = 0; l < kLanes; ++l) lanes[l] = R::Combine(lanes[l], static_cast<A>(p[l]));
    }
    A acc = R::template Identity<A>();
    for (int64_t i = blocks * kLanes; i < n; ++i) acc = R::Combine(acc, static_cast<A>(x[i]));
    for (const A& l : lanes) acc = R::Combine(acc, l);
    return acc;
  }
}

// acc[j] = combine(acc[j], x[r * stride + j]) for r < rows, j < cols. Rows are combined four
// at a time before touching acc, which cuts the loads and stores of acc by four.
template <typename R, typename A, typename Src>
void ReduceColumns(const Src* x, int64_t rows, int64_t cols, int64_t stride, A* acc) {
  int64_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    const Src* a = x + r * stride;
    const Src* b = a + stride;
    const Src* c = b + stride;
    const Src* d = c + stride;
    for (int64_t j = 0; j < cols; ++j) {
      const A ab = R::Combine(static_cast<A>(a[j]), static_cast<A>(b[j]));
      const A cd = R::Combine(static_cast<A>(c[j]), static_cast<A>(d[j]));
      acc[j] = R::Combine(acc[j], R::Combine(ab, cd));
    }
  }
  for (; r < rows; ++r) {
    const Src* row = x + r * stride;
    for (int64_t j = 0; j < cols; ++j) acc[j] = R::Combine(acc[j], static_cast<A>(row[j]));
  }
}

// Splits [0, n) across the OpenMP threads; each reduces its part into its own partial result
// through part(t, begin, end), then the partials are combined.
template <typename A, typename R, typename PartFn>
std::vector<A> ReducePartials(int64_t n, int64_t width, const PartFn& part) {
  const int threads = omp_get_max_threads();
  std::vector<A> partials(static_cast<size_t>(threads) * width, R::template Identity<A>());
#pragma omp parallel
  {
    const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t begin = n * t / nt, end = n * (t + 1) / nt;
    if (begin < end) part(partials.data() + t * width, begin, end);
  }
  for (int t = 1; t < threads; ++t) {
    for (int64_t j = 0; j < width; ++j) {
      partials[j] = R::Combine(partials[j], partials[t * width + j]);
    }
  }
  partials.resize(width);
  return partials;
}

// out[o * inner + j] = reduction over k of x[(o * n + k) * inner + j].
template <typename R, typename A, typename Src>
void Reduce3D(const Src* x, int64_t outer, int64_t n, int64_t inner, A* out) {
  const int64_t work = outer * n * inner;
  const bool parallel = work >= cpu::kMinParallelWork && omp_get_max_threads() > 1;
  const bool few_outer = outer < 2 * omp_get_max_threads();
  if (inner == 1) {
    if (!parallel || !few_outer) {
      ParallelFor(outer, work, [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o) out[o] = ReduceContiguous<R, A>(x + o * n, n);
      });
      return;
    }
    for (int64_t o = 0; o < outer; ++o) {
      const Src* row = x + o * n;
      out[o] = ReducePartials<A, R>(n, 1, [&](A* p, int64_t b, int64_t e) {
        *p = ReduceContiguous<R, A>(row + b, e - b);
      })[0];
    }
    return;
  }
  if (!parallel || !few_outer) {
    ParallelFor(outer, work, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        A* acc = out + o * inner;
        std::fill(acc, acc + inner, R::template Identity<A>());
        ReduceColumns<R>(x + o * n * inner, n, inner, inner, acc);
      }
    });
    return;
  }
  for (int64_t o = 0; o < outer; ++o) {
    const Src* slab = x + o * n * inner;
    A* acc = out + o * inner;
    if (n >= 16 * omp_get_max_threads()) {
      // Each thread streams a contiguous band of rows into its own partial result.
      std::vector<A> r = ReducePartials<A, R>(n, inner, [&](A* p, int64_t b, int64_t e) {
        ReduceColumns<R>(slab + b * inner, e - b, inner, inner, p);
      });
      std::copy(r.begin(), r.end(), acc);
    } else {
      // Few rows, so wide ones: each thread owns a band of columns.
      std::fill(acc, acc + inner, R::template Identity<A>());
      ParallelFor(inner, work, [&](int64_t b, int64_t e) {
        ReduceColumns<R>(slab + b, n, e - b, inner, acc + b);
      });
    }
  }
}

// Reads reduction axes (an int32/int64 scalar or vector) for an input of rank `rank`.
Status ReadAxes(const Tensor& axes, int rank, std::vector<bool>* reduced) {
  if (axes.dims() > 1) {
    return errors::InvalidArgument("reduction_indices must be a scalar or vector, got shape ",
                                   axes.shape().DebugString());
  }
  reduced->assign(rank, false);
  for (int64_t i = 0; i < axes.NumElements(); ++i) {
    int64_t a = axes.dtype() == DT_INT32 ? axes.data<int32_t>()[i] : axes.data<int64_t>()[i];
    if (a < -rank || a >= rank) {
      return errors::InvalidArgument("Invalid reduction dimension ", a, " for input with ", rank,
                                     " dimension(s)");
    }
    (*reduced)[a < 0 ? a + rank : a] = true;
  }
  return absl::OkStatus();
}

template <typename T, typename R, bool kMean = false>
class ReductionOp : public OpKernel {
 public:
  using A = typename R::template Acc<T>;
  explicit ReductionOp(OpKernelConstruction* c) : OpKernel(c) {
    c->SetStatus(c->GetAttr("keep_dims", &keep_dims_));
  }
  bool IsExpensive() const override { return true; }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    const int rank = x.dims();
    std::vector<bool> reduced;
    OP_REQUIRES_OK(ctx, ReadAxes(ctx->input(1), rank, &reduced));
    TensorShape out_shape;
    // Merged view: (size, reduced) groups, size-1 dims dropped.
    std::vector<std::pair<int64_t, bool>> groups;
    int64_t count = 1;  // elements reduced into each output element
    for (int i = 0; i < rank; ++i) {
      const int64_t d = x.dim_size(i);
      if (reduced[i]) {
        count *= d;
        if (keep_dims_) out_shape.AddDim(1);
      } else {
        out_shape.AddDim(d);
      }
      if (d == 1) continue;
      if (!groups.empty() && groups.back().second == reduced[i]) groups.back().first *= d;
      else groups.push_back({d, reduced[i]});
    }
    bool any_reduced = false;
    for (auto& g : groups) any_reduced |= g.second;
    if (!any_reduced) {
      // Only axes of size 1 are reduced: every output element is one input element.
      Tensor same;
      x.Reshaped(out_shape, &same);
      ctx->set_output(0, same);
      return;
    }
    Tensor* out;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, out_shape, &out));
    const int64_t n_out = out->NumElements();
    if (n_out == 0) return;
    T* od = out->data<T>();
    if (count == 0) {
      std::fill(od, od + n_out, EmptyValue());
      return;
    }
    // One [outer, n, inner] step per reduced group, innermost first.
    std::vector<A> buf[2];
    const void* src = x.raw_data();
    bool src_is_input = true;
    int which = 0;
    while (true) {
      int g = static_cast<int>(groups.size()) - 1;
      while (!groups[g].second) --g;
      int64_t outer = 1, inner = 1;
      for (int k = 0; k < g; ++k) outer *= groups[k].first;
      for (size_t k = g + 1; k < groups.size(); ++k) inner *= groups[k].first;
      bool last = true;
      for (int k = 0; k < g; ++k) last &= !groups[k].second;
      A* dst;
      if (last && std::is_same_v<A, T>) {
        dst = reinterpret_cast<A*>(od);
      } else {
        buf[which].resize(outer * inner);
        dst = buf[which].data();
      }
      if (src_is_input) {
        Reduce3D<R, A>(static_cast<const T*>(src), outer, groups[g].first, inner, dst);
      } else {
        Reduce3D<R, A>(static_cast<const A*>(src), outer, groups[g].first, inner, dst);
      }
      groups.erase(groups.begin() + g);
      src = dst;
      src_is_input = false;
      which ^= 1;
      if (last) break;
    }
    if (!kMean && std::is_same_v<A, T>) return;  // the last step wrote the output
    const A* result = static_cast<const A*>(src);
    ParallelFor(n_out, n_out, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        if constexpr (kMean && std::is_integral_v<T>) {
          // The (wrapped) sum back in T, then a signed division.
          od[i] = static_cast<T>(static_cast<int64_t>(static_cast<T>(result[i])) / count);
        } else if constexpr (kMean) {
          od[i] = static_cast<T>(result[i] / static_cast<A>(count));
        } else {
          od[i] = static_cast<T>(result[i]);
        }
      }
    });
  }

 private:
  // The reduction of no elements: the identity, and for Mean NaN (0 for integers).
  static T EmptyValue() {
    if constexpr (kMean) {
      return std::numeric_limits<T>::has_quiet_NaN ? std::numeric_limits<T>::quiet_NaN() : T(0);
    } else {
      return static_cast<T>(R::template Identity<A>());
    }
  }

  bool keep_dims_ = false;
};

// ---- ArgMax, ArgMin --------------------------------------------------------------------------

template <typename T, typename Index, bool kMax>
class ArgReductionOp : public OpKernel {
 public:
  explicit ArgReductionOp(OpKernelConstruction* c) : OpKernel(c) {}

  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    const Tensor& dim = ctx->input(1);
    OP_REQUIRES(ctx, dim.dims() == 0,
                errors::InvalidArgument("dimension must be a scalar, got shape ",
                                        dim.shape().DebugString()));
    const int rank = x.dims();
    int64_t axis = dim.dtype() == DT_INT32 ? dim.scalar<int32_t>() : dim.scalar<int64_t>();
    OP_REQUIRES(ctx, axis >= -rank && axis < rank,
                errors::InvalidArgument("Expected dimension in the range [", -rank, ", ", rank,
                                        "), but got ", axis));
    if (axis < 0) axis += rank;
    TensorShape out_shape;
    int64_t outer = 1, n = x.dim_size(static_cast<int>(axis)), inner = 1;
    for (int i = 0; i < rank; ++i) {
      if (i == axis) continue;
      out_shape.AddDim(x.dim_size(i));
      (i < axis ? outer : inner) *= x.dim_size(i);
    }
    Tensor* out;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, out_shape, &out));
    if (out->NumElements() == 0) return;
    OP_REQUIRES(ctx, n > 0,
                errors::InvalidArgument("Reduction axis ", axis, " is empty in shape ",
                                        x.shape().DebugString()));
    const T* xd = x.data<T>();
    Index* od = out->data<Index>();
    auto better = [](T a, T b) { return kMax ? a > b : a < b; };
    ParallelFor(outer, outer * n * inner, [&](int64_t b, int64_t e) {
      std::vector<T> best(inner);
      for (int64_t o = b; o < e; ++o) {
        const T* slab = xd + o * n * inner;
        Index* idx = od + o * inner;
        std::copy(slab, slab + inner, best.begin());
        std::fill(idx, idx + inner, Index(0));
        for (int64_t k = 1; k < n; ++k) {
          const T* row = slab + k * inner;
          for (int64_t j = 0; j < inner; ++j) {
            if (better(row[j], best[j])) {
              best[j] = row[j];
              idx[j] = static_cast<Index>(k);
            }
          }
        }
      }
    });
  }
};

#define SLUICE_REDUCTION(op, T, ...)                                                        \
  REGISTER_KERNEL(KernelDefBuilder(op).Device(kDeviceCpu).TypeConstraint<T>("T"), \
                  __VA_ARGS__)
#define SLUICE_REDUCTIONS(T)                                   \
  SLUICE_REDUCTION("Sum", T, ReductionOp<T, SumReducer>);       \
  SLUICE_REDUCTION("Mean", T, ReductionOp<T, SumReducer, true>); \
  SLUICE_REDUCTION("Max", T, ReductionOp<T, MaxReducer>);       \
  SLUICE_REDUCTION("Min", T, ReductionOp<T, MinReducer>);       \
  SLUICE_REDUCTION("Prod", T, ReductionOp<T, ProdReducer>)
SLUICE_REDUCTIONS(float);
SLUICE_REDUCTIONS(double);
SLUICE_REDUCTIONS(int32_t);
SLUICE_REDUCTIONS(int64_t);

#define SLUICE_ARG_REDUCTION(T, Index)                                                  \
  REGISTER_KERNEL(KernelDefBuilder("ArgMax")                                           \
                      .Device(kDeviceCpu)                                              \
                      .TypeConstraint<T>("T")                                          \
                      .TypeConstraint<Index>("output_type"),                           \
                  ArgReductionOp<T, Index, true>);                                     \
  REGISTER_KERNEL(KernelDefBuilder("ArgMin")                                           \
                      .Device(kDeviceCpu)                                              \
                      .TypeConstraint<T>("T")                                          \
                      .TypeConstraint<Index>("output_type"),                           \
                  ArgReductionOp<T, Index, false>)
#define SLUICE_ARG_REDUCTIONS(T)      \
  SLUICE_ARG_REDUCTION(T, int32_t); \
  SLUICE_ARG_REDUCTION(T, int64_t)
SLUICE_ARG_REDUCTIONS(float);
SLUICE_ARG_REDUCTIONS(double);
SLUICE_ARG_REDUCTIONS(int32_t);
SLUICE_ARG_REDUCTIONS(int64_t);
SLUICE_ARG_REDUCTIONS(uint8_t);

// ---- All, Any --------------------------------------------------------------------------------

// Accumulated in uint8_t (std::vector<bool> has no data()).
struct AllReducer {
  template <typename T>
  using Acc = uint8_t;
  template <typename A> static constexpr A Identity() { return 1; }
  template <typename A> static A Combine(A a, A b) { return a & b; }
};
struct AnyReducer {
  template <typename T>
  using Acc = uint8_t;
  template <typename A> static constexpr A Identity() { return 0; }
  template <typename A> static A Combine(A a, A b) { return a | b; }
};
REGISTER_KERNEL(KernelDefBuilder("All").Device(kDeviceCpu), ReductionOp<bool, AllReducer>);
REGISTER_KERNEL(KernelDefBuilder("Any").Device(kDeviceCpu), ReductionOp<bool, AnyReducer>);

}  // namespace
}  // namespace sluice
