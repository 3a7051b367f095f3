// CPU kernels of LRN and LRNGrad (float), local response normalization across the last dim of
// a 4-D tensor as TensorFlow defines it:
//   output[..., d] = input[..., d] / (bias + alpha * sum_{|k - d| <= r} input[..., k]^2)^beta.
//
// LRN runs oneDNN's lrn_across_channels on the tensor as nhwc (channels = the last dim). oneDNN
// divides its alpha by the window size (local_size = 2r + 1) and TensorFlow does not, so the
// primitive gets alpha * local_size. Its window is clipped to the channels as TF's is, so a
// radius past the channel count is clipped first (same sums, a window oneDNN's fast paths take).
//
// LRNGrad is a loop of TF's formula, which reads output_image as given: oneDNN's backward
// recomputes the output from input_image, which agrees only when output_image is LRN's output.
#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "core/kernel.h"
#include "kernels/cpu/parallel_for.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace sluice {
namespace {

using dnnl::memory;

dnnl::engine& Engine() {
  static dnnl::engine* engine = new dnnl::engine(dnnl::engine::kind::cpu, 0);
  return *engine;
}

struct LRNAttrs {
  int64_t depth_radius = 5;
  float bias = 1.0f, alpha = 1.0f, beta = 0.5f;
};

LRNAttrs ReadAttrs(OpKernelConstruction* c) {
  LRNAttrs a;
  Status s = c->GetAttr("depth_radius", &a.depth_radius);
  if (s.ok()) s = c->GetAttr("bias", &a.bias);
  if (s.ok()) s = c->GetAttr("alpha", &a.alpha);
  if (s.ok()) s = c->GetAttr("beta", &a.beta);
  if (s.ok() && a.depth_radius < 0) {
    s = errors::InvalidArgument("depth_radius must be >= 0, got ", a.depth_radius);
  }
  c->SetStatus(s);
  return a;
}

Status Check4D(const Tensor& t, const char* what) {
  if (t.dims() != 4) {
    return errors::InvalidArgument(what, " must be 4-dimensional, got shape ", t.shape().DebugString());
  }
  return absl::OkStatus();
}

struct CachedPrimitive {
  dnnl::primitive primitive;
  memory::desc scratchpad;
};

class LRNOp : public OpKernel {
 public:
  explicit LRNOp(OpKernelConstruction* c) : OpKernel(c), attrs_(ReadAttrs(c)) {}
  bool IsExpensive() const override { return true; }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    OP_REQUIRES_OK(ctx, Check4D(in, "input"));
    Tensor* out;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, in.shape(), &out));
    if (in.NumElements() == 0) return;
    const std::vector<int64_t> dims = {in.dim_size(0), in.dim_size(3), in.dim_size(1), in.dim_size(2)};
    const memory::desc data(dims, memory::data_type::f32, memory::format_tag::nhwc);
    auto p = Primitive(dims, data);
    OP_REQUIRES_OK(ctx, p.status());
    try {
      std::vector<uint8_t> scratch(p->scratchpad.get_size());
      dnnl::stream stream(Engine());
      p->primitive.execute(stream, {{DNNL_ARG_SRC, memory(data, Engine(), const_cast<float*>(in.data<float>()))},
                                    {DNNL_ARG_DST, memory(data, Engine(), out->data<float>())},
                                    {DNNL_ARG_SCRATCHPAD, memory(p->scratchpad, Engine(), scratch.data())}});
      stream.wait();
    } catch (const dnnl::error& e) {
      ctx->SetStatus(errors::Internal("oneDNN LRN failed: ", e.what()));
    }
  }

 private:
  StatusOr<CachedPrimitive> Primitive(const std::vector<int64_t>& dims, const memory::desc& data) {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(dims);
    if (it != cache_.end()) return it->second;
    if (cache_.size() >= 64) cache_.clear();
    const int64_t radius = std::min(attrs_.depth_radius, dims[1]);
    const int64_t local_size = 2 * radius + 1;
    try {
      dnnl::lrn_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::lrn_across_channels, data,
                                local_size, attrs_.alpha * static_cast<float>(local_size), attrs_.beta, attrs_.bias);
      dnnl::primitive_attr attr;
      attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
      dnnl::lrn_forward::primitive_desc pd(d, attr, Engine());
      return cache_.emplace(dims, CachedPrimitive{dnnl::lrn_forward(pd), pd.scratchpad_desc()}).first->second;
    } catch (const dnnl::error& e) {
      return errors::Internal("oneDNN could not make an LRN primitive: ", e.what());
    }
  }

  const LRNAttrs attrs_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::vector<int64_t>, CachedPrimitive> cache_ ABSL_GUARDED_BY(mu_);
};

// d output[j] / d input[k] = [j == k] * norm_j^-beta - 2 alpha beta input[k] output[j] / norm_j
// for k in j's window, norm_j = bias + alpha * sum of the window's squares; dx[k] sums it over j
// weighted by grads[j] (TF's LRNGradOp).
class LRNGradOp : public OpKernel {
 public:
  explicit LRNGradOp(OpKernelConstruction* c) : OpKernel(c), attrs_(ReadAttrs(c)) {}
  bool IsExpensive() const override { return true; }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& grads = ctx->input(0);
    const Tensor& in = ctx->input(1);
    const Tensor& out = ctx->input(2);
    OP_REQUIRES_OK(ctx, Check4D(grads, "input_grads"));
    OP_REQUIRES_OK(ctx, Check4D(in, "input_image"));
    OP_REQUIRES_OK(ctx, Check4D(out, "output_image"));
    OP_REQUIRES(ctx, grads.shape() == in.shape() && in.shape() == out.shape(),
                errors::InvalidArgument("input_grads, input_image and output_image must have the same shape, got ",
                                        grads.shape().DebugString(), ", ", in.shape().DebugString(), " and ",
                                        out.shape().DebugString()));
    Tensor* dx;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, in.shape(), &dx));
    const int64_t depth = in.dim_size(3);
    if (in.NumElements() == 0) return;
    const int64_t pixels = in.NumElements() / depth;
    const int64_t r = std::min(attrs_.depth_radius, depth);
    const float* g = grads.data<float>();
    const float* x = in.data<float>();
    const float* y = out.data<float>();
    float* d = dx->data<float>();
    const double alpha = attrs_.alpha, beta = attrs_.beta, bias = attrs_.bias;
    cpu::ParallelFor(pixels, pixels * depth * (2 * r + 1), [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        const float* xp = x + p * depth;
        const float* yp = y + p * depth;
        const float* gp = g + p * depth;
        float* dp = d + p * depth;
        std::fill(dp, dp + depth, 0.0f);
        for (int64_t j = 0; j < depth; ++j) {
          const int64_t begin = std::max<int64_t>(0, j - r), end = std::min(depth, j + r + 1);
          double norm = 0;
          for (int64_t k = begin; k < end; ++k) norm += double{xp[k]} * xp[k];
          norm = alpha * norm + bias;
          const double common = -2.0 * alpha * beta * yp[j] / norm * gp[j];
          for (int64_t k = begin; k < end; ++k) dp[k] += static_cast<float>(common * xp[k]);
          dp[j] += static_cast<float>(std::pow(norm, -beta) * gp[j]);
        }
      }
    });
  }

 private:
  const LRNAttrs attrs_;
};

REGISTER_KERNEL(KernelDefBuilder("LRN").Device(kDeviceCpu).TypeConstraint<float>("T"), LRNOp);
REGISTER_KERNEL(KernelDefBuilder("LRNGrad").Device(kDeviceCpu).TypeConstraint<float>("T"), LRNGradOp);

}  // namespace
}  // namespace sluice
