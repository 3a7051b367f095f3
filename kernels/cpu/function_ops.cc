// _Arg, _Retval and _Copy never run as kernels: the executor binds them to the values passed in and out of a
// compiled graph (ops/defs/function_ops.cc). These kernels exist so that placement finds them on
// the CPU, and fail loudly if a plan ever schedules one.
#include "kernels/cpu/function_call.h"

namespace sluice {
namespace cpu {

Status FunctionRef::InitFromAttr(OpKernelConstruction* c, const char* attr) {
  auto it = c->node().def().attr().find(attr);
  if (it == c->node().def().attr().end() || it->second.value_case() != AttrValue::kFunc) {
    return errors::InvalidArgument("attr '", attr, "' must name a function");
  }
  Init(it->second.func().name(), it->second.func().attr());
  return absl::OkStatus();
}

StatusOr<std::pair<FunctionLibrary*, FunctionLibrary::Handle>> FunctionRef::Instantiate(OpKernelContext* ctx) {
  FunctionLibrary* library = ctx->function_library();
  if (library == nullptr) {
    return errors::FailedPrecondition("no function library in this step to call '", name_, "'");
  }
  absl::MutexLock lock(&mu_);
  if (library_ != library) {
    SLUICE_ASSIGN_OR_RETURN(handle_, library->Instantiate(name_, attrs_));
    library_ = library;
  }
  return std::make_pair(library, handle_);
}

Status FunctionRef::Run(OpKernelContext* ctx, absl::Span<const Tensor> args, std::vector<Tensor>* rets) {
  SLUICE_ASSIGN_OR_RETURN(auto instance, Instantiate(ctx));
  return instance.first->Run(instance.second, args, rets);
}

Status FunctionRef::RunConsumingArgs(OpKernelContext* ctx, std::vector<Tensor>* args, std::vector<Tensor>* rets) {
  SLUICE_ASSIGN_OR_RETURN(auto instance, Instantiate(ctx));
  return instance.first->RunConsumingArgs(instance.second, args, rets);
}

Status SetOutputs(OpKernelContext* ctx, const std::string& function, std::vector<Tensor> rets, int first) {
  if (static_cast<int>(rets.size()) != ctx->num_outputs() - first) {
    return errors::InvalidArgument("function '", function, "' returned ", rets.size(), " value(s); the node has ",
                                   ctx->num_outputs() - first, " output(s) for them");
  }
  for (size_t i = 0; i < rets.size(); ++i) {
    const int out = first + static_cast<int>(i);
    if (rets[i].dtype() != ctx->expected_output_dtype(out)) {
      return errors::InvalidArgument("function '", function, "' returned ", DataTypeString(rets[i].dtype()),
                                     " for output ", out, ", the node declares ",
                                     DataTypeString(ctx->expected_output_dtype(out)));
    }
    ctx->set_output(out, std::move(rets[i]));
  }
  return absl::OkStatus();
}

}  // namespace cpu

namespace {

class BoundByTheExecutorOp : public OpKernel {
 public:
  explicit BoundByTheExecutorOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    ctx->SetStatus(errors::Internal(type_string(), " node '", name(),
                                    "' was scheduled; it should be bound to a value passed in or out"));
  }
};

// PartitionedCall / StatefulPartitionedCall (function and attrs in attr `f`) and calls by
// function name (the node's own attrs are the function's).
class CallFunctionOp : public OpKernel {
 public:
  explicit CallFunctionOp(OpKernelConstruction* c) : OpKernel(c) {
    if (c->node().is_function_call()) {
      function_.Init(c->node().type_string(), c->node().def().attr());
    } else {
      c->SetStatus(function_.InitFromAttr(c, "f"));
    }
  }

  void Compute(OpKernelContext* ctx) override {
    std::vector<Tensor> args, rets;
    args.reserve(ctx->num_inputs());
    for (int i = 0; i < ctx->num_inputs(); ++i) args.push_back(ctx->input(i));
    OP_REQUIRES_OK(ctx, function_.Run(ctx, args, &rets));
    OP_REQUIRES_OK(ctx, cpu::SetOutputs(ctx, function_.name(), std::move(rets), 0));
  }
  bool IsExpensive() const override { return true; }

 private:
  cpu::FunctionRef function_;
};

REGISTER_KERNEL(KernelDefBuilder("PartitionedCall").Device(kDeviceCpu), CallFunctionOp);
REGISTER_KERNEL(KernelDefBuilder("StatefulPartitionedCall").Device(kDeviceCpu), CallFunctionOp);
REGISTER_KERNEL(KernelDefBuilder(kFunctionCallOp).Device(kDeviceCpu), CallFunctionOp);
REGISTER_KERNEL(KernelDefBuilder("_Arg").Device(kDeviceCpu), BoundByTheExecutorOp);
REGISTER_KERNEL(KernelDefBuilder("_Retval").Device(kDeviceCpu), BoundByTheExecutorOp);
REGISTER_KERNEL(KernelDefBuilder("_Copy").Device(kDeviceCpu), BoundByTheExecutorOp);

}  // namespace
}  // namespace sluice
