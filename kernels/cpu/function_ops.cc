// _Arg, _Retval and _Copy never run as kernels: the executor binds them to the values passed in and out of a
// compiled graph (ops/defs/function_ops.cc). These kernels exist so that placement finds them on
// the CPU, and fail loudly if a plan ever schedules one.
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

REGISTER_KERNEL(KernelDefBuilder("_Arg").Device(kDeviceCpu), BoundByTheExecutorOp);
REGISTER_KERNEL(KernelDefBuilder("_Retval").Device(kDeviceCpu), BoundByTheExecutorOp);
REGISTER_KERNEL(KernelDefBuilder("_Copy").Device(kDeviceCpu), BoundByTheExecutorOp);

}  // namespace
}  // namespace sluice
