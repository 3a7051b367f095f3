// CPU kernels of ScatterAdd, ScatterSub (ref variables), ResourceScatterAdd, ResourceScatterSub
// (resource variables). A scatter locks the variable exclusively (TF's use_locking;
// sluice always locks, which is one of the orders TF allows), checks every index before it
// changes a row, copies a buffer a reader still holds (Var::PrepareForUpdate) and adds the rows
// in index order, so duplicate indices accumulate. Its cost is that of the updates, not of the
// variable.
#include <vector>

#include "core/kernel.h"
#include "core/type_lists.h"
#include "kernels/cpu/variable_access.h"
#include "kernels/cpu/vector_math.h"

namespace sluice {
namespace {

// var[indices[k], ...] (+|-)= updates[k, ...] (a scalar update applies to every element of the
// rows). Requires var->mu() held exclusively.
template <typename T, bool kAdd>
Status ScatterInto(Var* var, const Tensor& indices, const Tensor& updates) {
  if (!var->is_initialized()) return cpu::UninitializedVariableError(var->name());
  const TensorShape& shape = var->tensor()->shape();
  if (shape.rank() < 1) return errors::InvalidArgument("the variable ", var->name(), " must be at least a vector");
  const int64_t first_dim = shape.dim(0);
  const int64_t inner = first_dim == 0 ? 0 : var->tensor()->NumElements() / first_dim;
  const bool scalar_update = updates.dims() == 0;
  if (!scalar_update) {
    TensorShape expected(indices.shape().dims());
    for (int d = 1; d < shape.rank(); ++d) expected.AddDim(shape.dim(d));
    if (updates.shape() != expected) {
      return errors::InvalidArgument("updates shape ", updates.shape().DebugString(),
                                     " must be indices.shape + var.shape[1:] = ", expected.DebugString(), " (variable ",
                                     var->name(), " of shape ", shape.DebugString(), ")");
    }
  }
  const std::vector<int64_t> rows = Int64Values(indices);
  for (size_t k = 0; k < rows.size(); ++k) {
    if (rows[k] < 0 || rows[k] >= first_dim) {
      return errors::InvalidArgument("indices[", k, "] = ", rows[k], " is not in [0, ", first_dim, ")");
    }
  }
  var->PrepareForUpdate();
  T* dst = var->tensor()->data<T>();
  const T* src = updates.data<T>();
  for (size_t k = 0; k < rows.size(); ++k) {
    T* row = dst + rows[k] * inner;
    const T* u = scalar_update ? src : src + static_cast<int64_t>(k) * inner;
    for (int64_t i = 0; i < inner; ++i) {
      const T v = scalar_update ? u[0] : u[i];
      row[i] = kAdd ? cpu::WrapAdd(row[i], v) : cpu::WrapSub(row[i], v);
    }
  }
  return absl::OkStatus();
}

template <typename T, bool kAdd>
class ScatterRefOp : public OpKernel {
 public:
  explicit ScatterRefOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  void Compute(OpKernelContext* ctx) override {
    Var* var = ctx->input_ref(0);
    {
      absl::MutexLock lock(var->mu());
      OP_REQUIRES_OK(ctx, (ScatterInto<T, kAdd>(var, ctx->input(1), ctx->input(2))));
    }
    ctx->set_output_ref(0, var);
  }
};

template <typename T, bool kAdd>
class ScatterResourceOp : public OpKernel {
 public:
  explicit ScatterResourceOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  void Compute(OpKernelContext* ctx) override {
    StatusOr<RefCountPtr<Var>> var = cpu::LookupVariable(ctx, 0, DataTypeToEnum<T>::value);
    OP_REQUIRES_OK(ctx, var.status());
    absl::MutexLock lock((*var)->mu());
    OP_REQUIRES_OK(ctx, (ScatterInto<T, kAdd>(var->get(), ctx->input(1), ctx->input(2))));
  }
};

template <typename T>
using ScatterAddOp = ScatterRefOp<T, true>;
template <typename T>
using ScatterSubOp = ScatterRefOp<T, false>;
template <typename T>
using ResourceScatterAddOp = ScatterResourceOp<T, true>;
template <typename T>
using ResourceScatterSubOp = ScatterResourceOp<T, false>;

static internal::FamilyKernelRegistrar<NumberTypes, ScatterAddOp> scatter_add_kernels
    [[maybe_unused]] ("ScatterAdd", "T");
static internal::FamilyKernelRegistrar<NumberTypes, ScatterSubOp> scatter_sub_kernels
    [[maybe_unused]] ("ScatterSub", "T");
static internal::FamilyKernelRegistrar<NumberTypes, ResourceScatterAddOp> resource_scatter_add_kernels
    [[maybe_unused]] ("ResourceScatterAdd", "dtype");
static internal::FamilyKernelRegistrar<NumberTypes, ResourceScatterSubOp> resource_scatter_sub_kernels
    [[maybe_unused]] ("ResourceScatterSub", "dtype");

}  // namespace
}  // namespace sluice
