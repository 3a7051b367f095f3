// CPU kernel of Assert.
#include "absl/strings/str_cat.h"
#include "core/kernel.h"

namespace sluice {
namespace {

// TensorFlow's message: "assertion failed: [v0] [v1] ..." with each data tensor summarized.
class AssertOp : public OpKernel {
 public:
  explicit AssertOp(OpKernelConstruction* c) : OpKernel(c) {
    c->SetStatus(c->GetAttr("summarize", &summarize_));
  }
  void Compute(OpKernelContext* ctx) override {
    const Tensor& cond = ctx->input(0);
    OP_REQUIRES(ctx, cond.dims() == 0 && cond.dtype() == DT_BOOL,
                errors::InvalidArgument("In[0] should be a scalar: ", cond.shape().DebugString()));
    if (cond.scalar<bool>()) return;
    std::string msg = "assertion failed: ";
    for (int i = 1; i < ctx->num_inputs(); ++i) {
      absl::StrAppend(&msg, "[", ctx->input(i).SummarizeValue(summarize_), "]");
      if (i < ctx->num_inputs() - 1) msg += " ";
    }
    ctx->SetStatus(errors::InvalidArgument(msg));
  }

 private:
  int64_t summarize_ = 3;
};

REGISTER_KERNEL(KernelDefBuilder("Assert").Device(kDeviceCpu), AssertOp);

}  // namespace
}  // namespace sluice
