// CPU kernel of Assert.
#include <type_traits>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "core/kernel.h"

namespace sluice {
namespace {

// TensorFlow's (TF1) summary of a tensor: its first `max_entries` elements, flattened, separated
// by spaces, "..." when there are more; strings C-escaped, unquoted.
std::string Summarize(const Tensor& t, int64_t max_entries) {
  const int64_t n = t.NumElements();
  const int64_t limit = max_entries < 0 ? n : std::min(max_entries, n);
  std::string out;
  bool known = DispatchType(t.dtype(), [&]<typename T>() {
    const T* d = t.data<T>();
    for (int64_t i = 0; i < limit; ++i) {
      if (i > 0) out += " ";
      if constexpr (std::is_same_v<T, std::string>) {
        out += absl::CEscape(d[i]);
      } else if constexpr (std::is_floating_point_v<T>) {
        absl::StrAppend(&out, d[i]);
      } else if constexpr (std::is_integral_v<T>) {  // bool as 1 or 0, int8 as a number
        absl::StrAppend(&out, static_cast<int64_t>(d[i]));
      } else {
        out += "?";
      }
    }
  });
  if (!known) return t.SummarizeValue(max_entries);
  if (limit < n) out += "...";
  return out;
}

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
      absl::StrAppend(&msg, "[", Summarize(ctx->input(i), summarize_), "]");
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
