// CPU kernels of the ref-variable ops: VariableV2, Assign, AssignAdd, AssignSub,
// IsVariableInitialized. Every update locks the variable exclusively, whatever use_locking says.
#include "core/kernel.h"
#include "kernels/cpu/variable_access.h"

namespace sluice {
namespace {

// Looks up (or creates) its variable in the session's ResourceMgr on the first run and keeps a
// reference to it (the variable outlives a Cleanup of its container while this node can run).
class VariableOp : public OpKernel {
 public:
  explicit VariableOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    ctx->SetStatus(ctx->GetAttr("container", &container_));
    ctx->SetStatus(ctx->GetAttr("shared_name", &shared_name_));
    ctx->SetStatus(ctx->GetAttr("dtype", &dtype_));
    ctx->SetStatus(ctx->GetAttr("shape", &shape_));
    if (shared_name_.empty()) shared_name_ = name();
  }

  void Compute(OpKernelContext* ctx) override {
    absl::MutexLock lock(&mu_);
    if (!var_) {
      auto var = ctx->resource_mgr()->LookupOrCreate<Var>(
          container_, shared_name_, [&]() -> StatusOr<std::unique_ptr<Var>> {
            return std::make_unique<Var>(name(), dtype_, shape_);
          });
      OP_REQUIRES_OK(ctx, var.status());
      // Two variable nodes that share a variable (shared_name) must agree on what it is.
      OP_REQUIRES(ctx, (*var)->dtype() == dtype_ && (*var)->shape() == shape_,
                  errors::InvalidArgument("variable node '", name(), "' declares ", DataTypeString(dtype_), " ",
                                          shape_.DebugString(), " for shared_name '", shared_name_, "', but node '",
                                          (*var)->name(), "' made that variable as ",
                                          DataTypeString((*var)->dtype()), " ", (*var)->shape().DebugString()));
      var_ = *std::move(var);
    }
    ctx->set_output_ref(0, var_.get());
  }

 private:
  std::string container_, shared_name_;
  DataType dtype_ = DT_INVALID;
  TensorShape shape_;
  absl::Mutex mu_;
  RefCountPtr<Var> var_ ABSL_GUARDED_BY(mu_);
};

class AssignOp : public OpKernel {
 public:
  explicit AssignOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    ctx->SetStatus(ctx->GetAttr("validate_shape", &validate_shape_));
  }

  void Compute(OpKernelContext* ctx) override {
    Var* var = ctx->input_ref(0);
    const Tensor& value = ctx->input(1);
    {
      absl::MutexLock lock(var->mu());
      Tensor* t = var->tensor();
      OP_REQUIRES(ctx, !validate_shape_ || !t->IsInitialized() || t->shape() == value.shape(),
                  errors::InvalidArgument("cannot assign a value of shape ", value.shape().DebugString(),
                                          " to variable ", var->name(), " of shape ",
                                          t->shape().DebugString()));
      // Shares the value's buffer; an in-place update later copies it first (PrepareForUpdate).
      *t = value;
    }
    ctx->set_output_ref(0, var);
  }

 private:
  bool validate_shape_ = true;
};

template <typename T, bool kAdd>
class AssignUpdateOp : public OpKernel {
 public:
  explicit AssignUpdateOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}

  void Compute(OpKernelContext* ctx) override {
    Var* var = ctx->input_ref(0);
    {
      absl::MutexLock lock(var->mu());
      OP_REQUIRES_OK(ctx, (cpu::UpdateVariable<T, kAdd>(var, ctx->input(1))));
    }
    ctx->set_output_ref(0, var);
  }
};

class IsVariableInitializedOp : public OpKernel {
 public:
  explicit IsVariableInitializedOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}

  void Compute(OpKernelContext* ctx) override {
    Var* var = ctx->input_ref(0);
    bool initialized;
    {
      absl::ReaderMutexLock lock(var->mu());
      initialized = var->is_initialized();
    }
    ctx->set_output(0, Tensor::Scalar<bool>(initialized));
  }
};

REGISTER_KERNEL(KernelDefBuilder("VariableV2").Device(kDeviceCpu), VariableOp);
REGISTER_KERNEL(KernelDefBuilder("Assign").Device(kDeviceCpu), AssignOp);
REGISTER_KERNEL(KernelDefBuilder("IsVariableInitialized").Device(kDeviceCpu), IsVariableInitializedOp);

#define SLUICE_REGISTER_ASSIGN_UPDATE(T)                                                    \
  REGISTER_KERNEL(KernelDefBuilder("AssignAdd").Device(kDeviceCpu).TypeConstraint<T>("T"), \
                  AssignUpdateOp<T, true>);                                                 \
  REGISTER_KERNEL(KernelDefBuilder("AssignSub").Device(kDeviceCpu).TypeConstraint<T>("T"), \
                  AssignUpdateOp<T, false>)
SLUICE_REGISTER_ASSIGN_UPDATE(float);
SLUICE_REGISTER_ASSIGN_UPDATE(double);
SLUICE_REGISTER_ASSIGN_UPDATE(int32_t);
SLUICE_REGISTER_ASSIGN_UPDATE(int64_t);
#undef SLUICE_REGISTER_ASSIGN_UPDATE

}  // namespace
}  // namespace sluice
