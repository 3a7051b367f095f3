// CPU kernels of the elementwise math ops: binary arithmetic and comparisons with NumPy
// broadcasting, unary functions, Cast, Select, AddN, BroadcastGradientArgs and Range.
// Loops are written for the compiler to vectorize (float exp/log/tanh/sigmoid come from
// vector_math.h) and go parallel only for large tensors.
#include <array>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "absl/strings/str_join.h"
#include "core/kernel.h"
#include "kernels/cpu/parallel_for.h"
#include "kernels/cpu/vector_math.h"

namespace sluice {
namespace {

using cpu::ParallelFor;

// Relative cost of one element, for deciding when to go parallel.
constexpr int64_t kCheap = 1;
constexpr int64_t kTranscendental = 8;

// ---- Broadcasting ----------------------------------------------------------------------------

constexpr int kMaxOperands = 3;

// How a broadcasting elementwise op walks its operands: the output shape with size-1 dims
// dropped and adjacent dims merged where every operand broadcasts the same way, and each
// operand's element stride along those dims (0 where it is broadcast). Any rank works.
struct BroadcastPlan {
  TensorShape out_shape;
  absl::InlinedVector<int64_t, 6> dims;
  std::array<absl::InlinedVector<int64_t, 6>, kMaxOperands> strides;
  int num_operands = 0;
};

// Fills a default-constructed `plan` for `shapes`; an error names them when they do not broadcast.
Status MakeBroadcastPlan(std::initializer_list<const TensorShape*> shapes, BroadcastPlan* plan) {
  const int n = static_cast<int>(shapes.size());
  int rank = 0;
  for (const TensorShape* s : shapes) rank = std::max(rank, s->rank());
  plan->num_operands = n;
  // Per kept output dim: its size and which operands broadcast along it (bit j for operand j).
  absl::InlinedVector<std::pair<int64_t, unsigned>, 6> groups;
  for (int i = 0; i < rank; ++i) {
    int64_t out = 1;
    for (const TensorShape* s : shapes) {
      int k = i - (rank - s->rank());
      int64_t d = k < 0 ? 1 : s->dim(k);
      if (d == 1) continue;
      if (out != 1 && out != d) {
        std::vector<std::string> names;
        for (const TensorShape* t : shapes) names.push_back(t->DebugString());
        return errors::InvalidArgument("Incompatible shapes: ", absl::StrJoin(names, " vs. "));
      }
      out = d;
    }
    plan->out_shape.AddDim(out);
    if (out == 1) continue;
    unsigned broadcast = 0;
    int j = 0;
    for (const TensorShape* s : shapes) {
      int k = i - (rank - s->rank());
      if (k < 0 || s->dim(k) == 1) broadcast |= 1u << j;
      ++j;
    }
    if (!groups.empty() && groups.back().second == broadcast) {
      groups.back().first *= out;
    } else {
      groups.push_back({out, broadcast});
    }
  }
  for (auto& g : groups) plan->dims.push_back(g.first);
  for (int j = 0; j < n; ++j) {
    auto& st = plan->strides[j];
    st.assign(groups.size(), 0);
    int64_t running = 1;
    for (int g = static_cast<int>(groups.size()) - 1; g >= 0; --g) {
      if (groups[g].second & (1u << j)) continue;
      st[g] = running;
      running *= groups[g].first;
    }
  }
  return absl::OkStatus();
}

// Calls row(out_offset, offsets, n) for runs of n consecutive output elements, where offsets[j]
// is operand j's element offset at the run's start; inside a run operand j advances by
// plan.strides[j].back() (0 or 1) per element. Runs may be split across threads.
template <typename RowFn>
void ForEachRow(const BroadcastPlan& plan, int64_t cost, const RowFn& row) {
  const int r = static_cast<int>(plan.dims.size());
  const int m = plan.num_operands;
  if (r == 0) {
    int64_t offsets[kMaxOperands] = {};
    row(int64_t{0}, offsets, int64_t{1});
    return;
  }
  const int64_t inner = plan.dims[r - 1];
  int64_t outer = 1;
  for (int d = 0; d < r - 1; ++d) outer *= plan.dims[d];
  if (outer == 1) {
    ParallelFor(inner, inner * cost, [&](int64_t begin, int64_t end) {
      int64_t offsets[kMaxOperands] = {};
      for (int j = 0; j < m; ++j) offsets[j] = begin * plan.strides[j][r - 1];
      row(begin, offsets, end - begin);
    });
    return;
  }
  ParallelFor(outer, outer * inner * cost, [&](int64_t begin, int64_t end) {
    absl::InlinedVector<int64_t, 6> index(r - 1);
    int64_t offsets[kMaxOperands] = {};
    int64_t rest = begin;
    for (int d = r - 2; d >= 0; --d) {
      index[d] = rest % plan.dims[d];
      rest /= plan.dims[d];
      for (int j = 0; j < m; ++j) offsets[j] += index[d] * plan.strides[j][d];
    }
    for (int64_t o = begin; o < end; ++o) {
      row(o * inner, offsets, inner);
      for (int d = r - 2; d >= 0; --d) {
        for (int j = 0; j < m; ++j) offsets[j] += plan.strides[j][d];
        if (++index[d] < plan.dims[d]) break;
        for (int j = 0; j < m; ++j) offsets[j] -= plan.strides[j][d] * plan.dims[d];
        index[d] = 0;
      }
    }
  });
}

// ---- Functors --------------------------------------------------------------------------------

template <typename T>
constexpr bool kIsFloat = std::is_floating_point_v<T>;

struct AddFn {
  template <typename T> T operator()(T a, T b) const { return cpu::WrapAdd(a, b); }
};
struct SubFn {
  template <typename T> T operator()(T a, T b) const { return cpu::WrapSub(a, b); }
};
struct MulFn {
  template <typename T> T operator()(T a, T b) const { return cpu::WrapMul(a, b); }
};
// C division for integers (truncating; the caller rules out a zero divisor). x / -1 is
// computed as a negation, which cannot trap on the most negative value.
struct DivFn {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (kIsFloat<T>) {
      return a / b;
    } else {
      using U = std::make_unsigned_t<T>;
      return b == -1 ? static_cast<T>(U{0} - static_cast<U>(a)) : a / b;
    }
  }
};
// Maximum and Minimum propagate NaN, as NumPy does.
struct MaximumFn {
  template <typename T> T operator()(T a, T b) const { return (a > b || a != a) ? a : b; }
};
struct MinimumFn {
  template <typename T> T operator()(T a, T b) const { return (a < b || a != a) ? a : b; }
};
struct SquaredDifferenceFn {
  template <typename T> T operator()(T a, T b) const { return cpu::WrapMul(cpu::WrapSub(a, b), cpu::WrapSub(a, b)); }
};
struct EqualFn {
  template <typename T> bool operator()(T a, T b) const { return a == b; }
};
struct NotEqualFn {
  template <typename T> bool operator()(T a, T b) const { return a != b; }
};
struct LessFn {
  template <typename T> bool operator()(T a, T b) const { return a < b; }
};
struct LessEqualFn {
  template <typename T> bool operator()(T a, T b) const { return a <= b; }
};
struct GreaterFn {
  template <typename T> bool operator()(T a, T b) const { return a > b; }
};
struct GreaterEqualFn {
  template <typename T> bool operator()(T a, T b) const { return a >= b; }
};
struct LogicalAndFn {
  bool operator()(bool a, bool b) const { return a && b; }
};
struct LogicalOrFn {
  bool operator()(bool a, bool b) const { return a || b; }
};

// Unary *Grad ops: f(y, dy).
struct SigmoidGradFn {
  template <typename T> T operator()(T y, T dy) const { return dy * y * (T(1) - y); }
};
struct TanhGradFn {
  template <typename T> T operator()(T y, T dy) const { return dy * (T(1) - y * y); }
};
struct SqrtGradFn {
  template <typename T> T operator()(T y, T dy) const { return dy * T(0.5) / y; }
};
struct RsqrtGradFn {
  template <typename T> T operator()(T y, T dy) const { return dy * T(-0.5) * y * y * y; }
};
struct ReciprocalGradFn {
  template <typename T> T operator()(T y, T dy) const { return -dy * y * y; }
};

struct NegFn {
  template <typename T> T operator()(T x) const { return cpu::WrapNeg(x); }
};
struct AbsFn {  // |INT_MIN| wraps to INT_MIN, as in TensorFlow
  template <typename T> T operator()(T x) const { return x < T(0) ? cpu::WrapNeg(x) : x; }
};
// -1, 0 or 1; NaN stays NaN and -0 stays -0.
struct SignFn {
  template <typename T> T operator()(T x) const { return x > T(0) ? T(1) : (x < T(0) ? T(-1) : x); }
};
struct SquareFn {
  template <typename T> T operator()(T x) const { return cpu::WrapMul(x, x); }
};
struct SqrtFn {
  template <typename T> T operator()(T x) const { return std::sqrt(x); }
};
struct RsqrtFn {
  template <typename T> T operator()(T x) const { return T(1) / std::sqrt(x); }
};
struct ReciprocalFn {
  template <typename T> T operator()(T x) const { return T(1) / x; }
};
struct ExpFn {
  template <typename T> T operator()(T x) const {
    if constexpr (std::is_same_v<T, float>) return cpu::VecExp(x);
    else return std::exp(x);
  }
};
struct LogFn {
  template <typename T> T operator()(T x) const {
    if constexpr (std::is_same_v<T, float>) return cpu::VecLog(x);
    else return std::log(x);
  }
};
struct TanhFn {
  template <typename T> T operator()(T x) const {
    if constexpr (std::is_same_v<T, float>) return cpu::VecTanh(x);
    else return std::tanh(x);
  }
};
struct SigmoidFn {
  template <typename T> T operator()(T x) const {
    if constexpr (std::is_same_v<T, float>) return cpu::VecSigmoid(x);
    else return T(1) / (T(1) + std::exp(-x));
  }
};
struct LogicalNotFn {
  bool operator()(bool x) const { return !x; }
};

// ---- Binary ops ------------------------------------------------------------------------------

// z = f(x, y) over one run: x and y advance by their strides (0 or 1) per element.
template <typename T, typename Out, typename F>
inline void BinaryRun(const T* x, int64_t sx, const T* y, int64_t sy, Out* z, int64_t n) {
  F f;
  if (sx == 1 && sy == 1) {
    for (int64_t i = 0; i < n; ++i) z[i] = f(x[i], y[i]);
  } else if (sx == 0 && sy == 1) {
    const T a = x[0];
    for (int64_t i = 0; i < n; ++i) z[i] = f(a, y[i]);
  } else if (sx == 1 && sy == 0) {
    const T b = y[0];
    for (int64_t i = 0; i < n; ++i) z[i] = f(x[i], b);
  } else {
    const Out c = f(x[0], y[0]);
    for (int64_t i = 0; i < n; ++i) z[i] = c;
  }
}

// Output 0 takes over the buffer of the first of `candidates` (input indices) that has its dtype
// and shape, when nothing else holds that buffer; otherwise it is allocated.
Status ForwardOrAllocate(OpKernelContext* ctx, const TensorShape& shape,
                         std::initializer_list<int> candidates, Tensor** out) {
  for (int i : candidates) {
    const Tensor& in = ctx->input(i);
    if (ctx->input_ref(i) == nullptr && in.RefCountIsOne() && in.shape() == shape &&
        in.dtype() == ctx->expected_output_dtype(0)) {
      return ctx->forward_input_or_allocate_output(i, 0, shape, out);
    }
  }
  return ctx->allocate_output(0, shape, out);
}

template <typename T, typename F>
class BinaryOp : public OpKernel {
 public:
  using Out = decltype(F()(T(), T()));
  explicit BinaryOp(OpKernelConstruction* c) : OpKernel(c) {}

  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    const Tensor& y = ctx->input(1);
    if constexpr (std::is_same_v<F, DivFn> && !kIsFloat<T>) {
      const T* yd = y.data<T>();
      const int64_t n = y.NumElements();
      bool zero = false;
      for (int64_t i = 0; i < n; ++i) zero |= yd[i] == 0;
      OP_REQUIRES(ctx, !zero, errors::InvalidArgument("Integer division by zero"));
    }
    if (x.shape() == y.shape()) {
      Tensor* z;
      OP_REQUIRES_OK(ctx, ForwardOrAllocate(ctx, x.shape(), {0, 1}, &z));
      const T* xd = x.data<T>();
      const T* yd = y.data<T>();
      Out* zd = z->data<Out>();
      ParallelFor(z->NumElements(), z->NumElements() * kCheap, [&](int64_t b, int64_t e) {
        BinaryRun<T, Out, F>(xd + b, 1, yd + b, 1, zd + b, e - b);
      });
      return;
    }
    BroadcastPlan plan;
    OP_REQUIRES_OK(ctx, MakeBroadcastPlan({&x.shape(), &y.shape()}, &plan));
    Tensor* z;
    OP_REQUIRES_OK(ctx, ForwardOrAllocate(ctx, plan.out_shape, {0, 1}, &z));
    if (z->NumElements() == 0) return;
    const T* xd = x.data<T>();
    const T* yd = y.data<T>();
    Out* zd = z->data<Out>();
    const int64_t sx = plan.strides[0].empty() ? 0 : plan.strides[0].back();
    const int64_t sy = plan.strides[1].empty() ? 0 : plan.strides[1].back();
    ForEachRow(plan, kCheap, [&](int64_t zo, const int64_t* off, int64_t n) {
      BinaryRun<T, Out, F>(xd + off[0], sx, yd + off[1], sy, zd + zo, n);
    });
  }
};

// The unary *Grad ops: f(y, dy) of one shape, no broadcasting.
template <typename T, typename F>
class UnaryGradOp : public OpKernel {
 public:
  explicit UnaryGradOp(OpKernelConstruction* c) : OpKernel(c) {}

  void Compute(OpKernelContext* ctx) override {
    const Tensor& y = ctx->input(0);
    const Tensor& dy = ctx->input(1);
    OP_REQUIRES(ctx, y.shape() == dy.shape(),
                errors::InvalidArgument("y and dy must have the same shape, got ",
                                        y.shape().DebugString(), " and ", dy.shape().DebugString()));
    Tensor* z;
    OP_REQUIRES_OK(ctx, ForwardOrAllocate(ctx, y.shape(), {1, 0}, &z));
    const T* yd = y.data<T>();
    const T* dyd = dy.data<T>();
    T* zd = z->data<T>();
    ParallelFor(z->NumElements(), z->NumElements() * kCheap, [&](int64_t b, int64_t e) {
      BinaryRun<T, T, F>(yd + b, 1, dyd + b, 1, zd + b, e - b);
    });
  }
};

// ---- Unary ops -------------------------------------------------------------------------------

template <typename T, typename F, int64_t kCost = kCheap>
class UnaryOp : public OpKernel {
 public:
  explicit UnaryOp(OpKernelConstruction* c) : OpKernel(c) {}

  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    Tensor* y;
    OP_REQUIRES_OK(ctx, ctx->forward_input_or_allocate_output(0, 0, x.shape(), &y));
    const T* xd = x.data<T>();
    T* yd = y->data<T>();
    ParallelFor(x.NumElements(), x.NumElements() * kCost, [&](int64_t b, int64_t e) {
      F f;
      for (int64_t i = b; i < e; ++i) yd[i] = f(xd[i]);
    });
  }
};

// ---- Cast ------------------------------------------------------------------------------------

using CastFn = void (*)(const void* in, void* out, int64_t begin, int64_t end);

template <typename Src, typename Dst>
void CastRange(const void* in, void* out, int64_t begin, int64_t end) {
  const Src* s = static_cast<const Src*>(in);
  Dst* d = static_cast<Dst*>(out);
  for (int64_t i = begin; i < end; ++i) {
    if constexpr (std::is_same_v<Dst, bool>) d[i] = s[i] != Src(0);
    else d[i] = static_cast<Dst>(s[i]);
  }
}

template <typename T>
constexpr bool kCastable = std::is_same_v<T, float> || std::is_same_v<T, double> ||
                           std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t> ||
                           std::is_same_v<T, uint8_t> || std::is_same_v<T, bool>;

const std::vector<DataType> kCastTypes = {DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64, DT_UINT8, DT_BOOL};

// Floating to integer conversion truncates toward zero; values out of the integer's range give
// what the hardware gives (TensorFlow leaves them unspecified too).
class CastOp : public OpKernel {
 public:
  explicit CastOp(OpKernelConstruction* c) : OpKernel(c) {
    DataType src = c->input_type(0), dst = c->output_type(0);
    DispatchType(src, [&]<typename S>() {
      if constexpr (kCastable<S>) {
        DispatchType(dst, [&]<typename D>() {
          if constexpr (kCastable<D>) fn_ = &CastRange<S, D>;
        });
      }
    });
    if (fn_ == nullptr) {
      c->SetStatus(errors::Unimplemented("Cast from ", DataTypeString(src), " to ",
                                         DataTypeString(dst), " is not supported"));
    }
    identity_ = src == dst;
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    if (identity_) {
      ctx->set_output(0, x);
      return;
    }
    Tensor* y;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, x.shape(), &y));
    const void* in = x.raw_data();
    void* out = y->raw_data();
    ParallelFor(x.NumElements(), x.NumElements() * kCheap,
                [&](int64_t b, int64_t e) { fn_(in, out, b, e); });
  }

 private:
  CastFn fn_ = nullptr;
  bool identity_ = false;
};

// ---- Select, SelectV2 ------------------------------------------------------------------------

template <typename T>
class SelectOp : public OpKernel {
 public:
  explicit SelectOp(OpKernelConstruction* c) : OpKernel(c) {}

  void Compute(OpKernelContext* ctx) override {
    const Tensor& cond = ctx->input(0);
    const Tensor& t = ctx->input(1);
    const Tensor& e = ctx->input(2);
    OP_REQUIRES(ctx, t.shape() == e.shape(),
                errors::InvalidArgument("'then' and 'else' must have the same shape, got ",
                                        t.shape().DebugString(), " and ", e.shape().DebugString()));
    if (cond.dims() == 0) {
      ctx->set_output(0, cond.scalar<bool>() ? t : e);
      return;
    }
    const bool rows = cond.dims() == 1 && t.dims() > 1;
    OP_REQUIRES(ctx, rows ? cond.dim_size(0) == t.dim_size(0) : cond.shape() == t.shape(),
                errors::InvalidArgument(
                    "condition must be a scalar, a vector of the size of dim 0 of 'then' and "
                    "'else', or have their shape; got condition ",
                    cond.shape().DebugString(), " and 'then' ", t.shape().DebugString()));
    Tensor* out;
    OP_REQUIRES_OK(ctx, ForwardOrAllocate(ctx, t.shape(), {1, 2}, &out));
    const bool* c = cond.data<bool>();
    const T* td = t.data<T>();
    const T* ed = e.data<T>();
    T* od = out->data<T>();
    if (!rows) {
      ParallelFor(t.NumElements(), t.NumElements() * kCheap, [&](int64_t b, int64_t end) {
        for (int64_t i = b; i < end; ++i) od[i] = c[i] ? td[i] : ed[i];
      });
      return;
    }
    const int64_t n = cond.dim_size(0);
    const int64_t row = n == 0 ? 0 : t.NumElements() / n;
    ParallelFor(n, t.NumElements() * kCheap, [&](int64_t b, int64_t end) {
      for (int64_t i = b; i < end; ++i) {
        const T* src = (c[i] ? td : ed) + i * row;
        if (src != od + i * row) std::memcpy(od + i * row, src, row * sizeof(T));
      }
    });
  }
};

template <typename T>
class SelectV2Op : public OpKernel {
 public:
  explicit SelectV2Op(OpKernelConstruction* c) : OpKernel(c) {}

  void Compute(OpKernelContext* ctx) override {
    const Tensor& cond = ctx->input(0);
    const Tensor& t = ctx->input(1);
    const Tensor& e = ctx->input(2);
    BroadcastPlan plan;
    OP_REQUIRES_OK(ctx, MakeBroadcastPlan({&cond.shape(), &t.shape(), &e.shape()}, &plan));
    Tensor* out;
    OP_REQUIRES_OK(ctx, ForwardOrAllocate(ctx, plan.out_shape, {1, 2}, &out));
    if (out->NumElements() == 0) return;
    const bool* c = cond.data<bool>();
    const T* td = t.data<T>();
    const T* ed = e.data<T>();
    T* od = out->data<T>();
    auto inner = [&](int j) { return plan.strides[j].empty() ? 0 : plan.strides[j].back(); };
    const int64_t sc = inner(0), st = inner(1), se = inner(2);
    ForEachRow(plan, kCheap, [&](int64_t o, const int64_t* off, int64_t n) {
      const bool* cc = c + off[0];
      const T* tt = td + off[1];
      const T* ee = ed + off[2];
      T* oo = od + o;
      if (sc == 1 && st == 1 && se == 1) {
        for (int64_t i = 0; i < n; ++i) oo[i] = cc[i] ? tt[i] : ee[i];
      } else {
        for (int64_t i = 0; i < n; ++i) oo[i] = cc[i * sc] ? tt[i * st] : ee[i * se];
      }
    });
  }
};

// ---- AddN ------------------------------------------------------------------------------------

template <typename T>
class AddNOp : public OpKernel {
 public:
  explicit AddNOp(OpKernelConstruction* c) : OpKernel(c) {}

  void Compute(OpKernelContext* ctx) override {
    const int n = ctx->num_inputs();
    const Tensor& first = ctx->input(0);
    for (int i = 1; i < n; ++i) {
      OP_REQUIRES(ctx, ctx->input(i).shape() == first.shape(),
                  errors::InvalidArgument("AddN inputs must have the same shape, but input 0 is ",
                                          first.shape().DebugString(), " and input ", i, " is ",
                                          ctx->input(i).shape().DebugString()));
    }
    if (n == 1) {
      ctx->set_output(0, first);
      return;
    }
    Tensor* out;
    OP_REQUIRES_OK(ctx, ctx->forward_input_or_allocate_output(0, 0, first.shape(), &out));
    absl::InlinedVector<const T*, 8> in(n);
    for (int i = 0; i < n; ++i) in[i] = ctx->input(i).data<T>();
    T* od = out->data<T>();
    // Blocks small enough that the output stays in L1 while every input is added into it.
    constexpr int64_t kBlock = 2048;
    const int64_t total = first.NumElements();
    const int64_t blocks = (total + kBlock - 1) / kBlock;
    ParallelFor(blocks, total * n * kCheap, [&](int64_t b, int64_t e) {
      for (int64_t blk = b; blk < e; ++blk) {
        const int64_t lo = blk * kBlock, hi = std::min(total, lo + kBlock);
        const T* a = in[0];
        const T* c = in[1];
        for (int64_t i = lo; i < hi; ++i) od[i] = cpu::WrapAdd(a[i], c[i]);
        for (int k = 2; k < n; ++k) {
          const T* d = in[k];
          for (int64_t i = lo; i < hi; ++i) od[i] = cpu::WrapAdd(od[i], d[i]);
        }
      }
    });
  }
};

// ---- BroadcastGradientArgs -------------------------------------------------------------------

template <typename T>
class BroadcastGradientArgsOp : public OpKernel {
 public:
  explicit BroadcastGradientArgsOp(OpKernelConstruction* c) : OpKernel(c) {}

  void Compute(OpKernelContext* ctx) override {
    std::vector<int64_t> s[2];
    for (int i = 0; i < 2; ++i) {
      const Tensor& t = ctx->input(i);
      OP_REQUIRES(ctx, t.dims() == 1,
                  errors::InvalidArgument("s", i, " must be a vector, got shape ",
                                          t.shape().DebugString()));
      s[i].assign(t.data<T>(), t.data<T>() + t.NumElements());
    }
    const int rank = static_cast<int>(std::max(s[0].size(), s[1].size()));
    std::vector<T> r[2];
    for (int i = 0; i < rank; ++i) {
      int64_t d[2];
      for (int j = 0; j < 2; ++j) {
        int k = i - (rank - static_cast<int>(s[j].size()));
        d[j] = k < 0 ? 1 : s[j][k];
      }
      OP_REQUIRES(ctx, d[0] == d[1] || d[0] == 1 || d[1] == 1,
                  errors::InvalidArgument("Incompatible shapes: [", absl::StrJoin(s[0], ","),
                                          "] vs. [", absl::StrJoin(s[1], ","), "]"));
      for (int j = 0; j < 2; ++j) {
        if (d[j] == 1) r[j].push_back(static_cast<T>(i));
      }
    }
    for (int j = 0; j < 2; ++j) {
      Tensor* out;
      OP_REQUIRES_OK(ctx, ctx->allocate_output(j, TensorShape{static_cast<int64_t>(r[j].size())}, &out));
      std::copy(r[j].begin(), r[j].end(), out->data<T>());
    }
  }
};

// ---- Range -----------------------------------------------------------------------------------

template <typename T>
class RangeOp : public OpKernel {
 public:
  explicit RangeOp(OpKernelConstruction* c) : OpKernel(c) {}

  void Compute(OpKernelContext* ctx) override {
    const char* names[] = {"start", "limit", "delta"};
    T v[3];
    for (int i = 0; i < 3; ++i) {
      const Tensor& t = ctx->input(i);
      OP_REQUIRES(ctx, t.dims() == 0,
                  errors::InvalidArgument(names[i], " must be a scalar, got shape ",
                                          t.shape().DebugString()));
      v[i] = t.scalar<T>();
    }
    const T start = v[0], limit = v[1], delta = v[2];
    OP_REQUIRES(ctx, delta != 0, errors::InvalidArgument("Requires delta != 0: ", delta));
    OP_REQUIRES(ctx, delta > 0 ? start <= limit : start >= limit,
                errors::InvalidArgument("Requires start ", delta > 0 ? "<=" : ">=",
                                        " limit when delta ", delta > 0 ? "> 0" : "< 0",
                                        ": start ", start, ", limit ", limit));
    int64_t size;
    if constexpr (kIsFloat<T>) {
      double n = std::ceil(std::abs((static_cast<double>(limit) - start) / delta));
      OP_REQUIRES(ctx, n < 9.0e15, errors::InvalidArgument("Range of ", n, " elements is too large"));
      size = static_cast<int64_t>(n);
    } else {
      // In 128 bits nothing overflows, whatever the int64 operands.
      __int128 span = static_cast<__int128>(limit) - start;
      __int128 step = delta;
      if (span < 0) span = -span;
      if (step < 0) step = -step;
      size = static_cast<int64_t>((span + step - 1) / step);
    }
    Tensor* out;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape{size}, &out));
    T* od = out->data<T>();
    for (int64_t i = 0; i < size; ++i) od[i] = static_cast<T>(start + static_cast<T>(i) * delta);
  }
};

// ---- Registrations ---------------------------------------------------------------------------

#define SLUICE_CPU_KERNEL(op, T, ...) \
  REGISTER_KERNEL(KernelDefBuilder(op).Device(kDeviceCpu).TypeConstraint<T>("T"), __VA_ARGS__)

template <typename F>
struct BinaryKernel {
  template <typename T>
  using Of = BinaryOp<T, F>;
};
#define SLUICE_NUMERIC_BINARY(op, F) REGISTER_KERNEL_FAMILY(NumberTypes, op, BinaryKernel<F>::template Of)

SLUICE_NUMERIC_BINARY("Add", AddFn);
SLUICE_NUMERIC_BINARY("AddV2", AddFn);
SLUICE_NUMERIC_BINARY("Sub", SubFn);
SLUICE_NUMERIC_BINARY("Mul", MulFn);
SLUICE_NUMERIC_BINARY("Div", DivFn);
SLUICE_NUMERIC_BINARY("RealDiv", DivFn);
SLUICE_NUMERIC_BINARY("Maximum", MaximumFn);
SLUICE_NUMERIC_BINARY("Minimum", MinimumFn);
SLUICE_NUMERIC_BINARY("SquaredDifference", SquaredDifferenceFn);

#define SLUICE_COMPARISON(op, F)     \
  SLUICE_NUMERIC_BINARY(op, F); \
  SLUICE_CPU_KERNEL(op, uint8_t, BinaryOp<uint8_t, F>)

SLUICE_COMPARISON("Equal", EqualFn);
SLUICE_CPU_KERNEL("Equal", bool, BinaryOp<bool, EqualFn>);
SLUICE_COMPARISON("NotEqual", NotEqualFn);
SLUICE_CPU_KERNEL("NotEqual", bool, BinaryOp<bool, NotEqualFn>);
SLUICE_COMPARISON("Less", LessFn);
SLUICE_COMPARISON("LessEqual", LessEqualFn);
SLUICE_COMPARISON("Greater", GreaterFn);
SLUICE_COMPARISON("GreaterEqual", GreaterEqualFn);

REGISTER_KERNEL(KernelDefBuilder("LogicalAnd").Device(kDeviceCpu), BinaryOp<bool, LogicalAndFn>);
REGISTER_KERNEL(KernelDefBuilder("LogicalOr").Device(kDeviceCpu), BinaryOp<bool, LogicalOrFn>);
REGISTER_KERNEL(KernelDefBuilder("LogicalNot").Device(kDeviceCpu), UnaryOp<bool, LogicalNotFn>);

#define SLUICE_FLOAT_UNARY(op, F, cost)                          \
  SLUICE_CPU_KERNEL(op, float, UnaryOp<float, F, cost>); \
  SLUICE_CPU_KERNEL(op, double, UnaryOp<double, F, cost>)
#define SLUICE_NUMERIC_UNARY(op, F)                                     \
  SLUICE_FLOAT_UNARY(op, F, kCheap);                                    \
  SLUICE_CPU_KERNEL(op, int32_t, UnaryOp<int32_t, F>); \
  SLUICE_CPU_KERNEL(op, int64_t, UnaryOp<int64_t, F>)

SLUICE_NUMERIC_UNARY("Neg", NegFn);
SLUICE_NUMERIC_UNARY("Abs", AbsFn);
SLUICE_NUMERIC_UNARY("Sign", SignFn);
SLUICE_NUMERIC_UNARY("Square", SquareFn);
SLUICE_FLOAT_UNARY("Sqrt", SqrtFn, kCheap);
SLUICE_FLOAT_UNARY("Rsqrt", RsqrtFn, kCheap);
SLUICE_FLOAT_UNARY("Reciprocal", ReciprocalFn, kCheap);
SLUICE_FLOAT_UNARY("Exp", ExpFn, kTranscendental);
SLUICE_FLOAT_UNARY("Log", LogFn, kTranscendental);
SLUICE_FLOAT_UNARY("Tanh", TanhFn, kTranscendental);
SLUICE_FLOAT_UNARY("Sigmoid", SigmoidFn, kTranscendental);

#define SLUICE_UNARY_GRAD(op, F)                              \
  SLUICE_CPU_KERNEL(op, float, UnaryGradOp<float, F>); \
  SLUICE_CPU_KERNEL(op, double, UnaryGradOp<double, F>)

SLUICE_UNARY_GRAD("SigmoidGrad", SigmoidGradFn);
SLUICE_UNARY_GRAD("TanhGrad", TanhGradFn);
SLUICE_UNARY_GRAD("SqrtGrad", SqrtGradFn);
SLUICE_UNARY_GRAD("RsqrtGrad", RsqrtGradFn);
SLUICE_UNARY_GRAD("ReciprocalGrad", ReciprocalGradFn);

REGISTER_KERNEL(KernelDefBuilder("Cast")
                    .Device(kDeviceCpu)
                    .TypeConstraint("SrcT", kCastTypes)
                    .TypeConstraint("DstT", kCastTypes),
                CastOp);

#define SLUICE_SELECT(T)                          \
  SLUICE_CPU_KERNEL("Select", T, SelectOp<T>); \
  SLUICE_CPU_KERNEL("SelectV2", T, SelectV2Op<T>)
SLUICE_SELECT(float);
SLUICE_SELECT(double);
SLUICE_SELECT(int32_t);
SLUICE_SELECT(int64_t);
SLUICE_SELECT(uint8_t);
SLUICE_SELECT(bool);

SLUICE_CPU_KERNEL("AddN", float, AddNOp<float>);
SLUICE_CPU_KERNEL("AddN", double, AddNOp<double>);
SLUICE_CPU_KERNEL("AddN", int32_t, AddNOp<int32_t>);
SLUICE_CPU_KERNEL("AddN", int64_t, AddNOp<int64_t>);

SLUICE_CPU_KERNEL("BroadcastGradientArgs", int32_t, BroadcastGradientArgsOp<int32_t>);
SLUICE_CPU_KERNEL("BroadcastGradientArgs", int64_t, BroadcastGradientArgsOp<int64_t>);

#define SLUICE_RANGE(T)                                                                     \
  REGISTER_KERNEL(KernelDefBuilder("Range").Device(kDeviceCpu).TypeConstraint<T>("Tidx"), \
                  RangeOp<T>)
SLUICE_RANGE(float);
SLUICE_RANGE(double);
SLUICE_RANGE(int32_t);
SLUICE_RANGE(int64_t);

// ---- Log1p, IsNan, IsInf, IsFinite, DivNoNan -------------------------------------------------

struct Log1pFn {
  template <typename T> T operator()(T x) const { return std::log1p(x); }
};
struct CosFn {
  template <typename T> T operator()(T x) const { return std::cos(x); }
};
struct SinFn {
  template <typename T> T operator()(T x) const { return std::sin(x); }
};
struct IsNanFn {
  template <typename T> bool operator()(T x) const { return std::isnan(x); }
};
struct IsInfFn {
  template <typename T> bool operator()(T x) const { return std::isinf(x); }
};
struct IsFiniteFn {
  template <typename T> bool operator()(T x) const { return std::isfinite(x); }
};
struct DivNoNanFn {
  template <typename T> T operator()(T a, T b) const { return b == T(0) ? T(0) : a / b; }
};

// y = f(x) with y of another dtype than x (the float classification ops: bool).
template <typename T, typename F>
class UnaryToOp : public OpKernel {
 public:
  using Out = decltype(F()(T()));
  explicit UnaryToOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    Tensor* y;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, x.shape(), &y));
    const T* xd = x.data<T>();
    Out* yd = y->data<Out>();
    ParallelFor(x.NumElements(), x.NumElements() * kCheap, [&](int64_t b, int64_t e) {
      F f;
      for (int64_t i = b; i < e; ++i) yd[i] = f(xd[i]);
    });
  }
};

SLUICE_FLOAT_UNARY("Log1p", Log1pFn, kTranscendental);
SLUICE_FLOAT_UNARY("Cos", CosFn, kTranscendental);
SLUICE_FLOAT_UNARY("Sin", SinFn, kTranscendental);
#define SLUICE_FLOAT_CLASS(op, F)                            \
  SLUICE_CPU_KERNEL(op, float, UnaryToOp<float, F>);  \
  SLUICE_CPU_KERNEL(op, double, UnaryToOp<double, F>)
SLUICE_FLOAT_CLASS("IsNan", IsNanFn);
SLUICE_FLOAT_CLASS("IsInf", IsInfFn);
SLUICE_FLOAT_CLASS("IsFinite", IsFiniteFn);
#undef SLUICE_FLOAT_CLASS
SLUICE_CPU_KERNEL("DivNoNan", float, BinaryOp<float, DivNoNanFn>);
SLUICE_CPU_KERNEL("DivNoNan", double, BinaryOp<double, DivNoNanFn>);

// ---- Floor, Ceil, Round, FloorDiv, FloorMod, Mod, Pow, ClipByValue ---------------------------

struct FloorFn {
  template <typename T> T operator()(T x) const { return std::floor(x); }
};
struct CeilFn {
  template <typename T> T operator()(T x) const { return std::ceil(x); }
};
// Half to even, as TensorFlow's (and NumPy's) round.
struct RoundFn {
  template <typename T> T operator()(T x) const {
    if constexpr (kIsFloat<T>) return std::nearbyint(x);
    else return x;
  }
};
// Integer forms: b == -1 is a negation (or 0 remainder), which cannot trap on the most
// negative value; the caller rules out b == 0.
struct FloorDivFn {
  template <typename T> T operator()(T a, T b) const {
    if constexpr (kIsFloat<T>) {
      return std::floor(a / b);
    } else {
      if (b == -1) return cpu::WrapNeg(a);
      const T q = a / b;
      return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
    }
  }
};
struct FloorModFn {
  template <typename T> T operator()(T a, T b) const {
    if constexpr (kIsFloat<T>) {
      const T r = std::fmod(a, b);
      return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
    } else {
      if (b == -1) return 0;
      const T r = a % b;
      return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
    }
  }
};
struct ModFn {
  template <typename T> T operator()(T a, T b) const {
    if constexpr (kIsFloat<T>) return std::fmod(a, b);
    else return b == -1 ? T(0) : a % b;
  }
};
// Integer powers by squaring, wrapping around on overflow; the caller rules out y < 0.
struct PowFn {
  template <typename T> T operator()(T x, T y) const {
    if constexpr (kIsFloat<T>) {
      return std::pow(x, y);
    } else {
      T result = 1, base = x;
      for (auto e = static_cast<std::make_unsigned_t<T>>(y); e != 0; e >>= 1) {
        if (e & 1) result = cpu::WrapMul(result, base);
        base = cpu::WrapMul(base, base);
      }
      return result;
    }
  }
};

// FloorDiv, FloorMod and Mod of integers: a zero divisor fails the step, as in TensorFlow.
template <typename T, typename F>
class IntegerDivisionOp : public BinaryOp<T, F> {
 public:
  using BinaryOp<T, F>::BinaryOp;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& y = ctx->input(1);
    const T* yd = y.data<T>();
    bool zero = false;
    for (int64_t i = 0; i < y.NumElements(); ++i) zero |= yd[i] == 0;
    OP_REQUIRES(ctx, !zero, errors::InvalidArgument("Integer division by zero"));
    BinaryOp<T, F>::Compute(ctx);
  }
};

template <typename T>
class IntegerPowOp : public BinaryOp<T, PowFn> {
 public:
  using BinaryOp<T, PowFn>::BinaryOp;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& y = ctx->input(1);
    const T* yd = y.data<T>();
    bool negative = false;
    for (int64_t i = 0; i < y.NumElements(); ++i) negative |= yd[i] < 0;
    OP_REQUIRES(ctx, !negative,
                errors::InvalidArgument("Integers to negative integer powers are not allowed"));
    BinaryOp<T, PowFn>::Compute(ctx);
  }
};

template <typename T>
class ClipByValueOp : public OpKernel {
 public:
  explicit ClipByValueOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& t = ctx->input(0);
    const Tensor& lo = ctx->input(1);
    const Tensor& hi = ctx->input(2);
    for (const Tensor* b : {&lo, &hi}) {
      OP_REQUIRES(ctx, b->dims() == 0 || b->shape() == t.shape(),
                  errors::InvalidArgument(
                      "clip_value_min and clip_value_max must be either scalars or have the same "
                      "shape as the input; input has shape ", t.shape().DebugString(), ", got ",
                      lo.shape().DebugString(), " and ", hi.shape().DebugString()));
    }
    Tensor* out;
    OP_REQUIRES_OK(ctx, ForwardOrAllocate(ctx, t.shape(), {0}, &out));
    const T* td = t.data<T>();
    const T* ld = lo.data<T>();
    const T* hd = hi.data<T>();
    const int64_t sl = lo.dims() == 0 ? 0 : 1, sh = hi.dims() == 0 ? 0 : 1;
    T* od = out->data<T>();
    ParallelFor(t.NumElements(), t.NumElements() * kCheap, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const T upper = hd[i * sh], lower = ld[i * sl];
        const T v = td[i] < upper ? td[i] : upper;
        od[i] = v > lower ? v : lower;
      }
    });
  }
};

SLUICE_FLOAT_UNARY("Floor", FloorFn, kCheap);
SLUICE_FLOAT_UNARY("Ceil", CeilFn, kCheap);
SLUICE_NUMERIC_UNARY("Round", RoundFn);
#define SLUICE_DIVISION(op, F)                                  \
  SLUICE_CPU_KERNEL(op, float, BinaryOp<float, F>);             \
  SLUICE_CPU_KERNEL(op, double, BinaryOp<double, F>);           \
  SLUICE_CPU_KERNEL(op, int32_t, IntegerDivisionOp<int32_t, F>); \
  SLUICE_CPU_KERNEL(op, int64_t, IntegerDivisionOp<int64_t, F>)
SLUICE_DIVISION("FloorDiv", FloorDivFn);
SLUICE_DIVISION("FloorMod", FloorModFn);
SLUICE_DIVISION("Mod", ModFn);
#undef SLUICE_DIVISION
SLUICE_CPU_KERNEL("Pow", float, BinaryOp<float, PowFn>);
SLUICE_CPU_KERNEL("Pow", double, BinaryOp<double, PowFn>);
SLUICE_CPU_KERNEL("Pow", int32_t, IntegerPowOp<int32_t>);
SLUICE_CPU_KERNEL("Pow", int64_t, IntegerPowOp<int64_t>);
REGISTER_KERNEL_FAMILY(NumberTypes, "ClipByValue", ClipByValueOp);

// ---- Cumsum, Cumprod -------------------------------------------------------------------------

// Running sums (products) along one axis; exclusive leaves each element out of its own value,
// reverse runs from the end.
template <typename T, bool kProd>
class CumulativeOp : public OpKernel {
 public:
  explicit CumulativeOp(OpKernelConstruction* c) : OpKernel(c) {
    c->SetStatus(c->GetAttr("exclusive", &exclusive_));
    c->SetStatus(c->GetAttr("reverse", &reverse_));
  }
  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    const Tensor& axis_t = ctx->input(1);
    OP_REQUIRES(ctx, axis_t.dims() == 0,
                errors::InvalidArgument("axis must be a scalar, got shape ", axis_t.shape().DebugString()));
    const int rank = x.dims();
    int64_t axis = Int64Values(axis_t)[0];
    OP_REQUIRES(ctx, rank > 0 && axis >= -rank && axis < rank,
                errors::InvalidArgument("axis ", axis, " is out of range for x of shape ", x.shape().DebugString()));
    if (axis < 0) axis += rank;
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= x.dim_size(d);
    for (int d = axis + 1; d < rank; ++d) inner *= x.dim_size(d);
    const int64_t n = x.dim_size(axis);
    Tensor* out;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, x.shape(), &out));
    const T* xd = x.data<T>();
    T* od = out->data<T>();
    ParallelFor(outer * inner, x.NumElements() * kCheap, [&](int64_t b, int64_t e) {
      for (int64_t line = b; line < e; ++line) {
        const int64_t base = (line / inner) * n * inner + line % inner;
        T acc = kProd ? T(1) : T(0);
        for (int64_t j = 0; j < n; ++j) {
          const int64_t k = base + (reverse_ ? n - 1 - j : j) * inner;
          if (exclusive_) od[k] = acc;
          acc = kProd ? cpu::WrapMul(acc, xd[k]) : cpu::WrapAdd(acc, xd[k]);
          if (!exclusive_) od[k] = acc;
        }
      }
    });
  }

 private:
  bool exclusive_ = false;
  bool reverse_ = false;
};

template <typename T>
using CumsumOp = CumulativeOp<T, false>;
template <typename T>
using CumprodOp = CumulativeOp<T, true>;
REGISTER_KERNEL_FAMILY(NumberTypes, "Cumsum", CumsumOp);
REGISTER_KERNEL_FAMILY(NumberTypes, "Cumprod", CumprodOp);

}  // namespace
}  // namespace sluice
