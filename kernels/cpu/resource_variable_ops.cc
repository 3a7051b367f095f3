// CPU kernels of the resource-variable ops: VarHandleOp, ReadVariableOp, AssignVariableOp,
// AssignAddVariableOp, AssignSubVariableOp, VarIsInitializedOp, DestroyResourceOp. The variable
// is a Var in the session's ResourceMgr, made by its first AssignVariableOp; reads share its
// buffer and updates copy a buffer a reader still holds (Var::PrepareForUpdate), so a value
// once read never changes. Every update locks the variable exclusively.
#include "core/kernel.h"
#include "kernels/cpu/variable_access.h"

namespace sluice {
namespace {

// Outputs the same handle every run: (container or the manager's default, shared_name or the
// node's name) on this device. allowed_devices is ignored (one device per variable).
class VarHandleOp : public OpKernel {
 public:
  explicit VarHandleOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    std::string container, shared_name;
    ctx->SetStatus(ctx->GetAttr("container", &container));
    ctx->SetStatus(ctx->GetAttr("shared_name", &shared_name));
    if (shared_name.empty()) shared_name = name();
    if (container.empty()) {
      container = ctx->resource_mgr() != nullptr ? ctx->resource_mgr()->default_container() : "localhost";
    }
    handle_ = Tensor::Scalar(ResourceHandle::Make<Var>(ctx->device() != nullptr ? ctx->device()->name() : "",
                                                       std::move(container), std::move(shared_name)));
  }

  void Compute(OpKernelContext* ctx) override { ctx->set_output(0, handle_); }

 private:
  Tensor handle_;
};

class ReadVariableOp : public OpKernel {
 public:
  explicit ReadVariableOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    ctx->SetStatus(ctx->GetAttr("dtype", &dtype_));
  }

  void Compute(OpKernelContext* ctx) override {
    StatusOr<RefCountPtr<Var>> var = cpu::LookupVariable(ctx, 0, dtype_);
    OP_REQUIRES_OK(ctx, var.status());
    Tensor value;
    {
      absl::ReaderMutexLock lock((*var)->mu());
      OP_REQUIRES(ctx, (*var)->is_initialized(), cpu::UninitializedVariableError((*var)->name()));
      value = *(*var)->tensor();
    }
    ctx->set_output(0, std::move(value));
  }

 private:
  DataType dtype_ = DT_INVALID;
};

class AssignVariableOp : public OpKernel {
 public:
  explicit AssignVariableOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    ctx->SetStatus(ctx->GetAttr("dtype", &dtype_));
    ctx->SetStatus(ctx->GetAttr("validate_shape", &validate_shape_));
  }

  void Compute(OpKernelContext* ctx) override {
    StatusOr<const ResourceHandle*> handle = cpu::HandleInput(ctx, 0);
    OP_REQUIRES_OK(ctx, handle.status());
    StatusOr<RefCountPtr<Var>> var = ctx->resource_mgr()->LookupOrCreate<Var>(
        **handle, [&]() -> StatusOr<std::unique_ptr<Var>> {
          return std::make_unique<Var>((*handle)->name(), dtype_, TensorShape::UnknownRank());
        });
    OP_REQUIRES_OK(ctx, var.status());
    Var* v = var->get();
    OP_REQUIRES(ctx, v->dtype() == dtype_,
                errors::InvalidArgument("cannot assign a ", DataTypeString(dtype_), " value to variable ", v->name(),
                                        ", which holds ", DataTypeString(v->dtype())));
    const Tensor& value = ctx->input(1);
    absl::MutexLock lock(v->mu());
    OP_REQUIRES(ctx, !validate_shape_ || !v->is_initialized() || v->tensor()->shape() == value.shape(),
                errors::InvalidArgument("cannot assign a value of shape ", value.shape().DebugString(),
                                        " to variable ", v->name(), " of shape ", v->tensor()->shape().DebugString()));
    // Shares the value's buffer; an in-place update later copies it first (PrepareForUpdate).
    *v->tensor() = value;
  }

 private:
  DataType dtype_ = DT_INVALID;
  bool validate_shape_ = false;
};

template <typename T, bool kAdd>
class AssignUpdateVariableOp : public OpKernel {
 public:
  explicit AssignUpdateVariableOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}

  void Compute(OpKernelContext* ctx) override {
    StatusOr<RefCountPtr<Var>> var = cpu::LookupVariable(ctx, 0, DataTypeToEnum<T>::value);
    OP_REQUIRES_OK(ctx, var.status());
    absl::MutexLock lock((*var)->mu());
    OP_REQUIRES_OK(ctx, (cpu::UpdateVariable<T, kAdd>(var->get(), ctx->input(1))));
  }
};
template <typename T>
using AssignAddVariableOp = AssignUpdateVariableOp<T, true>;
template <typename T>
using AssignSubVariableOp = AssignUpdateVariableOp<T, false>;

class VarIsInitializedOp : public OpKernel {
 public:
  explicit VarIsInitializedOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}

  void Compute(OpKernelContext* ctx) override {
    StatusOr<const ResourceHandle*> handle = cpu::HandleInput(ctx, 0);
    OP_REQUIRES_OK(ctx, handle.status());
    StatusOr<RefCountPtr<Var>> var = ctx->resource_mgr()->Lookup<Var>(**handle);
    bool initialized = false;
    if (var.ok()) {
      absl::ReaderMutexLock lock((*var)->mu());
      initialized = (*var)->is_initialized();
    } else {
      OP_REQUIRES(ctx, absl::IsNotFound(var.status()), var.status());
    }
    ctx->set_output(0, Tensor::Scalar<bool>(initialized));
  }
};

class DestroyResourceOp : public OpKernel {
 public:
  explicit DestroyResourceOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    ctx->SetStatus(ctx->GetAttr("ignore_lookup_error", &ignore_lookup_error_));
  }

  void Compute(OpKernelContext* ctx) override {
    StatusOr<const ResourceHandle*> handle = cpu::HandleInput(ctx, 0);
    OP_REQUIRES_OK(ctx, handle.status());
    Status s = ctx->resource_mgr()->Delete(**handle);
    OP_REQUIRES(ctx, s.ok() || (ignore_lookup_error_ && absl::IsNotFound(s)), s);
  }

 private:
  bool ignore_lookup_error_ = true;
};

REGISTER_KERNEL(KernelDefBuilder("VarHandleOp").Device(kDeviceCpu), VarHandleOp);
REGISTER_KERNEL(KernelDefBuilder("ReadVariableOp").Device(kDeviceCpu), ReadVariableOp);
REGISTER_KERNEL(KernelDefBuilder("AssignVariableOp").Device(kDeviceCpu), AssignVariableOp);
REGISTER_KERNEL(KernelDefBuilder("VarIsInitializedOp").Device(kDeviceCpu), VarIsInitializedOp);
REGISTER_KERNEL(KernelDefBuilder("DestroyResourceOp").Device(kDeviceCpu), DestroyResourceOp);
static internal::FamilyKernelRegistrar<NumberTypes, AssignAddVariableOp> assign_add_variable_kernels
    [[maybe_unused]]("AssignAddVariableOp", "dtype");
static internal::FamilyKernelRegistrar<NumberTypes, AssignSubVariableOp> assign_sub_variable_kernels
    [[maybe_unused]]("AssignSubVariableOp", "dtype");

}  // namespace
}  // namespace sluice
