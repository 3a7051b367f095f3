// How CPU kernels reach variables through resource handles, and the in-place updates that the
// ref-variable kernels (AssignAdd, state_ops.cc) and the resource-variable kernels
// (AssignAddVariableOp, resource_variable_ops.cc) share.
#ifndef SLUICE_KERNELS_CPU_VARIABLE_ACCESS_H_
#define SLUICE_KERNELS_CPU_VARIABLE_ACCESS_H_

#include <string>

#include "core/kernel.h"
#include "core/resource_mgr.h"
#include "kernels/cpu/parallel_for.h"

namespace sluice::cpu {

// TF's message for a variable read before any value was assigned to it.
Status UninitializedVariableError(const std::string& name);

// The ResourceHandle in input `index` (a DT_RESOURCE scalar); InvalidArgument for another shape.
StatusOr<const ResourceHandle*> HandleInput(OpKernelContext* ctx, int index);

// The variable the handle in input `index` names, checked to hold `dtype`: FailedPrecondition
// naming it when it does not exist (nothing was ever assigned to it, or it was destroyed),
// InvalidArgument naming it and both dtypes when it holds another dtype, and InvalidArgument
// naming both types when the handle names another kind of resource. The caller still checks
// is_initialized() under the variable's lock.
StatusOr<RefCountPtr<Var>> LookupVariable(OpKernelContext* ctx, int index, DataType dtype);

// var += value (kAdd) or var -= value, in place. Requires var->mu() held exclusively;
// FailedPrecondition when the variable is uninitialized, InvalidArgument when the shapes differ.
template <typename T, bool kAdd>
Status UpdateVariable(Var* var, const Tensor& value) {
  if (!var->is_initialized()) return UninitializedVariableError(var->name());
  if (var->tensor()->shape() != value.shape()) {
    return errors::InvalidArgument("variable ", var->name(), " of shape ", var->tensor()->shape().DebugString(),
                                   " and the value of shape ", value.shape().DebugString(),
                                   " must have the same shape");
  }
  var->PrepareForUpdate();
  T* dst = var->tensor()->data<T>();
  const T* src = value.data<T>();
  ParallelFor(value.NumElements(), value.NumElements(), [&](int64_t begin, int64_t end) {
#pragma omp simd
    for (int64_t i = begin; i < end; ++i) {
      if constexpr (kAdd) {
        dst[i] += src[i];
      } else {
        dst[i] -= src[i];
      }
    }
  });
  return absl::OkStatus();
}

}  // namespace sluice::cpu

#endif  // SLUICE_KERNELS_CPU_VARIABLE_ACCESS_H_
