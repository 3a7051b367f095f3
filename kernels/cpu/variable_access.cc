#include "kernels/cpu/variable_access.h"

namespace sluice::cpu {

Status UninitializedVariableError(const std::string& name) {
  return errors::FailedPrecondition("Attempting to use uninitialized value ", name);
}

StatusOr<const ResourceHandle*> HandleInput(OpKernelContext* ctx, int index) {
  const Tensor& t = ctx->input(index);
  if (t.dtype() != DT_RESOURCE || t.NumElements() != 1) {
    return errors::InvalidArgument("input ", index, " must hold one resource handle, got a ", DataTypeString(t.dtype()),
                                   " tensor of shape ", t.shape().DebugString());
  }
  return &t.flat<ResourceHandle>()[0];
}

StatusOr<RefCountPtr<Var>> LookupVariable(OpKernelContext* ctx, int index, DataType dtype) {
  SLUICE_ASSIGN_OR_RETURN(const ResourceHandle* handle, HandleInput(ctx, index));
  StatusOr<RefCountPtr<Var>> var = ctx->resource_mgr()->Lookup<Var>(*handle);
  if (absl::IsNotFound(var.status())) {
    return errors::FailedPrecondition("Attempting to use uninitialized value ", errors::Echo(handle->name()),
                                      " (could not find variable ", errors::Echo(handle->name()), " in container ",
                                      errors::Echo(handle->container()), ")");
  }
  SLUICE_RETURN_IF_ERROR(var.status());
  if ((*var)->dtype() != dtype) {
    return errors::InvalidArgument("variable ", (*var)->name(), " holds ", DataTypeString((*var)->dtype()),
                                   ", but it is used as ", DataTypeString(dtype));
  }
  return var;
}

}  // namespace sluice::cpu
