// _Arg, _Retval and _Copy never run as kernels: the executor binds them to the values passed in and out of a
// compiled graph (ops/defs/function_ops.cc). These kernels exist so that placement finds them on
// the CPU, and fail loudly if a plan ever schedules one.
#include "absl/synchronization/mutex.h"
#include "core/attr_value.h"
#include "core/function.h"
#include "core/kernel.h"

namespace sluice {
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
// function name (the node's own attrs are the function's): instantiated on the first Compute
// through the step's function library, then run with the node's inputs.
class CallFunctionOp : public OpKernel {
 public:
  explicit CallFunctionOp(OpKernelConstruction* c) : OpKernel(c) {
    if (c->node().is_function_call()) {
      function_ = c->node().type_string();
      attrs_ = c->node().def().attr();
      return;
    }
    auto it = c->node().def().attr().find("f");
    if (it == c->node().def().attr().end() || it->second.value_case() != AttrValue::kFunc) {
      c->SetStatus(errors::InvalidArgument("attr 'f' must name a function"));
      return;
    }
    function_ = it->second.func().name();
    attrs_ = it->second.func().attr();
  }

  void Compute(OpKernelContext* ctx) override {
    FunctionLibrary* library = ctx->function_library();
    if (library == nullptr) {
      ctx->SetStatus(errors::FailedPrecondition("no function library in this step to call '", function_, "'"));
      return;
    }
    FunctionLibrary::Handle handle;
    {
      absl::MutexLock lock(&mu_);
      if (!instantiated_.ok() || handle_ < 0) {
        auto h = library->Instantiate(function_, attrs_);
        instantiated_ = h.status();
        if (h.ok()) handle_ = *h;
      }
      if (!instantiated_.ok()) {
        ctx->SetStatus(instantiated_);
        return;
      }
      handle = handle_;
    }
    std::vector<Tensor> args, rets;
    args.reserve(ctx->num_inputs());
    for (int i = 0; i < ctx->num_inputs(); ++i) args.push_back(ctx->input(i));
    Status s = library->Run(handle, args, &rets);
    if (!s.ok()) {
      ctx->SetStatus(s);
      return;
    }
    if (static_cast<int>(rets.size()) != ctx->num_outputs()) {
      ctx->SetStatus(errors::InvalidArgument("function '", function_, "' returned ", rets.size(),
                                             " value(s); the node has ", ctx->num_outputs(), " output(s)"));
      return;
    }
    for (int i = 0; i < ctx->num_outputs(); ++i) {
      if (rets[i].dtype() != ctx->expected_output_dtype(i)) {
        ctx->SetStatus(errors::InvalidArgument("function '", function_, "' returned ", DataTypeString(rets[i].dtype()),
                                               " for output ", i, ", the node declares ",
                                               DataTypeString(ctx->expected_output_dtype(i))));
        return;
      }
      ctx->set_output(i, std::move(rets[i]));
    }
  }
  bool IsExpensive() const override { return true; }

 private:
  std::string function_;
  AttrMap attrs_;
  absl::Mutex mu_;
  Status instantiated_;
  FunctionLibrary::Handle handle_ = -1;
};

REGISTER_KERNEL(KernelDefBuilder("PartitionedCall").Device(kDeviceCpu), CallFunctionOp);
REGISTER_KERNEL(KernelDefBuilder("StatefulPartitionedCall").Device(kDeviceCpu), CallFunctionOp);
REGISTER_KERNEL(KernelDefBuilder(kFunctionCallOp).Device(kDeviceCpu), CallFunctionOp);
REGISTER_KERNEL(KernelDefBuilder("_Arg").Device(kDeviceCpu), BoundByTheExecutorOp);
REGISTER_KERNEL(KernelDefBuilder("_Retval").Device(kDeviceCpu), BoundByTheExecutorOp);
REGISTER_KERNEL(KernelDefBuilder("_Copy").Device(kDeviceCpu), BoundByTheExecutorOp);

}  // namespace
}  // namespace sluice
