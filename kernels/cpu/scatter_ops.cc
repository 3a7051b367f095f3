// CPU kernels of the scatter and gather-by-index ops (schemas in ops/defs/scatter_ops.cc).
//
// Every op first turns its indices into one element offset per update slice, checking each
// index against the shape (an error names the position of the bad index, its value and the
// bound), and only then writes, so a failed op leaves a variable as it was. Updates are applied
// in index order (the last of duplicate ScatterUpdate indices wins, duplicate adds sum); large
// slices are split by columns across threads, which keeps that order without locks. Ref and
// resource variables are locked exclusively for the whole update, whatever use_locking says.
#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/str_join.h"
#include "core/kernel.h"
#include "core/type_lists.h"
#include "kernels/cpu/element_dispatch.h"
#include "kernels/cpu/parallel_for.h"
#include "kernels/cpu/variable_access.h"

namespace sluice {
namespace {

enum class Update { kAssign, kAdd, kMul, kDiv, kMin, kMax };

using cpu::DispatchByElementSize;

std::string ShapeString(absl::Span<const int64_t> dims) { return absl::StrCat("[", absl::StrJoin(dims, ","), "]"); }

// The offsets, in elements, of the slices that `indices` names in `shape`, each `slice` elements
// long. Row form (nd == false): an index i names shape[0] row i. N-d form: indices has shape
// [..., K] and each K-tuple names one slice of the first K dims.
struct SliceOffsets {
  std::vector<int64_t> offsets;
  int64_t slice = 1;
};

template <typename TI>
Status RowOffsetsOf(const TensorShape& shape, const Tensor& indices, SliceOffsets* out) {
  const int64_t n = shape.dim(0);
  out->slice = 1;
  for (int d = 1; d < shape.rank(); ++d) out->slice *= shape.dim(d);
  const TI* idx = indices.data<TI>();
  const int64_t count = indices.NumElements();
  out->offsets.resize(count);
  for (int64_t i = 0; i < count; ++i) {
    const int64_t k = static_cast<int64_t>(idx[i]);
    if (k < 0 || k >= n) {
      return errors::InvalidArgument("indices[", i, "] = ", k, " is not in [0, ", n, ")");
    }
    out->offsets[i] = k * out->slice;
  }
  return absl::OkStatus();
}

template <typename TI>
Status NdOffsetsOf(const TensorShape& shape, const Tensor& indices, SliceOffsets* out) {
  const int k = static_cast<int>(indices.dim_size(indices.dims() - 1));
  out->slice = 1;
  for (int d = k; d < shape.rank(); ++d) out->slice *= shape.dim(d);
  std::vector<int64_t> strides(k);
  int64_t stride = out->slice;
  for (int d = k - 1; d >= 0; --d) {
    strides[d] = stride;
    stride *= shape.dim(d);
  }
  const TI* idx = indices.data<TI>();
  // One slice per K-tuple; with K == 0 each update is the whole tensor.
  int64_t num = 1;
  for (int d = 0; d + 1 < indices.dims(); ++d) num *= indices.dim_size(d);
  out->offsets.resize(num);
  for (int64_t i = 0; i < num; ++i) {
    int64_t offset = 0;
    for (int d = 0; d < k; ++d) {
      const int64_t v = static_cast<int64_t>(idx[i * k + d]);
      if (v < 0 || v >= shape.dim(d)) {
        std::vector<int64_t> tuple(idx + i * k, idx + (i + 1) * k);
        return errors::InvalidArgument("indices[", i, "] = ", ShapeString(tuple), " does not index into shape ",
                                       shape.DebugString());
      }
      offset += v * strides[d];
    }
    out->offsets[i] = offset;
  }
  return absl::OkStatus();
}

Status OffsetsOf(bool nd, const TensorShape& shape, const Tensor& indices, SliceOffsets* out) {
  if (indices.dtype() == DT_INT32) {
    return nd ? NdOffsetsOf<int32_t>(shape, indices, out) : RowOffsetsOf<int32_t>(shape, indices, out);
  }
  return nd ? NdOffsetsOf<int64_t>(shape, indices, out) : RowOffsetsOf<int64_t>(shape, indices, out);
}

// The shape updates must have: indices.shape + shape[1:] (rows) or indices.shape[:-1] +
// shape[K:] (n-d); InvalidArgument naming the shapes otherwise. Row updates may be a scalar.
Status CheckUpdates(bool nd, const TensorShape& shape, const Tensor& indices, const Tensor& updates,
                    const char* what) {
  if (!nd && shape.rank() == 0) {
    return errors::InvalidArgument(what, " must be at least a vector, got a scalar");
  }
  if (nd && indices.dims() == 0) {
    return errors::InvalidArgument("indices must be at least a vector, got a scalar");
  }
  std::vector<int64_t> expected;
  if (nd) {
    const int64_t k = indices.dim_size(indices.dims() - 1);
    if (k > shape.rank()) {
      return errors::InvalidArgument("indices.shape[-1] = ", k, " must be <= the rank of ", what, " ",
                                     shape.DebugString(), " (indices ", indices.shape().DebugString(), ")");
    }
    for (int d = 0; d + 1 < indices.dims(); ++d) expected.push_back(indices.dim_size(d));
    for (int d = static_cast<int>(k); d < shape.rank(); ++d) expected.push_back(shape.dim(d));
  } else {
    if (updates.dims() == 0) return absl::OkStatus();
    for (int d = 0; d < indices.dims(); ++d) expected.push_back(indices.dim_size(d));
    for (int d = 1; d < shape.rank(); ++d) expected.push_back(shape.dim(d));
  }
  if (TensorShape(expected) != updates.shape()) {
    return errors::InvalidArgument("updates must have shape ", ShapeString(expected), " (indices ",
                                   indices.shape().DebugString(), ", ", what, " ", shape.DebugString(), "), got ",
                                   updates.shape().DebugString());
  }
  return absl::OkStatus();
}

template <Update kUpdate, typename T>
inline void Combine(T& dst, const T& src) {
  if constexpr (kUpdate == Update::kAssign) {
    dst = src;
  } else if constexpr (kUpdate == Update::kAdd) {
    dst += src;
  } else if constexpr (kUpdate == Update::kMul) {
    dst *= src;
  } else if constexpr (kUpdate == Update::kDiv) {
    dst /= src;
  } else if constexpr (kUpdate == Update::kMin) {
    dst = std::min(dst, src);
  } else {
    dst = std::max(dst, src);
  }
}

// dst[offsets[i] + j] (op)= src[i * slice + j] (or src[0] when `scalar`), in the order of i.
template <Update kUpdate, typename T>
void ApplyUpdates(T* dst, const T* src, const SliceOffsets& at, bool scalar) {
  const int64_t count = static_cast<int64_t>(at.offsets.size());
  const int64_t slice = at.slice;
  cpu::ParallelFor(slice, count * slice, [&](int64_t begin, int64_t end) {
    for (int64_t i = 0; i < count; ++i) {
      T* d = dst + at.offsets[i];
      if (scalar) {
        for (int64_t j = begin; j < end; ++j) Combine<kUpdate>(d[j], src[0]);
      } else {
        const T* s = src + i * slice;
        for (int64_t j = begin; j < end; ++j) Combine<kUpdate>(d[j], s[j]);
      }
    }
  });
}

// Integer division by zero is undefined behaviour in C++ (TF's kernel traps); it is an error.
template <Update kUpdate, typename T>
Status CheckDivisors(const Tensor& updates) {
  if constexpr (kUpdate == Update::kDiv && std::is_integral_v<T>) {
    const T* u = updates.data<T>();
    for (int64_t i = 0; i < updates.NumElements(); ++i) {
      if (u[i] == 0) return errors::InvalidArgument("updates[", i, "] is 0: integer division by zero");
    }
  }
  return absl::OkStatus();
}

// Applies `updates` at `indices` to the variable's tensor. Requires var->mu() held exclusively.
template <Update kUpdate, typename T>
Status UpdateVariable(Var* var, bool nd, const Tensor& indices, const Tensor& updates) {
  if (!var->is_initialized()) return cpu::UninitializedVariableError(var->name());
  const TensorShape shape = var->tensor()->shape();
  SLUICE_RETURN_IF_ERROR(CheckUpdates(nd, shape, indices, updates, "the variable"));
  SliceOffsets at;
  SLUICE_RETURN_IF_ERROR(OffsetsOf(nd, shape, indices, &at));
  SLUICE_RETURN_IF_ERROR((CheckDivisors<kUpdate, T>(updates)));
  var->PrepareForUpdate();
  ApplyUpdates<kUpdate>(var->tensor()->data<T>(), updates.data<T>(), at, !nd && updates.dims() == 0);
  return absl::OkStatus();
}

// Scatter* and ScatterNd* on ref variables: (ref, indices, updates) -> ref. kAssign kernels are
// type-agnostic (T is one of the element-size stand-ins).
template <Update kUpdate, bool kNd, typename T>
class RefScatterOp : public OpKernel {
 public:
  explicit RefScatterOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}

  void Compute(OpKernelContext* ctx) override {
    Var* var = ctx->input_ref(0);
    {
      absl::MutexLock lock(var->mu());
      if constexpr (kUpdate == Update::kAssign) {
        Status status;
        const bool ok = DispatchByElementSize(var->dtype(), [&]<typename U>() {
          status = UpdateVariable<kUpdate, U>(var, kNd, ctx->input(1), ctx->input(2));
        });
        OP_REQUIRES(ctx, ok, errors::Unimplemented("dtype ", DataTypeString(var->dtype()), " is not supported"));
        OP_REQUIRES_OK(ctx, status);
      } else {
        OP_REQUIRES_OK(ctx, (UpdateVariable<kUpdate, T>(var, kNd, ctx->input(1), ctx->input(2))));
      }
    }
    ctx->set_output_ref(0, var);
  }
};

class ResourceScatterUpdateOp : public OpKernel {
 public:
  explicit ResourceScatterUpdateOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    ctx->SetStatus(ctx->GetAttr("dtype", &dtype_));
  }

  void Compute(OpKernelContext* ctx) override {
    StatusOr<RefCountPtr<Var>> var = cpu::LookupVariable(ctx, 0, dtype_);
    OP_REQUIRES_OK(ctx, var.status());
    absl::MutexLock lock((*var)->mu());
    Status status;
    const bool ok = DispatchByElementSize(dtype_, [&]<typename U>() {
      status = UpdateVariable<Update::kAssign, U>(var->get(), false, ctx->input(1), ctx->input(2));
    });
    OP_REQUIRES(ctx, ok, errors::Unimplemented("dtype ", DataTypeString(dtype_), " is not supported"));
    OP_REQUIRES_OK(ctx, status);
  }

 private:
  DataType dtype_ = DT_INVALID;
};

// TensorScatterUpdate / TensorScatterAdd: a copy of `tensor` (its buffer, when nobody else
// holds it) with the updates applied.
template <Update kUpdate, typename T>
class TensorScatterOp : public OpKernel {
 public:
  explicit TensorScatterOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}

  void Compute(OpKernelContext* ctx) override {
    const Tensor& tensor = ctx->input(0);
    const Tensor& indices = ctx->input(1);
    const Tensor& updates = ctx->input(2);
    OP_REQUIRES_OK(ctx, CheckUpdates(true, tensor.shape(), indices, updates, "tensor"));
    SliceOffsets at;
    OP_REQUIRES_OK(ctx, OffsetsOf(true, tensor.shape(), indices, &at));
    if constexpr (kUpdate == Update::kAssign) {
      const bool ok = DispatchByElementSize(tensor.dtype(), [&]<typename U>() { Apply<U>(ctx, at); });
      OP_REQUIRES(ctx, ok, errors::Unimplemented("dtype ", DataTypeString(tensor.dtype()), " is not supported"));
    } else {
      Apply<T>(ctx, at);
    }
  }

 private:
  template <typename U>
  void Apply(OpKernelContext* ctx, const SliceOffsets& at) {
    const Tensor& tensor = ctx->input(0);
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->forward_input_or_allocate_output(0, 0, tensor.shape(), &out));
    if (out->data<U>() != tensor.data<U>()) {
      const U* src = tensor.data<U>();
      U* dst = out->data<U>();
      const int64_t n = tensor.NumElements();
      cpu::ParallelFor(n, n / 4, [&](int64_t b, int64_t e) { std::copy(src + b, src + e, dst + b); });
    }
    ApplyUpdates<kUpdate>(out->data<U>(), ctx->input(2).data<U>(), at, false);
  }
};

// ScatterNd: zeros of `shape` with the updates summed in.
template <typename T>
class ScatterNdOp : public OpKernel {
 public:
  explicit ScatterNdOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}

  void Compute(OpKernelContext* ctx) override {
    const Tensor& indices = ctx->input(0);
    const Tensor& updates = ctx->input(1);
    const Tensor& shape_t = ctx->input(2);
    OP_REQUIRES(ctx, shape_t.dims() == 1,
                errors::InvalidArgument("shape must be a vector, got shape ", shape_t.shape().DebugString()));
    const std::vector<int64_t> dims = Int64Values(shape_t);
    for (int64_t d : dims) {
      OP_REQUIRES(ctx, d >= 0, errors::InvalidArgument("shape ", ShapeString(dims), " has a negative dimension"));
    }
    StatusOr<TensorShape> shape = TensorShape::FromDims(dims);
    OP_REQUIRES_OK(ctx, shape.status());
    OP_REQUIRES_OK(ctx, CheckUpdates(true, *shape, indices, updates, "shape"));
    OP_REQUIRES(ctx, shape->num_elements() > 0 || updates.NumElements() == 0,
                errors::InvalidArgument("indices and updates given for an empty output of shape ",
                                        shape->DebugString()));
    SliceOffsets at;
    OP_REQUIRES_OK(ctx, OffsetsOf(true, *shape, indices, &at));
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, *shape, &out));
    T* dst = out->data<T>();
    const int64_t n = out->NumElements();
    cpu::ParallelFor(n, n / 4, [&](int64_t b, int64_t e) { std::fill(dst + b, dst + e, T(0)); });
    ApplyUpdates<Update::kAdd>(dst, updates.data<T>(), at, false);
  }
};

class GatherNdOp : public OpKernel {
 public:
  explicit GatherNdOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}

  void Compute(OpKernelContext* ctx) override {
    const Tensor& params = ctx->input(0);
    const Tensor& indices = ctx->input(1);
    OP_REQUIRES(ctx, indices.dims() >= 1, errors::InvalidArgument("indices must be at least a vector, got a scalar"));
    const int64_t k = indices.dim_size(indices.dims() - 1);
    OP_REQUIRES(ctx, k <= params.dims(),
                errors::InvalidArgument("indices.shape[-1] = ", k, " must be <= the rank of params ",
                                        params.shape().DebugString(), " (indices ", indices.shape().DebugString(),
                                        ")"));
    TensorShape out_shape;
    for (int d = 0; d + 1 < indices.dims(); ++d) out_shape.AddDim(indices.dim_size(d));
    for (int d = static_cast<int>(k); d < params.dims(); ++d) out_shape.AddDim(params.dim_size(d));
    OP_REQUIRES(ctx, params.NumElements() > 0 || out_shape.num_elements() == 0,
                errors::InvalidArgument("cannot gather from params of shape ", params.shape().DebugString(),
                                        ", which has no elements"));
    SliceOffsets at;
    OP_REQUIRES_OK(ctx, OffsetsOf(true, params.shape(), indices, &at));
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, out_shape, &out));
    const bool ok = DispatchByElementSize(params.dtype(), [&]<typename U>() {
      const U* src = params.data<U>();
      U* dst = out->data<U>();
      const int64_t count = static_cast<int64_t>(at.offsets.size()), slice = at.slice;
      cpu::ParallelFor(count, count * slice / 4, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) std::copy(src + at.offsets[i], src + at.offsets[i] + slice, dst + i * slice);
      });
    });
    OP_REQUIRES(ctx, ok, errors::Unimplemented("dtype ", DataTypeString(params.dtype()), " is not supported"));
  }
};

template <typename T>
using ScatterMulOp = RefScatterOp<Update::kMul, false, T>;
template <typename T>
using ScatterDivOp = RefScatterOp<Update::kDiv, false, T>;
template <typename T>
using ScatterMinOp = RefScatterOp<Update::kMin, false, T>;
template <typename T>
using ScatterMaxOp = RefScatterOp<Update::kMax, false, T>;
template <typename T>
using ScatterNdAddOp = RefScatterOp<Update::kAdd, true, T>;
template <typename T>
using TensorScatterAddOp = TensorScatterOp<Update::kAdd, T>;

REGISTER_KERNEL(KernelDefBuilder("ScatterUpdate").Device(kDeviceCpu), RefScatterOp<Update::kAssign, false, void>);
REGISTER_KERNEL(KernelDefBuilder("ScatterNdUpdate").Device(kDeviceCpu), RefScatterOp<Update::kAssign, true, void>);
REGISTER_KERNEL(KernelDefBuilder("ResourceScatterUpdate").Device(kDeviceCpu), ResourceScatterUpdateOp);
REGISTER_KERNEL(KernelDefBuilder("TensorScatterUpdate").Device(kDeviceCpu), TensorScatterOp<Update::kAssign, void>);
REGISTER_KERNEL(KernelDefBuilder("GatherNd").Device(kDeviceCpu), GatherNdOp);
REGISTER_KERNEL_FAMILY(NumberTypes, "ScatterMul", ScatterMulOp);
REGISTER_KERNEL_FAMILY(NumberTypes, "ScatterDiv", ScatterDivOp);
REGISTER_KERNEL_FAMILY(NumberTypes, "ScatterMin", ScatterMinOp);
REGISTER_KERNEL_FAMILY(NumberTypes, "ScatterMax", ScatterMaxOp);
REGISTER_KERNEL_FAMILY(NumberTypes, "ScatterNdAdd", ScatterNdAddOp);
REGISTER_KERNEL_FAMILY(NumberTypes, "TensorScatterAdd", TensorScatterAddOp);
REGISTER_KERNEL_FAMILY(NumberTypes, "ScatterNd", ScatterNdOp);

}  // namespace
}  // namespace sluice
