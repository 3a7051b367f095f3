// CPU kernels of the array ops. Ops that only change a tensor's shape (Identity, Reshape,
// ExpandDims, Squeeze) share the input's buffer; data movement (Transpose, BroadcastTo, Tile,
// Slice, Pad, ConcatV2, Pack, Unpack) is type-agnostic: it moves elements by size (strings by value).
#include <algorithm>
#include <limits>
#include <numeric>

#include "absl/strings/str_join.h"
#include "core/kernel.h"
#include "core/strided_slice.h"
#include "kernels/cpu/element_dispatch.h"
#include "kernels/cpu/parallel_for.h"

namespace sluice {
namespace {

// Moving an element costs about a quarter of an elementwise op (ParallelFor's unit of work):
// copies go parallel only when they are large enough for memory bandwidth to matter.
int64_t CopyWork(int64_t elements) { return elements / 4; }

using cpu::DispatchByElementSize;

Status UnsupportedDtype(DataType dt) {
  return errors::Unimplemented("dtype ", DataTypeString(dt), " is not supported");
}

std::string IntList(const std::vector<int64_t>& v) { return absl::StrCat("[", absl::StrJoin(v, ","), "]"); }

// Row-major strides of `shape`, in elements.
std::vector<int64_t> Strides(const TensorShape& shape) {
  std::vector<int64_t> s(shape.rank());
  int64_t stride = 1;
  for (int i = shape.rank() - 1; i >= 0; --i) {
    s[i] = stride;
    stride *= shape.dim(i);
  }
  return s;
}

// Output element at multi-index (i_0, ..., i_{r-1}) of shape `dims` reads input element
// in[sum_k i_k * in_strides[k]]. Covers transposes (permuted strides), broadcasts (stride 0)
// and slices (an offset `in`). Merges dims that are contiguous in both.
template <typename T>
void StridedGather(const T* in, T* out, std::vector<int64_t> dims, std::vector<int64_t> in_strides) {
  int64_t total = 1;
  for (int64_t d : dims) total *= d;
  if (total == 0) return;
  // Drop size-1 dims and merge each dim into the previous one where the input is contiguous
  // across the two.
  std::vector<int64_t> d2, s2;
  for (size_t k = 0; k < dims.size(); ++k) {
    if (dims[k] == 1) continue;
    if (!d2.empty() && s2.back() == in_strides[k] * dims[k]) {
      d2.back() *= dims[k];
      s2.back() = in_strides[k];
    } else {
      d2.push_back(dims[k]);
      s2.push_back(in_strides[k]);
    }
  }
  if (d2.empty()) {
    out[0] = in[0];
    return;
  }
  const int rank = static_cast<int>(d2.size());
  const int64_t inner = d2.back(), inner_stride = s2.back();
  const int64_t rows = total / inner;
  cpu::ParallelFor(rows, CopyWork(total), [&](int64_t r0, int64_t r1) {
    // The input offset of row r0, then advanced like an odometer.
    std::vector<int64_t> index(rank - 1);
    int64_t offset = 0, rem = r0;
    for (int k = rank - 2; k >= 0; --k) {
      index[k] = rem % d2[k];
      offset += index[k] * s2[k];
      rem /= d2[k];
    }
    for (int64_t row = r0; row < r1; ++row) {
      const T* src = in + offset;
      T* dst = out + row * inner;
      if (inner_stride == 1) {
        std::copy(src, src + inner, dst);
      } else if (inner_stride == 0) {
        std::fill(dst, dst + inner, src[0]);
      } else {
        for (int64_t i = 0; i < inner; ++i) dst[i] = src[i * inner_stride];
      }
      for (int k = rank - 2; k >= 0; --k) {
        offset += s2[k];
        if (++index[k] < d2[k]) break;
        offset -= s2[k] * d2[k];
        index[k] = 0;
      }
    }
  });
}

// Gathers from `in` into a new output 0 of `out_shape` (see StridedGather).
void GatherToOutput(OpKernelContext* ctx, const Tensor& in, const TensorShape& out_shape,
                    const std::vector<int64_t>& in_strides, int64_t in_offset = 0) {
  Tensor* out = nullptr;
  OP_REQUIRES_OK(ctx, ctx->allocate_output(0, out_shape, &out));
  std::vector<int64_t> dims(out_shape.dims().begin(), out_shape.dims().end());
  bool ok = DispatchByElementSize(in.dtype(), [&]<typename T>() {
    StridedGather(in.data<T>() + in_offset, out->data<T>(), dims, in_strides);
  });
  OP_REQUIRES(ctx, ok, UnsupportedDtype(in.dtype()));
}

// ---- Placeholders, constants, identity -------------------------------------------------------

class PlaceholderOp : public OpKernel {
 public:
  explicit PlaceholderOp(OpKernelConstruction* c) : OpKernel(c) {
    c->SetStatus(c->GetAttr("shape", &shape_));
  }
  void Compute(OpKernelContext* ctx) override {
    std::string msg = absl::StrCat("You must feed a value for placeholder tensor '", name(),
                                   "' with dtype ", DataTypeString(ctx->expected_output_dtype(0)));
    if (shape_.rank() > 0) absl::StrAppend(&msg, " and shape ", shape_.DebugString());
    ctx->SetStatus(errors::InvalidArgument(msg));
  }

 private:
  TensorShape shape_;
};

class PlaceholderWithDefaultOp : public OpKernel {
 public:
  explicit PlaceholderWithDefaultOp(OpKernelConstruction* c) : OpKernel(c) {
    c->SetStatus(c->GetAttr("shape", &shape_));
  }
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    OP_REQUIRES(ctx, shape_.IsCompatibleWith(in.shape()),
                errors::InvalidArgument("default value of shape ", in.shape().DebugString(),
                                        " does not match the placeholder's shape ",
                                        shape_.DebugString()));
    ctx->set_output(0, in);
  }

 private:
  TensorShape shape_;
};

// The value was parsed once when the graph was built; every run shares its buffer.
class ConstOp : public OpKernel {
 public:
  explicit ConstOp(OpKernelConstruction* c) : OpKernel(c) {
    if (c->node().const_value() == nullptr) {
      c->SetStatus(errors::InvalidArgument("Const node has no value"));
      return;
    }
    value_ = *c->node().const_value();
  }
  void Compute(OpKernelContext* ctx) override { ctx->set_output(0, value_); }

 private:
  Tensor value_;
};

// Identity, StopGradient: the input itself (refs arrive dereferenced by the executor).
class IdentityOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override { ctx->set_output(0, ctx->input(0)); }
};

class NoOpOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {}
};

// ---- ZerosLike, OnesLike, Fill ---------------------------------------------------------------

template <int kValue>
class FillLikeOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, in.shape(), &out));
    bool supported = true;
    bool known = DispatchType(in.dtype(), [&]<typename T>() {
      if constexpr (std::is_same_v<T, std::string>) {
        supported = kValue == 0;  // new string tensors are already empty
      } else {
        std::fill_n(out->data<T>(), out->NumElements(), static_cast<T>(kValue));
      }
    });
    OP_REQUIRES(ctx, known && supported, UnsupportedDtype(in.dtype()));
  }
};

StatusOr<TensorShape> ShapeFromVector(const Tensor& t, absl::string_view what) {
  if (t.dims() != 1) {
    return errors::InvalidArgument(what, " must be a vector, got shape ", t.shape().DebugString());
  }
  std::vector<int64_t> dims = Int64Values(t);
  for (int64_t d : dims) {
    if (d < 0) return errors::InvalidArgument(what, " ", IntList(dims), " has a negative entry");
  }
  auto shape = TensorShape::FromDims(dims);
  if (!shape.ok()) return errors::Annotate(shape.status(), absl::StrCat(what, ": "));
  return shape;
}

class FillOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& value = ctx->input(1);
    OP_REQUIRES(ctx, value.dims() == 0,
                errors::InvalidArgument("value must be a scalar, got shape ",
                                        value.shape().DebugString()));
    auto shape = ShapeFromVector(ctx->input(0), "dims");
    OP_REQUIRES_OK(ctx, shape.status());
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, *shape, &out));
    bool ok = DispatchByElementSize(value.dtype(), [&]<typename T>() {
      std::fill_n(out->data<T>(), out->NumElements(), value.scalar<T>());
    });
    OP_REQUIRES(ctx, ok, UnsupportedDtype(value.dtype()));
  }
};

// ---- Shape, Size, Rank -----------------------------------------------------------------------

template <typename T>
void IntOutput(OpKernelContext* ctx, const std::vector<int64_t>& values, bool scalar) {
  Tensor* out = nullptr;
  TensorShape shape = scalar ? TensorShape{} : TensorShape{static_cast<int64_t>(values.size())};
  OP_REQUIRES_OK(ctx, ctx->allocate_output(0, shape, &out));
  for (size_t i = 0; i < values.size(); ++i) out->data<T>()[i] = static_cast<T>(values[i]);
}

void SetIntOutput(OpKernelContext* ctx, const std::vector<int64_t>& values, bool scalar) {
  if (ctx->expected_output_dtype(0) == DT_INT32) {
    for (int64_t v : values) {
      OP_REQUIRES(ctx, v <= std::numeric_limits<int32_t>::max(),
                  errors::InvalidArgument("value ", v, " does not fit out_type int32"));
    }
    IntOutput<int32_t>(ctx, values, scalar);
  } else {
    IntOutput<int64_t>(ctx, values, scalar);
  }
}

class ShapeOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    auto dims = ctx->input(0).shape().dims();
    SetIntOutput(ctx, std::vector<int64_t>(dims.begin(), dims.end()), /*scalar=*/false);
  }
};

class SizeOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    SetIntOutput(ctx, {ctx->input(0).NumElements()}, /*scalar=*/true);
  }
};

class RankOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    SetIntOutput(ctx, {ctx->input(0).dims()}, /*scalar=*/true);
  }
};

// ---- Reshape, ExpandDims, Squeeze: new shapes over the same buffer ---------------------------

void SetReshapedOutput(OpKernelContext* ctx, const Tensor& in, const TensorShape& shape) {
  Tensor out;
  OP_REQUIRES(ctx, in.Reshaped(shape, &out),
              errors::Internal("reshape of ", in.shape().DebugString(), " to ", shape.DebugString()));
  ctx->set_output(0, std::move(out));
}

class ReshapeOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    const Tensor& sizes = ctx->input(1);
    OP_REQUIRES(ctx, sizes.dims() == 1,
                errors::InvalidArgument("shape must be a vector, got shape ",
                                        sizes.shape().DebugString()));
    std::vector<int64_t> dims = Int64Values(sizes);
    int unknown = -1;
    int64_t product = 1;
    for (int i = 0; i < static_cast<int>(dims.size()); ++i) {
      if (dims[i] == -1) {
        OP_REQUIRES(ctx, unknown < 0,
                    errors::InvalidArgument("only one dimension of the target shape ",
                                            IntList(dims), " may be -1"));
        unknown = i;
      } else {
        OP_REQUIRES(ctx, dims[i] >= 0,
                    errors::InvalidArgument("target shape ", IntList(dims),
                                            " has a negative dimension"));
        product = MultiplyWithoutOverflow(product, dims[i]);
        OP_REQUIRES(ctx, product >= 0,
                    errors::InvalidArgument("target shape ", IntList(dims), " has more than 2^63-1 elements"));
      }
    }
    const int64_t n = in.NumElements();
    if (unknown >= 0) {
      OP_REQUIRES(ctx, product > 0 ? n % product == 0 : n == 0,
                  errors::InvalidArgument("Cannot reshape a tensor of shape ",
                                          in.shape().DebugString(), " (", n,
                                          " elements) to shape ", IntList(dims),
                                          ": the known dimensions multiply to ", product,
                                          ", which does not divide ", n));
      dims[unknown] = product > 0 ? n / product : 0;
    } else {
      OP_REQUIRES(ctx, product == n,
                  errors::InvalidArgument("Cannot reshape a tensor of shape ",
                                          in.shape().DebugString(), " (", n,
                                          " elements) to shape ", IntList(dims), " (", product,
                                          " elements)"));
    }
    SetReshapedOutput(ctx, in, TensorShape(absl::MakeConstSpan(dims)));
  }
};

class ExpandDimsOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    OP_REQUIRES(ctx, ctx->input(1).NumElements() == 1,
                errors::InvalidArgument("axis must hold one value, got shape ",
                                        ctx->input(1).shape().DebugString()));
    int64_t axis = Int64Values(ctx->input(1))[0];
    const int rank = in.dims();
    OP_REQUIRES(ctx, axis >= -rank - 1 && axis <= rank,
                errors::InvalidArgument("axis ", axis, " is out of range for shape ",
                                        in.shape().DebugString(), " (expected [", -rank - 1,
                                        ", ", rank, "])"));
    if (axis < 0) axis += rank + 1;
    TensorShape shape;
    for (int i = 0; i <= rank; ++i) {
      if (i == axis) shape.AddDim(1);
      if (i < rank) shape.AddDim(in.dim_size(i));
    }
    SetReshapedOutput(ctx, in, shape);
  }
};

class SqueezeOp : public OpKernel {
 public:
  explicit SqueezeOp(OpKernelConstruction* c) : OpKernel(c) {
    c->SetStatus(c->GetAttr("squeeze_dims", &dims_));
  }
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    const int rank = in.dims();
    std::vector<bool> drop(rank, dims_.empty());
    for (int64_t d : dims_) {
      OP_REQUIRES(ctx, d >= -rank && d < rank,
                  errors::InvalidArgument("squeeze dim ", d, " is out of range for shape ",
                                          in.shape().DebugString()));
      int64_t a = d < 0 ? d + rank : d;
      OP_REQUIRES(ctx, in.dim_size(a) == 1,
                  errors::InvalidArgument("cannot squeeze dim ", d, " of shape ",
                                          in.shape().DebugString(), ": its size is not 1"));
      drop[a] = true;
    }
    TensorShape shape;
    for (int i = 0; i < rank; ++i) {
      if (!(drop[i] && in.dim_size(i) == 1)) shape.AddDim(in.dim_size(i));
    }
    SetReshapedOutput(ctx, in, shape);
  }

 private:
  std::vector<int64_t> dims_;
};

// ---- Transpose, InvertPermutation ------------------------------------------------------------

// Checks that `perm` permutes [0, rank).
Status CheckPermutation(const std::vector<int64_t>& perm, int rank, const TensorShape& shape) {
  if (static_cast<int>(perm.size()) != rank) {
    return errors::InvalidArgument("perm ", IntList(perm), " has ", perm.size(),
                                   " entries but the input has shape ", shape.DebugString());
  }
  std::vector<bool> seen(rank, false);
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p]) {
      return errors::InvalidArgument(IntList(perm), " is not a valid permutation of [0, ", rank, ")");
    }
    seen[p] = true;
  }
  return absl::OkStatus();
}

class TransposeOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    OP_REQUIRES(ctx, ctx->input(1).dims() == 1,
                errors::InvalidArgument("perm must be a vector, got shape ",
                                        ctx->input(1).shape().DebugString()));
    std::vector<int64_t> perm = Int64Values(ctx->input(1));
    OP_REQUIRES_OK(ctx, CheckPermutation(perm, in.dims(), in.shape()));
    bool identity = true;
    for (size_t i = 0; i < perm.size(); ++i) identity &= perm[i] == static_cast<int64_t>(i);
    if (identity) {
      ctx->set_output(0, in);
      return;
    }
    std::vector<int64_t> in_strides = Strides(in.shape()), strides(perm.size());
    TensorShape out_shape;
    for (size_t i = 0; i < perm.size(); ++i) {
      out_shape.AddDim(in.dim_size(perm[i]));
      strides[i] = in_strides[perm[i]];
    }
    GatherToOutput(ctx, in, out_shape, strides);
  }
};

class InvertPermutationOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    OP_REQUIRES(ctx, in.dims() == 1,
                errors::InvalidArgument("permutation must be a vector, got shape ",
                                        in.shape().DebugString()));
    std::vector<int64_t> perm = Int64Values(in);
    OP_REQUIRES_OK(ctx, CheckPermutation(perm, static_cast<int>(perm.size()), in.shape()));
    std::vector<int64_t> inverse(perm.size());
    for (size_t i = 0; i < perm.size(); ++i) inverse[perm[i]] = static_cast<int64_t>(i);
    SetIntOutput(ctx, inverse, /*scalar=*/false);
  }
};

// ---- BroadcastTo, Tile -----------------------------------------------------------------------

class BroadcastToOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    auto target = ShapeFromVector(ctx->input(1), "shape");
    OP_REQUIRES_OK(ctx, target.status());
    const int rank = target->rank(), lead = rank - in.dims();
    bool ok = lead >= 0;
    std::vector<int64_t> in_strides = Strides(in.shape()), strides(rank, 0);
    for (int i = 0; ok && i < in.dims(); ++i) {
      int64_t d = in.dim_size(i);
      ok = d == target->dim(lead + i) || d == 1;
      strides[lead + i] = d == 1 ? 0 : in_strides[i];
    }
    OP_REQUIRES(ctx, ok,
                errors::InvalidArgument("cannot broadcast shape ", in.shape().DebugString(),
                                        " to shape ", target->DebugString()));
    if (in.shape() == *target) {
      ctx->set_output(0, in);
      return;
    }
    GatherToOutput(ctx, in, *target, strides);
  }
};

// Tile gathers into [m0, d0, m1, d1, ...] with stride 0 along each multiple.
class TileOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    const Tensor& multiples = ctx->input(1);
    OP_REQUIRES(ctx, multiples.dims() == 1 && multiples.NumElements() == in.dims(),
                errors::InvalidArgument("multiples of shape ", multiples.shape().DebugString(),
                                        " must be a vector of ", in.dims(),
                                        " entries for input of shape ", in.shape().DebugString()));
    std::vector<int64_t> mult = Int64Values(multiples);
    std::vector<int64_t> in_strides = Strides(in.shape()), dims, strides;
    TensorShape out_shape;
    for (int i = 0; i < in.dims(); ++i) {
      OP_REQUIRES(ctx, mult[i] >= 0,
                  errors::InvalidArgument("multiples ", IntList(mult), " has a negative entry"));
      const int64_t d = MultiplyWithoutOverflow(in.dim_size(i), mult[i]);
      OP_REQUIRES(ctx, d >= 0, errors::InvalidArgument("Tile of shape ", in.shape().DebugString(), " by multiples ",
                                                       IntList(mult), " overflows dimension ", i));
      out_shape.AddDim(d);
      dims.insert(dims.end(), {mult[i], in.dim_size(i)});
      strides.insert(strides.end(), {0, in_strides[i]});
    }
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, out_shape, &out));
    bool ok = DispatchByElementSize(in.dtype(), [&]<typename T>() {
      StridedGather(in.data<T>(), out->data<T>(), dims, strides);
    });
    OP_REQUIRES(ctx, ok, UnsupportedDtype(in.dtype()));
  }
};

// ---- Slice -----------------------------------------------------------------------------------

class SliceOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    const int rank = in.dims();
    OP_REQUIRES(ctx, ctx->input(1).dims() == 1 && ctx->input(1).NumElements() == rank &&
                         ctx->input(2).dims() == 1 && ctx->input(2).NumElements() == rank,
                errors::InvalidArgument("begin and size must be vectors of ", rank,
                                        " entries for input of shape ", in.shape().DebugString(),
                                        ", got shapes ", ctx->input(1).shape().DebugString(),
                                        " and ", ctx->input(2).shape().DebugString()));
    std::vector<int64_t> begin = Int64Values(ctx->input(1)), size = Int64Values(ctx->input(2));
    TensorShape out_shape;
    int64_t offset = 0;
    std::vector<int64_t> strides = Strides(in.shape());
    for (int i = 0; i < rank; ++i) {
      int64_t s = size[i] == -1 ? in.dim_size(i) - begin[i] : size[i];
      OP_REQUIRES(ctx, begin[i] >= 0 && begin[i] <= in.dim_size(i) && s >= 0 && s <= in.dim_size(i) - begin[i],
                  errors::InvalidArgument("Slice of shape ", in.shape().DebugString(), " with begin ",
                                          IntList(begin), " and size ", IntList(size),
                                          " is out of bounds at dim ", i));
      out_shape.AddDim(s);
      offset += begin[i] * strides[i];
    }
    if (out_shape == in.shape()) {
      ctx->set_output(0, in);
      return;
    }
    if (out_shape.num_elements() == 0) offset = 0;
    GatherToOutput(ctx, in, out_shape, strides, offset);
  }
};

// Pad: zeros, then each innermost row of the input copied to its place in the output.
template <typename T>
void PadRows(const Tensor& in, const std::vector<int64_t>& before, const TensorShape& out_shape,
             T* out, const T& fill = T{}) {
  std::fill_n(out, out_shape.num_elements(), fill);
  const int rank = in.dims();
  if (rank == 0) {
    out[0] = in.data<T>()[0];
    return;
  }
  const int64_t inner = in.dim_size(rank - 1);
  if (in.NumElements() == 0) return;
  const int64_t rows = in.NumElements() / inner;
  const std::vector<int64_t> out_strides = Strides(out_shape);
  const T* src = in.data<T>();
  cpu::ParallelFor(rows, CopyWork(in.NumElements()), [&](int64_t r0, int64_t r1) {
    for (int64_t row = r0; row < r1; ++row) {
      int64_t offset = before[rank - 1], rem = row;
      for (int k = rank - 2; k >= 0; --k) {
        offset += (rem % in.dim_size(k) + before[k]) * out_strides[k];
        rem /= in.dim_size(k);
      }
      std::copy(src + row * inner, src + (row + 1) * inner, out + offset);
    }
  });
}

// Pad (zeros) and PadV2 (kV2: the scalar constant_values).
template <bool kV2>
class PadOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    const Tensor& paddings = ctx->input(1);
    const int rank = in.dims();
    if constexpr (kV2) {
      OP_REQUIRES(ctx, ctx->input(2).dims() == 0,
                  errors::InvalidArgument("constant_values must be a scalar, got shape ",
                                          ctx->input(2).shape().DebugString()));
    }
    OP_REQUIRES(ctx, paddings.dims() == 2 && paddings.dim_size(0) == rank && paddings.dim_size(1) == 2,
                errors::InvalidArgument("paddings must have shape [", rank, ",2] for input of shape ",
                                        in.shape().DebugString(), ", got ",
                                        paddings.shape().DebugString()));
    std::vector<int64_t> pads = Int64Values(paddings), before(rank);
    TensorShape out_shape;
    for (int i = 0; i < rank; ++i) {
      OP_REQUIRES(ctx, pads[2 * i] >= 0 && pads[2 * i + 1] >= 0,
                  errors::InvalidArgument("paddings ", IntList(pads), " has a negative entry"));
      before[i] = pads[2 * i];
      const int64_t d = AddWithoutOverflow(AddWithoutOverflow(in.dim_size(i), pads[2 * i]), pads[2 * i + 1]);
      OP_REQUIRES(ctx, d >= 0, errors::InvalidArgument("paddings ", IntList(pads), " overflow dimension ", i,
                                                       " of shape ", in.shape().DebugString()));
      out_shape.AddDim(d);
    }
    if (out_shape == in.shape()) {
      ctx->set_output(0, in);
      return;
    }
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, out_shape, &out));
    bool ok = DispatchByElementSize(in.dtype(), [&]<typename T>() {
      PadRows(in, before, out_shape, out->data<T>(), kV2 ? ctx->input(2).data<T>()[0] : T{});
    });
    OP_REQUIRES(ctx, ok, UnsupportedDtype(in.dtype()));
  }
};

// ---- ConcatV2, ConcatOffset, Pack, Unpack ----------------------------------------------------

// Copies each input, viewed as [outer, chunk_i], into the output viewed as [outer, sum chunk_i].
void ConcatChunks(OpKernelContext* ctx, const std::vector<const Tensor*>& inputs, int64_t outer,
                  const std::vector<int64_t>& chunks, Tensor* out) {
  int64_t row = std::accumulate(chunks.begin(), chunks.end(), int64_t{0});
  bool ok = DispatchByElementSize(out->dtype(), [&]<typename T>() {
    T* dst = out->data<T>();
    cpu::ParallelFor(outer, CopyWork(outer * row), [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) {
        T* d = dst + o * row;
        for (size_t i = 0; i < inputs.size(); ++i) {
          const T* src = inputs[i]->data<T>() + o * chunks[i];
          d = std::copy(src, src + chunks[i], d);
        }
      }
    });
  });
  OP_REQUIRES(ctx, ok, UnsupportedDtype(out->dtype()));
}

// The shapes of inputs first..first + n - 1.
std::string ShapesOf(OpKernelContext* ctx, int n, int first = 0) {
  std::vector<std::string> shapes;
  for (int i = first; i < first + n; ++i) shapes.push_back(ctx->input(i).shape().DebugString());
  return absl::StrJoin(shapes, ", ");
}

// Concat (kAxisFirst: concat_dim, then the values) and ConcatV2 (the values, then axis).
template <bool kAxisFirst>
class ConcatOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const int n = ctx->num_inputs() - 1;
    const int first_value = kAxisFirst ? 1 : 0;
    const Tensor& axis_t = ctx->input(kAxisFirst ? 0 : n);
    OP_REQUIRES(ctx, axis_t.dims() == 0,
                errors::InvalidArgument("axis must be a scalar, got shape ",
                                        axis_t.shape().DebugString()));
    const Tensor& first = ctx->input(first_value);
    const int rank = first.dims();
    int64_t axis = Int64Values(axis_t)[0];
    OP_REQUIRES(ctx, rank > 0 && axis >= -rank && axis < rank,
                errors::InvalidArgument("concat axis ", axis, " is out of range for inputs of shapes ",
                                        ShapesOf(ctx, n, first_value)));
    if (axis < 0) axis += rank;
    std::vector<const Tensor*> inputs;
    std::vector<int64_t> chunks;
    int64_t outer = 1, axis_total = 0;
    for (int d = 0; d < axis; ++d) outer *= first.dim_size(d);
    for (int i = 0; i < n; ++i) {
      const Tensor& t = ctx->input(first_value + i);
      bool match = t.dims() == rank;
      for (int d = 0; match && d < rank; ++d) match = d == axis || t.dim_size(d) == first.dim_size(d);
      OP_REQUIRES(ctx, match,
                  errors::InvalidArgument("ConcatV2 along axis ", axis,
                                          ": the other dimensions must match, got shapes ",
                                          ShapesOf(ctx, n, first_value)));
      axis_total += t.dim_size(axis);
      inputs.push_back(&t);
      chunks.push_back(outer == 0 ? 0 : t.NumElements() / outer);
    }
    TensorShape out_shape = first.shape();
    out_shape.set_dim(static_cast<int>(axis), axis_total);
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, out_shape, &out));
    if (out->NumElements() > 0) ConcatChunks(ctx, inputs, outer, chunks, out);
  }
};

class ConcatOffsetOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const int n = ctx->num_inputs() - 1;
    OP_REQUIRES(ctx, ctx->input(0).dims() == 0,
                errors::InvalidArgument("concat_dim must be a scalar"));
    const Tensor& first = ctx->input(1);
    const int64_t rank = first.NumElements();
    int64_t axis = ctx->input(0).scalar<int32_t>();
    OP_REQUIRES(ctx, first.dims() == 1 && axis >= -rank && axis < rank,
                errors::InvalidArgument("concat_dim ", axis, " is out of range for shape ",
                                        IntList(Int64Values(first))));
    if (axis < 0) axis += rank;
    int32_t offset = 0;
    for (int i = 0; i < n; ++i) {
      const Tensor& s = ctx->input(1 + i);
      OP_REQUIRES(ctx, s.dims() == 1 && s.NumElements() == rank,
                  errors::InvalidArgument("shape ", i, " has ", s.NumElements(),
                                          " entries, expected ", rank));
      for (int64_t d = 0; d < rank; ++d) {
        OP_REQUIRES(ctx, d == axis || s.data<int32_t>()[d] == first.data<int32_t>()[d],
                    errors::InvalidArgument("shapes ", IntList(Int64Values(first)), " and ",
                                            IntList(Int64Values(s)), " differ outside dim ", axis));
      }
      Tensor* out = nullptr;
      OP_REQUIRES_OK(ctx, ctx->allocate_output(i, TensorShape{rank}, &out));
      std::fill_n(out->data<int32_t>(), rank, 0);
      out->data<int32_t>()[axis] = offset;
      offset += s.data<int32_t>()[axis];
    }
  }
};

class PackOp : public OpKernel {
 public:
  explicit PackOp(OpKernelConstruction* c) : OpKernel(c) { c->SetStatus(c->GetAttr("axis", &axis_)); }
  void Compute(OpKernelContext* ctx) override {
    const int n = ctx->num_inputs();
    const Tensor& first = ctx->input(0);
    const int rank = first.dims();
    OP_REQUIRES(ctx, axis_ >= -rank - 1 && axis_ <= rank,
                errors::InvalidArgument("Pack axis ", axis_, " is out of range for inputs of shape ",
                                        first.shape().DebugString()));
    const int64_t axis = axis_ < 0 ? axis_ + rank + 1 : axis_;
    std::vector<const Tensor*> inputs;
    for (int i = 0; i < n; ++i) {
      OP_REQUIRES(ctx, ctx->input(i).shape() == first.shape(),
                  errors::InvalidArgument("Pack inputs must have the same shape, got ",
                                          ShapesOf(ctx, n)));
      inputs.push_back(&ctx->input(i));
    }
    TensorShape out_shape;
    int64_t outer = 1;
    for (int d = 0; d <= rank; ++d) {
      if (d == axis) out_shape.AddDim(n);
      if (d < rank) out_shape.AddDim(first.dim_size(d));
      if (d < axis) outer *= first.dim_size(d);
    }
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, out_shape, &out));
    if (out->NumElements() == 0) return;
    std::vector<int64_t> chunks(n, first.NumElements() / outer);
    ConcatChunks(ctx, inputs, outer, chunks, out);
  }

 private:
  int64_t axis_ = 0;
};

class UnpackOp : public OpKernel {
 public:
  explicit UnpackOp(OpKernelConstruction* c) : OpKernel(c) { c->SetStatus(c->GetAttr("axis", &axis_)); }
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    const int rank = in.dims();
    OP_REQUIRES(ctx, axis_ >= -rank && axis_ < rank,
                errors::InvalidArgument("Unpack axis ", axis_, " is out of range for shape ",
                                        in.shape().DebugString()));
    const int axis = static_cast<int>(axis_ < 0 ? axis_ + rank : axis_);
    const int num = ctx->num_outputs();
    OP_REQUIRES(ctx, in.dim_size(axis) == num,
                errors::InvalidArgument("cannot unpack ", num, " tensors along axis ", axis_,
                                        " of shape ", in.shape().DebugString()));
    TensorShape out_shape = in.shape();
    out_shape.RemoveDim(axis);
    std::vector<int64_t> strides = Strides(in.shape());
    strides.erase(strides.begin() + axis);
    const int64_t axis_stride = Strides(in.shape())[axis];
    std::vector<int64_t> dims(out_shape.dims().begin(), out_shape.dims().end());
    for (int i = 0; i < num; ++i) {
      Tensor* out = nullptr;
      OP_REQUIRES_OK(ctx, ctx->allocate_output(i, out_shape, &out));
      bool ok = DispatchByElementSize(in.dtype(), [&]<typename T>() {
        StridedGather(in.data<T>() + i * axis_stride, out->data<T>(), dims, strides);
      });
      OP_REQUIRES(ctx, ok, UnsupportedDtype(in.dtype()));
    }
  }

 private:
  int64_t axis_ = 0;
};

// ---- OneHot ----------------------------------------------------------------------------------

// Writes on_value or off_value at each output element of [outer, depth, inner].
template <typename TI, typename T>
void OneHotFill(const TI* indices, int64_t outer, int64_t depth, int64_t inner, T on, T off, T* out) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t d = 0; d < depth; ++d) {
      T* row = out + (o * depth + d) * inner;
      const TI* idx = indices + o * inner;
      for (int64_t i = 0; i < inner; ++i) row[i] = static_cast<int64_t>(idx[i]) == d ? on : off;
    }
  }
}

class OneHotOp : public OpKernel {
 public:
  explicit OneHotOp(OpKernelConstruction* c) : OpKernel(c) { c->SetStatus(c->GetAttr("axis", &axis_)); }
  void Compute(OpKernelContext* ctx) override {
    const Tensor& indices = ctx->input(0);
    const Tensor& depth_t = ctx->input(1);
    const Tensor& on = ctx->input(2);
    const Tensor& off = ctx->input(3);
    OP_REQUIRES(ctx, depth_t.dims() == 0 && on.dims() == 0 && off.dims() == 0,
                errors::InvalidArgument("depth, on_value and off_value must be scalars, got shapes ",
                                        depth_t.shape().DebugString(), ", ", on.shape().DebugString(),
                                        ", ", off.shape().DebugString()));
    const int64_t depth = depth_t.scalar<int32_t>();
    OP_REQUIRES(ctx, depth >= 0, errors::InvalidArgument("OneHot depth must be non-negative, got ", depth));
    const int rank = indices.dims();
    OP_REQUIRES(ctx, axis_ >= -1 && axis_ <= rank,
                errors::InvalidArgument("OneHot axis ", axis_, " is out of range for indices of shape ",
                                        indices.shape().DebugString()));
    const int axis = static_cast<int>(axis_ == -1 ? rank : axis_);
    TensorShape out_shape;
    int64_t outer = 1, inner = 1;
    for (int d = 0; d <= rank; ++d) {
      if (d == axis) out_shape.AddDim(depth);
      if (d < rank) {
        out_shape.AddDim(indices.dim_size(d));
        (d < axis ? outer : inner) *= indices.dim_size(d);
      }
    }
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, out_shape, &out));
    bool ok = DispatchByElementSize(on.dtype(), [&]<typename T>() {
      const T on_v = on.scalar<T>(), off_v = off.scalar<T>();
      T* dst = out->data<T>();
      switch (indices.dtype()) {
        case DT_UINT8: OneHotFill(indices.data<uint8_t>(), outer, depth, inner, on_v, off_v, dst); break;
        case DT_INT32: OneHotFill(indices.data<int32_t>(), outer, depth, inner, on_v, off_v, dst); break;
        default: OneHotFill(indices.data<int64_t>(), outer, depth, inner, on_v, off_v, dst); break;
      }
    });
    OP_REQUIRES(ctx, ok, UnsupportedDtype(on.dtype()));
  }

 private:
  int64_t axis_ = -1;
};

// ---- GatherV2, Gather ------------------------------------------------------------------------

// "[i,j]": the multi-index of flat element `flat` of `shape` (TF's SliceDebugString).
std::string MultiIndex(const TensorShape& shape, int64_t flat) {
  std::vector<int64_t> idx(shape.rank());
  for (int d = shape.rank() - 1; d >= 0; --d) {
    idx[d] = flat % shape.dim(d);
    flat /= shape.dim(d);
  }
  return IntList(idx);
}

// out[b, o, j, i] = params[b, o, indices[b, j], i] over params viewed as [batch, outer, n, inner]
// and indices as [batch, num_indices / batch] (batch 1 without batch_dims).
template <typename TI, typename T>
Status GatherRows(const T* params, const TI* indices, int64_t num_indices, const TensorShape& indices_shape,
                  int64_t batch, int64_t outer, int64_t n, int64_t inner, T* out) {
  for (int64_t j = 0; j < num_indices; ++j) {
    const int64_t k = static_cast<int64_t>(indices[j]);
    if (k < 0 || k >= n) {
      return errors::InvalidArgument("indices", MultiIndex(indices_shape, j), " = ", k, " is not in [0, ", n, ")");
    }
  }
  const int64_t per_batch = batch == 0 ? 0 : num_indices / batch;
  const int64_t rows = batch * outer * per_batch;
  cpu::ParallelFor(rows, CopyWork(rows * inner), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t j = r % per_batch, bo = r / per_batch, bt = bo / outer;
      const int64_t k = static_cast<int64_t>(indices[bt * per_batch + j]);
      const T* src = params + (bo * n + k) * inner;
      std::copy(src, src + inner, out + r * inner);
    }
  });
  return absl::OkStatus();
}

// GatherV2 (kHasAxis: params, indices, axis; batch_dims) and TF1's Gather (axis 0).
template <bool kHasAxis>
class GatherOp : public OpKernel {
 public:
  explicit GatherOp(OpKernelConstruction* c) : OpKernel(c) {
    if (kHasAxis) c->SetStatus(c->GetAttr("batch_dims", &batch_dims_));
  }
  void Compute(OpKernelContext* ctx) override {
    const Tensor& params = ctx->input(0);
    const Tensor& indices = ctx->input(1);
    const int rank = params.dims();
    OP_REQUIRES(ctx, rank >= 1, errors::InvalidArgument("params must be at least a vector, got a scalar"));
    int64_t batch_dims = batch_dims_;
    OP_REQUIRES(ctx, batch_dims >= -indices.dims() && batch_dims <= indices.dims(),
                errors::InvalidArgument("batch_dims = ", batch_dims, " is not in [", -indices.dims(), ", ",
                                        indices.dims(), "] for indices ", indices.shape().DebugString()));
    if (batch_dims < 0) batch_dims += indices.dims();
    OP_REQUIRES(ctx, batch_dims == 0 || batch_dims < rank,
                errors::InvalidArgument("batch_dims = ", batch_dims, " must be less than the rank of params ",
                                        params.shape().DebugString()));
    int64_t axis = 0;
    if (kHasAxis) {
      const Tensor& axis_t = ctx->input(2);
      OP_REQUIRES(ctx, axis_t.dims() == 0,
                  errors::InvalidArgument("axis must be a scalar, got shape ", axis_t.shape().DebugString()));
      axis = Int64Values(axis_t)[0];
      OP_REQUIRES(ctx, axis >= -rank && axis < rank,
                  errors::InvalidArgument("Expected axis in the range [", -rank, ", ", rank, "), but got ", axis));
      if (axis < 0) axis += rank;
    }
    OP_REQUIRES(ctx, axis >= batch_dims,
                errors::InvalidArgument("axis = ", axis, " must be >= batch_dims = ", batch_dims));
    TensorShape out_shape;
    int64_t batch = 1, outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) {
      out_shape.AddDim(params.dim_size(d));
      if (d < batch_dims) {
        OP_REQUIRES(ctx, params.dim_size(d) == indices.dim_size(d),
                    errors::InvalidArgument("params.shape[", d, "] = ", params.dim_size(d),
                                            " must equal indices.shape[", d, "] = ", indices.dim_size(d),
                                            " (batch_dims = ", batch_dims, ")"));
        batch *= params.dim_size(d);
      } else {
        outer *= params.dim_size(d);
      }
    }
    for (int d = static_cast<int>(batch_dims); d < indices.dims(); ++d) out_shape.AddDim(indices.dim_size(d));
    for (int d = static_cast<int>(axis) + 1; d < rank; ++d) {
      out_shape.AddDim(params.dim_size(d));
      inner *= params.dim_size(d);
    }
    const int64_t n = params.dim_size(axis);
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, out_shape, &out));
    Status status;
    bool ok = DispatchByElementSize(params.dtype(), [&]<typename T>() {
      if (indices.dtype() == DT_INT32) {
        status = GatherRows(params.data<T>(), indices.data<int32_t>(), indices.NumElements(), indices.shape(),
                            batch, outer, n, inner, out->data<T>());
      } else {
        status = GatherRows(params.data<T>(), indices.data<int64_t>(), indices.NumElements(), indices.shape(),
                            batch, outer, n, inner, out->data<T>());
      }
    });
    OP_REQUIRES(ctx, ok, UnsupportedDtype(params.dtype()));
    OP_REQUIRES_OK(ctx, status);
  }

 private:
  int64_t batch_dims_ = 0;
};

#define REGISTER_CPU(op, ...) REGISTER_KERNEL(KernelDefBuilder(op).Device(kDeviceCpu), __VA_ARGS__)
REGISTER_CPU("Placeholder", PlaceholderOp);
REGISTER_CPU("PlaceholderWithDefault", PlaceholderWithDefaultOp);
REGISTER_CPU("Const", ConstOp);
REGISTER_CPU("Identity", IdentityOp);
REGISTER_CPU("StopGradient", IdentityOp);
REGISTER_CPU("NoOp", NoOpOp);
REGISTER_CPU("ZerosLike", FillLikeOp<0>);
REGISTER_CPU("OnesLike", FillLikeOp<1>);
REGISTER_CPU("Fill", FillOp);
REGISTER_CPU("Shape", ShapeOp);
REGISTER_CPU("Size", SizeOp);
REGISTER_CPU("Rank", RankOp);
REGISTER_CPU("Reshape", ReshapeOp);
REGISTER_CPU("ExpandDims", ExpandDimsOp);
REGISTER_CPU("Squeeze", SqueezeOp);
REGISTER_CPU("Transpose", TransposeOp);
REGISTER_CPU("InvertPermutation", InvertPermutationOp);
REGISTER_CPU("BroadcastTo", BroadcastToOp);
REGISTER_CPU("Tile", TileOp);
REGISTER_CPU("Slice", SliceOp);
REGISTER_CPU("Pad", PadOp<false>);
REGISTER_CPU("PadV2", PadOp<true>);
REGISTER_CPU("ConcatV2", ConcatOp<false>);
REGISTER_CPU("Concat", ConcatOp<true>);
REGISTER_CPU("ConcatOffset", ConcatOffsetOp);
REGISTER_CPU("Pack", PackOp);
REGISTER_CPU("Unpack", UnpackOp);
REGISTER_CPU("OneHot", OneHotOp);
REGISTER_CPU("GatherV2", GatherOp<true>);
REGISTER_CPU("Gather", GatherOp<false>);
#undef REGISTER_CPU

// ---- StridedSlice, StridedSliceGrad ---------------------------------------------------------

// Reads the masks and the begin, end and strides inputs `first`..`first + 2`, and works out
// the slice of `shape`.
StatusOr<StridedSliceSpec> StridedSliceSpecOf(OpKernelContext* ctx, const StridedSliceMasks& masks,
                                              const TensorShape& shape, int first) {
  const Tensor& b = ctx->input(first);
  const Tensor& e = ctx->input(first + 1);
  const Tensor& st = ctx->input(first + 2);
  if (b.dims() != 1 || e.dims() != 1 || st.dims() != 1 || b.NumElements() != e.NumElements() ||
      b.NumElements() != st.NumElements()) {
    return errors::InvalidArgument("begin, end and strides must be vectors of one length, got shapes ",
                                   b.shape().DebugString(), ", ", e.shape().DebugString(), " and ",
                                   st.shape().DebugString());
  }
  auto spec = ComputeStridedSlice(shape, Int64Values(b), Int64Values(e), Int64Values(st), masks);
  if (!spec.ok()) {
    return errors::InvalidArgument(spec.status().message(), " (slicing shape ", shape.DebugString(),
                                   " with begin ", IntList(Int64Values(b)), ", end ",
                                   IntList(Int64Values(e)), ", strides ", IntList(Int64Values(st)), ")");
  }
  return spec;
}

StridedSliceMasks ReadStridedSliceMasks(OpKernelConstruction* c) {
  StridedSliceMasks m;
  c->SetStatus(c->GetAttr("begin_mask", &m.begin_mask));
  c->SetStatus(c->GetAttr("end_mask", &m.end_mask));
  c->SetStatus(c->GetAttr("ellipsis_mask", &m.ellipsis_mask));
  c->SetStatus(c->GetAttr("new_axis_mask", &m.new_axis_mask));
  c->SetStatus(c->GetAttr("shrink_axis_mask", &m.shrink_axis_mask));
  return m;
}

class StridedSliceOp : public OpKernel {
 public:
  explicit StridedSliceOp(OpKernelConstruction* c) : OpKernel(c), masks_(ReadStridedSliceMasks(c)) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    auto spec = StridedSliceSpecOf(ctx, masks_, in.shape(), 1);
    OP_REQUIRES_OK(ctx, spec.status());
    if (spec->is_identity) {
      ctx->set_output(0, in);
      return;
    }
    std::vector<int64_t> in_strides = Strides(in.shape());
    int64_t offset = 0;
    for (int d = 0; d < in.dims(); ++d) {
      if (spec->processing_shape.dim(d) == 0) {
        offset = 0;
        break;
      }
      offset += spec->begin[d] * in_strides[d];
      in_strides[d] *= spec->strides[d];
    }
    // Gathered over the processing shape, which has the output's elements in the output's order.
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, spec->final_shape, &out));
    std::vector<int64_t> dims(spec->processing_shape.dims().begin(), spec->processing_shape.dims().end());
    bool ok = DispatchByElementSize(in.dtype(), [&]<typename T>() {
      StridedGather(in.data<T>() + offset, out->data<T>(), dims, in_strides);
    });
    OP_REQUIRES(ctx, ok, UnsupportedDtype(in.dtype()));
  }

 private:
  StridedSliceMasks masks_;
};

// Zeros of shape `shape` with dy scattered to where StridedSlice took its elements from.
class StridedSliceGradOp : public OpKernel {
 public:
  explicit StridedSliceGradOp(OpKernelConstruction* c) : OpKernel(c), masks_(ReadStridedSliceMasks(c)) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& shape_t = ctx->input(0);
    const Tensor& dy = ctx->input(4);
    OP_REQUIRES(ctx, shape_t.dims() == 1,
                errors::InvalidArgument("shape must be a vector, got shape ", shape_t.shape().DebugString()));
    auto shape = TensorShape::FromDims(Int64Values(shape_t));
    OP_REQUIRES_OK(ctx, shape.status());
    auto spec = StridedSliceSpecOf(ctx, masks_, *shape, 1);
    OP_REQUIRES_OK(ctx, spec.status());
    OP_REQUIRES(ctx, dy.shape() == spec->final_shape,
                errors::InvalidArgument("dy has shape ", dy.shape().DebugString(), " but slicing ",
                                        shape->DebugString(), " gives ", spec->final_shape.DebugString()));
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, *shape, &out));
    const int rank = shape->rank();
    const std::vector<int64_t> out_strides = Strides(*shape);
    bool ok = DispatchByElementSize(dy.dtype(), [&]<typename T>() {
      T* o = out->data<T>();
      std::fill_n(o, shape->num_elements(), T{});
      const int64_t n = dy.NumElements();
      if (n == 0) return;
      const T* src = dy.data<T>();
      std::vector<int64_t> index(rank, 0);
      int64_t offset = 0;
      for (int d = 0; d < rank; ++d) offset += spec->begin[d] * out_strides[d];
      for (int64_t i = 0; i < n; ++i) {
        o[offset] = src[i];
        for (int d = rank - 1; d >= 0; --d) {
          offset += spec->strides[d] * out_strides[d];
          if (++index[d] < spec->processing_shape.dim(d)) break;
          offset -= spec->strides[d] * out_strides[d] * index[d];
          index[d] = 0;
        }
      }
    });
    OP_REQUIRES(ctx, ok, UnsupportedDtype(dy.dtype()));
  }

 private:
  StridedSliceMasks masks_;
};

REGISTER_KERNEL(KernelDefBuilder("StridedSlice").Device(kDeviceCpu), StridedSliceOp);
REGISTER_KERNEL(KernelDefBuilder("StridedSliceGrad").Device(kDeviceCpu), StridedSliceGradOp);
REGISTER_KERNEL(KernelDefBuilder("PreventGradient").Device(kDeviceCpu), IdentityOp);

// ---- Split, SplitV, Reverse, ReverseV2 -------------------------------------------------------

// Output i is the slice [offsets[i], offsets[i] + sizes[i]) of `in` along `axis`.
void SplitAlong(OpKernelContext* ctx, const Tensor& in, int axis, const std::vector<int64_t>& sizes) {
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= in.dim_size(d);
  for (int d = axis + 1; d < in.dims(); ++d) inner *= in.dim_size(d);
  const int64_t row = in.dim_size(axis) * inner;
  if (sizes.size() == 1) {
    ctx->set_output(0, in);
    return;
  }
  int64_t offset = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    TensorShape shape = in.shape();
    shape.set_dim(axis, sizes[i]);
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(static_cast<int>(i), shape, &out));
    const int64_t chunk = sizes[i] * inner;
    bool ok = DispatchByElementSize(in.dtype(), [&]<typename T>() {
      const T* src = in.data<T>() + offset;
      T* dst = out->data<T>();
      for (int64_t o = 0; o < outer && chunk > 0; ++o) std::copy(src + o * row, src + o * row + chunk, dst + o * chunk);
    });
    OP_REQUIRES(ctx, ok, UnsupportedDtype(in.dtype()));
    offset += chunk;
  }
}

StatusOr<int> SplitAxis(const Tensor& dim, const Tensor& in) {
  if (dim.dims() != 0) return errors::InvalidArgument("split_dim must be a scalar, got shape ", dim.shape().DebugString());
  const int64_t a = Int64Values(dim)[0];
  if (a < -in.dims() || a >= in.dims()) {
    return errors::InvalidArgument("split_dim ", a, " is out of range for input of shape ", in.shape().DebugString());
  }
  return static_cast<int>(a < 0 ? a + in.dims() : a);
}

class SplitOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(1);
    auto axis = SplitAxis(ctx->input(0), in);
    OP_REQUIRES_OK(ctx, axis.status());
    const int n = ctx->num_outputs();
    OP_REQUIRES(ctx, in.dim_size(*axis) % n == 0,
                errors::InvalidArgument("Number of ways to split should evenly divide the split dimension, but got "
                                        "split_dim ", *axis, " (size = ", in.dim_size(*axis), ") and num_split ", n,
                                        " (shape ", in.shape().DebugString(), ")"));
    SplitAlong(ctx, in, *axis, std::vector<int64_t>(n, in.dim_size(*axis) / n));
  }
};

class SplitVOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    auto axis = SplitAxis(ctx->input(2), in);
    OP_REQUIRES_OK(ctx, axis.status());
    const Tensor& sizes_t = ctx->input(1);
    const int n = ctx->num_outputs();
    OP_REQUIRES(ctx, sizes_t.dims() == 1 && sizes_t.NumElements() == n,
                errors::InvalidArgument("size_splits must be a vector of num_split = ", n, " entries, got shape ",
                                        sizes_t.shape().DebugString()));
    std::vector<int64_t> sizes = Int64Values(sizes_t);
    const int64_t dim = in.dim_size(*axis);
    int unknown = -1;
    int64_t known = 0;
    for (int i = 0; i < n; ++i) {
      if (sizes[i] == -1 && unknown < 0) {
        unknown = i;
        continue;
      }
      OP_REQUIRES(ctx, sizes[i] >= 0, errors::InvalidArgument("size_splits ", IntList(sizes),
                                                              " may hold one -1 and otherwise sizes >= 0"));
      known += sizes[i];
    }
    OP_REQUIRES(ctx, unknown >= 0 ? known <= dim : known == dim,
                errors::InvalidArgument("Determined shape must either match input shape along split_dim exactly if "
                                        "fully specified, or be less than the size of the input along split_dim "
                                        "if not fully specified; got size_splits ", IntList(sizes),
                                        " for input of shape ", in.shape().DebugString(), " and split_dim ", *axis));
    if (unknown >= 0) sizes[unknown] = dim - known;
    SplitAlong(ctx, in, *axis, sizes);
  }
};

// Reverse (a bool per dim) and ReverseV2 (the axes): a gather with negated strides.
template <bool kV2>
class ReverseOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    const Tensor& spec = ctx->input(1);
    const int rank = in.dims();
    std::vector<bool> flip(rank, false);
    if constexpr (kV2) {
      OP_REQUIRES(ctx, spec.dims() == 1, errors::InvalidArgument("axis must be a vector, got shape ",
                                                                 spec.shape().DebugString()));
      for (int64_t a : Int64Values(spec)) {
        OP_REQUIRES(ctx, a >= -rank && a < rank,
                    errors::InvalidArgument("axis ", a, " is out of range for input of shape ",
                                            in.shape().DebugString()));
        const int d = static_cast<int>(a < 0 ? a + rank : a);
        OP_REQUIRES(ctx, !flip[d], errors::InvalidArgument("axis ", d, " is duplicated in the reverse axes"));
        flip[d] = true;
      }
    } else {
      OP_REQUIRES(ctx, spec.dims() == 1 && spec.NumElements() == rank,
                  errors::InvalidArgument("'dims' must have as many entries as the input has dims (",
                                          rank, "), got shape ", spec.shape().DebugString()));
      for (int d = 0; d < rank; ++d) flip[d] = spec.data<bool>()[d];
    }
    std::vector<int64_t> strides = Strides(in.shape());
    int64_t offset = 0;
    bool any = false;
    for (int d = 0; d < rank; ++d) {
      if (!flip[d] || in.dim_size(d) <= 1) continue;
      offset += (in.dim_size(d) - 1) * strides[d];
      strides[d] = -strides[d];
      any = true;
    }
    if (!any || in.NumElements() == 0) {
      ctx->set_output(0, in);
      return;
    }
    GatherToOutput(ctx, in, in.shape(), strides, offset);
  }
};

REGISTER_KERNEL(KernelDefBuilder("Split").Device(kDeviceCpu), SplitOp);
REGISTER_KERNEL(KernelDefBuilder("SplitV").Device(kDeviceCpu), SplitVOp);
REGISTER_KERNEL(KernelDefBuilder("Reverse").Device(kDeviceCpu), ReverseOp<false>);
REGISTER_KERNEL(KernelDefBuilder("ReverseV2").Device(kDeviceCpu), ReverseOp<true>);

// ReverseSequence: output element i takes input element i, or, where its position s along
// seq_dim is below its batch entry's length L, the element at position L - 1 - s.
class ReverseSequenceOp : public OpKernel {
 public:
  explicit ReverseSequenceOp(OpKernelConstruction* c) : OpKernel(c) {
    c->SetStatus(c->GetAttr("seq_dim", &seq_dim_));
    if (c->status().ok()) c->SetStatus(c->GetAttr("batch_dim", &batch_dim_));
  }
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    const Tensor& lengths_t = ctx->input(1);
    const int rank = in.dims();
    OP_REQUIRES(ctx, seq_dim_ != batch_dim_ && seq_dim_ >= 0 && seq_dim_ < rank && batch_dim_ >= 0 && batch_dim_ < rank,
                errors::InvalidArgument("seq_dim ", seq_dim_, " and batch_dim ", batch_dim_,
                                        " must be distinct dims of the input, of shape ", in.shape().DebugString()));
    const int sd = static_cast<int>(seq_dim_), bd = static_cast<int>(batch_dim_);
    OP_REQUIRES(ctx, lengths_t.dims() == 1 && lengths_t.dim_size(0) == in.dim_size(bd),
                errors::InvalidArgument("seq_lengths must be a vector of ", in.dim_size(bd),
                                        " entries (the input's dim ", bd, "), got shape ",
                                        lengths_t.shape().DebugString()));
    const std::vector<int64_t> lengths = Int64Values(lengths_t);
    for (size_t b = 0; b < lengths.size(); ++b) {
      OP_REQUIRES(ctx, lengths[b] >= 0 && lengths[b] <= in.dim_size(sd),
                  errors::InvalidArgument("seq_lengths[", b, "] = ", lengths[b], " is not in [0, ",
                                          in.dim_size(sd), "] (input shape ", in.shape().DebugString(), ")"));
    }
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, in.shape(), &out));
    const std::vector<int64_t> strides = Strides(in.shape());
    const int64_t seq_stride = strides[sd], seq_size = in.dim_size(sd);
    const int64_t batch_stride = strides[bd], batch_size = in.dim_size(bd);
    const int64_t n = in.NumElements();
    bool ok = DispatchByElementSize(in.dtype(), [&]<typename T>() {
      const T* src = in.data<T>();
      T* dst = out->data<T>();
      for (int64_t i = 0; i < n; ++i) {
        const int64_t s = (i / seq_stride) % seq_size;
        const int64_t len = lengths[(i / batch_stride) % batch_size];
        dst[i] = s < len ? src[i + (len - 1 - 2 * s) * seq_stride] : src[i];
      }
    });
    OP_REQUIRES(ctx, ok, UnsupportedDtype(in.dtype()));
  }

 private:
  int64_t seq_dim_ = 0, batch_dim_ = 0;
};

REGISTER_KERNEL(KernelDefBuilder("ReverseSequence").Device(kDeviceCpu), ReverseSequenceOp);

// ---- Where -----------------------------------------------------------------------------------

template <typename T>
class WhereOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    const T* d = in.data<T>();
    const int64_t n = in.NumElements();
    const int rank = in.dims();
    int64_t count = 0;
    for (int64_t i = 0; i < n; ++i) count += d[i] != T(0);
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape{count, rank}, &out));
    int64_t* o = out->data<int64_t>();
    std::vector<int64_t> index(rank, 0);
    for (int64_t i = 0; i < n; ++i) {
      if (d[i] != T(0)) {
        std::copy(index.begin(), index.end(), o);
        o += rank;
      }
      for (int k = rank - 1; k >= 0; --k) {
        if (++index[k] < in.dim_size(k)) break;
        index[k] = 0;
      }
    }
  }
};

#define SLUICE_WHERE(T) REGISTER_KERNEL(KernelDefBuilder("Where").Device(kDeviceCpu).TypeConstraint<T>("T"), WhereOp<T>)
SLUICE_WHERE(float);
SLUICE_WHERE(double);
SLUICE_WHERE(int32_t);
SLUICE_WHERE(int64_t);
SLUICE_WHERE(uint8_t);
SLUICE_WHERE(bool);
#undef SLUICE_WHERE

// ---- MirrorPad, MirrorPadGrad ----------------------------------------------------------------

// Per element of the padded shape, the flat index of the element of `small` it mirrors.
StatusOr<std::vector<int64_t>> MirrorIndices(const TensorShape& small, const Tensor& paddings, bool reflect,
                                             TensorShape* padded) {
  const int rank = small.rank();
  if (paddings.dims() != 2 || paddings.dim_size(0) != rank || paddings.dim_size(1) != 2) {
    return errors::InvalidArgument("paddings must have shape [", rank, ",2] for input of shape ",
                                   small.DebugString(), ", got ", paddings.shape().DebugString());
  }
  std::vector<int64_t> pads = Int64Values(paddings);
  *padded = TensorShape();
  for (int d = 0; d < rank; ++d) {
    const int64_t limit = small.dim(d) - (reflect ? 1 : 0);
    if (pads[2 * d] < 0 || pads[2 * d + 1] < 0 || pads[2 * d] > limit || pads[2 * d + 1] > limit) {
      return errors::InvalidArgument("paddings ", IntList(pads), " must be in [0, ", limit, "] at dim ", d,
                                     " of shape ", small.DebugString(), " in ", reflect ? "REFLECT" : "SYMMETRIC",
                                     " mode");
    }
    padded->AddDim(small.dim(d) + pads[2 * d] + pads[2 * d + 1]);
  }
  const std::vector<int64_t> strides = Strides(small);
  std::vector<int64_t> map(padded->num_elements());
  std::vector<int64_t> index(rank, 0);
  for (int64_t o = 0; o < static_cast<int64_t>(map.size()); ++o) {
    int64_t flat = 0;
    for (int d = 0; d < rank; ++d) {
      const int64_t n = small.dim(d);
      int64_t i = index[d] - pads[2 * d];
      if (i < 0) i = reflect ? -i : -i - 1;
      else if (i >= n) i = reflect ? 2 * (n - 1) - i : 2 * n - 1 - i;
      flat += i * strides[d];
    }
    map[o] = flat;
    for (int d = rank - 1; d >= 0; --d) {
      if (++index[d] < padded->dim(d)) break;
      index[d] = 0;
    }
  }
  return map;
}

bool ReflectMode(OpKernelConstruction* c) {
  std::string mode;
  c->SetStatus(c->GetAttr("mode", &mode));
  return mode == "REFLECT";
}

class MirrorPadOp : public OpKernel {
 public:
  explicit MirrorPadOp(OpKernelConstruction* c) : OpKernel(c), reflect_(ReflectMode(c)) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    TensorShape out_shape;
    auto map = MirrorIndices(in.shape(), ctx->input(1), reflect_, &out_shape);
    OP_REQUIRES_OK(ctx, map.status());
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, out_shape, &out));
    bool ok = DispatchByElementSize(in.dtype(), [&]<typename T>() {
      const T* src = in.data<T>();
      T* dst = out->data<T>();
      for (size_t o = 0; o < map->size(); ++o) dst[o] = src[(*map)[o]];
    });
    OP_REQUIRES(ctx, ok, UnsupportedDtype(in.dtype()));
  }

 private:
  bool reflect_;
};

template <typename T>
class MirrorPadGradOp : public OpKernel {
 public:
  explicit MirrorPadGradOp(OpKernelConstruction* c) : OpKernel(c), reflect_(ReflectMode(c)) {}
  void Compute(OpKernelContext* ctx) override {
    const Tensor& grad = ctx->input(0);
    const Tensor& paddings = ctx->input(1);
    OP_REQUIRES(ctx, paddings.dims() == 2 && paddings.dim_size(0) == grad.dims() && paddings.dim_size(1) == 2,
                errors::InvalidArgument("paddings must have shape [", grad.dims(), ",2] for input of shape ",
                                        grad.shape().DebugString(), ", got ", paddings.shape().DebugString()));
    std::vector<int64_t> pads = Int64Values(paddings);
    TensorShape small;
    for (int d = 0; d < grad.dims(); ++d) {
      const int64_t n = grad.dim_size(d) - pads[2 * d] - pads[2 * d + 1];
      OP_REQUIRES(ctx, n >= 0, errors::InvalidArgument("paddings ", IntList(pads), " exceed the shape ",
                                                       grad.shape().DebugString()));
      small.AddDim(n);
    }
    TensorShape padded;
    auto map = MirrorIndices(small, paddings, reflect_, &padded);
    OP_REQUIRES_OK(ctx, map.status());
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, small, &out));
    T* dst = out->data<T>();
    std::fill_n(dst, small.num_elements(), T(0));
    const T* src = grad.data<T>();
    for (size_t o = 0; o < map->size(); ++o) dst[(*map)[o]] += src[o];
  }

 private:
  bool reflect_;
};

REGISTER_KERNEL(KernelDefBuilder("MirrorPad").Device(kDeviceCpu), MirrorPadOp);
REGISTER_KERNEL_FAMILY(NumberTypes, "MirrorPadGrad", MirrorPadGradOp);

// ---- ShapeN ----------------------------------------------------------------------------------

class ShapeNOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    for (int i = 0; i < ctx->num_inputs(); ++i) {
      const TensorShape& s = ctx->input(i).shape();
      Tensor* out = nullptr;
      OP_REQUIRES_OK(ctx, ctx->allocate_output(i, TensorShape{s.rank()}, &out));
      for (int d = 0; d < s.rank(); ++d) {
        if (ctx->expected_output_dtype(i) == DT_INT32) {
          OP_REQUIRES(ctx, s.dim(d) <= std::numeric_limits<int32_t>::max(),
                      errors::InvalidArgument("dimension ", s.dim(d), " does not fit out_type int32"));
          out->data<int32_t>()[d] = static_cast<int32_t>(s.dim(d));
        } else {
          out->data<int64_t>()[d] = s.dim(d);
        }
      }
    }
  }
};

REGISTER_KERNEL(KernelDefBuilder("ShapeN").Device(kDeviceCpu), ShapeNOp);

}  // namespace
}  // namespace sluice
