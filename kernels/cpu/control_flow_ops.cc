// CPU kernels of the TF1 control-flow ops. Enter, Exit, Switch, Merge, NextIteration and
// LoopCond (and their Ref forms) are run by the frame-aware executor itself
// (runtime/frame_executor.cc), which a plan holding any of them uses; these kernels exist so
// that placement and kernel creation find them, and fail if anything else runs them.
// ControlTrigger is a no-op (the executor runs it even when its inputs are dead).
#include "core/kernel.h"

namespace sluice {
namespace {

class FrameExecutorOnlyOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    ctx->SetStatus(errors::Internal(node().type_string(), " is run by the frame-aware executor, not as a kernel"));
  }
};

class ControlTriggerOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext*) override {}
};

#define REGISTER_CPU(op, ...) REGISTER_KERNEL(KernelDefBuilder(op).Device(kDeviceCpu), __VA_ARGS__)
REGISTER_CPU("Enter", FrameExecutorOnlyOp);
REGISTER_CPU("RefEnter", FrameExecutorOnlyOp);
REGISTER_CPU("Exit", FrameExecutorOnlyOp);
REGISTER_CPU("RefExit", FrameExecutorOnlyOp);
REGISTER_CPU("Switch", FrameExecutorOnlyOp);
REGISTER_CPU("RefSwitch", FrameExecutorOnlyOp);
REGISTER_CPU("Merge", FrameExecutorOnlyOp);
REGISTER_CPU("RefMerge", FrameExecutorOnlyOp);
REGISTER_CPU("NextIteration", FrameExecutorOnlyOp);
REGISTER_CPU("RefNextIteration", FrameExecutorOnlyOp);
REGISTER_CPU("LoopCond", FrameExecutorOnlyOp);
REGISTER_CPU("ControlTrigger", ControlTriggerOp);

}  // namespace
}  // namespace sluice
