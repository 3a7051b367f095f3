// CPU kernels of the resource-variable ops: VarHandleOp, ReadVariableOp, AssignVariableOp,
// AssignAddVariableOp, AssignSubVariableOp, VarIsInitializedOp, DestroyResourceOp, ResourceGather,
// VariableShape. The variable
// is a Var in the session's ResourceMgr, made by its first AssignVariableOp; reads share its
// buffer and updates copy a buffer a reader still holds (Var::PrepareForUpdate), so a value
// once read never changes. Every update locks the variable exclusively.
#include <cstring>

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

// Copies the rows `indices` of the variable under its reader lock (the rest is never read).
// validate_indices is ignored: indices are always checked, as TF's CPU kernel does.
class ResourceGatherOp : public OpKernel {
 public:
  explicit ResourceGatherOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    ctx->SetStatus(ctx->GetAttr("dtype", &dtype_));
    ctx->SetStatus(ctx->GetAttr("batch_dims", &batch_dims_));
    if (dtype_ == DT_STRING) ctx->SetStatus(errors::Unimplemented("ResourceGather of a string variable"));
  }

  void Compute(OpKernelContext* ctx) override {
    OP_REQUIRES(ctx, batch_dims_ == 0,
                errors::Unimplemented("ResourceGather with batch_dims = ", batch_dims_, " (only 0 is supported)"));
    StatusOr<RefCountPtr<Var>> var = cpu::LookupVariable(ctx, 0, dtype_);
    OP_REQUIRES_OK(ctx, var.status());
    const Tensor& indices = ctx->input(1);
    absl::ReaderMutexLock lock((*var)->mu());
    OP_REQUIRES(ctx, (*var)->is_initialized(), cpu::UninitializedVariableError((*var)->name()));
    const Tensor& params = *(*var)->tensor();
    OP_REQUIRES(ctx, params.dims() >= 1,
                errors::InvalidArgument("ResourceGather of variable ", (*var)->name(),
                                        ", a scalar: it must be at "
                                        "least a vector"));
    const int64_t n = params.dim_size(0);
    const int64_t inner = n == 0 ? 0 : params.NumElements() / n;
    TensorShape out_shape(indices.shape().dims());
    for (int d = 1; d < params.dims(); ++d) out_shape.AddDim(params.dim_size(d));
    const std::vector<int64_t> rows = Int64Values(indices);
    for (size_t k = 0; k < rows.size(); ++k) {
      OP_REQUIRES(ctx, rows[k] >= 0 && rows[k] < n,
                  errors::InvalidArgument("indices[", k, "] = ", rows[k], " is not in [0, ", n, ") (variable ",
                                          (*var)->name(), ")"));
    }
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, out_shape, &out));
    const size_t row_bytes = static_cast<size_t>(inner) * DataTypeSize(params.dtype());
    const char* src = static_cast<const char*>(params.raw_data());
    char* dst = static_cast<char*>(out->raw_data());
    cpu::ParallelFor(static_cast<int64_t>(rows.size()), static_cast<int64_t>(rows.size()) * inner / 4,
                     [&](int64_t begin, int64_t end) {
                       for (int64_t k = begin; k < end; ++k) {
                         std::memcpy(dst + k * row_bytes, src + rows[k] * row_bytes, row_bytes);
                       }
                     });
  }

 private:
  DataType dtype_ = DT_INVALID;
  int64_t batch_dims_ = 0;
};

// The variable's current shape (the declared one may be partial).
class VariableShapeOp : public OpKernel {
 public:
  explicit VariableShapeOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}

  void Compute(OpKernelContext* ctx) override {
    StatusOr<const ResourceHandle*> handle = cpu::HandleInput(ctx, 0);
    OP_REQUIRES_OK(ctx, handle.status());
    StatusOr<RefCountPtr<Var>> var = ctx->resource_mgr()->Lookup<Var>(**handle);
    OP_REQUIRES(ctx, var.ok(), cpu::UninitializedVariableError((*handle)->name()));
    TensorShape shape;
    {
      absl::ReaderMutexLock lock((*var)->mu());
      OP_REQUIRES(ctx, (*var)->is_initialized(), cpu::UninitializedVariableError((*var)->name()));
      shape = (*var)->tensor()->shape();
    }
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape{shape.rank()}, &out));
    for (int d = 0; d < shape.rank(); ++d) {
      if (out->dtype() == DT_INT32) {
        out->data<int32_t>()[d] = static_cast<int32_t>(shape.dim(d));
      } else {
        out->data<int64_t>()[d] = shape.dim(d);
      }
    }
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
REGISTER_KERNEL(KernelDefBuilder("ResourceGather").Device(kDeviceCpu), ResourceGatherOp);
REGISTER_KERNEL(KernelDefBuilder("VariableShape").Device(kDeviceCpu), VariableShapeOp);
static internal::FamilyKernelRegistrar<NumberTypes, AssignAddVariableOp> assign_add_variable_kernels
    [[maybe_unused]]("AssignAddVariableOp", "dtype");
static internal::FamilyKernelRegistrar<NumberTypes, AssignSubVariableOp> assign_sub_variable_kernels
    [[maybe_unused]]("AssignSubVariableOp", "dtype");

}  // namespace
}  // namespace sluice
