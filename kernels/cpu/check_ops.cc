// CPU kernel of Assert.
#include <algorithm>
#include <type_traits>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "core/kernel.h"

namespace sluice {
namespace {

// One element as TensorFlow's (non-v2) summaries print it: strings C-escaped and unquoted,
// bools and integers as numbers.
template <typename T>
std::string OneElement(const T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    return absl::Utf8SafeCEscape(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    return absl::StrCat(v);
  } else if constexpr (std::is_integral_v<T>) {
    return absl::StrCat(static_cast<int64_t>(v));
  } else {
    return "?";
  }
}

// TensorFlow's PrintOneDim: nested brackets per dimension, stopping after `limit` elements.
template <typename T>
void PrintDim(int dim, const TensorShape& shape, int64_t limit, const T* data, int64_t* index, std::string* out) {
  if (*index >= limit) return;
  const int64_t count = shape.dim(dim);
  if (dim == shape.rank() - 1) {
    for (int64_t i = 0; i < count; ++i) {
      if (*index >= limit) {
        if (dim != 0) *out += "...";
        return;
      }
      if (i > 0) *out += " ";
      *out += OneElement(data[(*index)++]);
    }
    return;
  }
  for (int64_t i = 0; i < count; ++i) {
    const bool opened = *index < limit;
    if (opened) *out += "[";
    PrintDim(dim + 1, shape, limit, data, index, out);
    if (*index < limit || opened) *out += "]";
  }
}

// TensorFlow's Tensor::SummarizeValue(max_entries) (not print_v2): at most max_entries
// elements, "..." when there are more.
std::string Summarize(const Tensor& t, int64_t max_entries) {
  const int64_t n = t.NumElements();
  const int64_t limit = max_entries < 0 ? n : std::min(max_entries, n);
  std::string out;
  bool known = DispatchType(t.dtype(), [&]<typename T>() {
    const T* d = t.data<T>();
    if (t.dims() == 0) {
      for (int64_t i = 0; i < limit; ++i) out += OneElement(d[i]);
    } else {
      int64_t index = 0;
      PrintDim(0, t.shape(), limit, d, &index, &out);
    }
  });
  if (!known) return t.SummarizeValue(max_entries);
  if (n > limit) out += "...";
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
