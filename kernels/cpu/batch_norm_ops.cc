// CPU kernels of FusedBatchNorm, FusedBatchNormV3, FusedBatchNormGrad and FusedBatchNormGradV3
// (float), on oneDNN's batch_normalization primitives over the tensors' own layouts (nhwc or
// nchw): forward training (which computes the batch mean and biased variance), forward inference
// and backward with use_global_stats (given statistics), and backward (batch statistics). A
// kernel caches its primitive per shape under a mutex; each call brings its own scratchpad, so
// concurrent runs share nothing.
//
// What the outputs hold is TensorFlow's CPU kernel's choice: reserve_space_1 and 2 are the batch
// mean and *biased* variance (cuDNN keeps an inverse standard deviation there instead), which
// the Grad ops read as mean and variance; batch_mean and batch_variance are the running
// statistics, the variance Bessel-corrected (n / (n - 1), n the elements per channel, 1 for
// n = 1) and blended with the inputs when exponential_avg_factor != 1. In inference the
// reserve spaces are copies of the given mean and variance (TF leaves them uninitialized there;
// TF's python hands the Grad op the given mean and variance then).
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_map>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "core/kernel.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace sluice {
namespace {

using dnnl::memory;

dnnl::engine& Engine() {
  static dnnl::engine* engine = new dnnl::engine(dnnl::engine::kind::cpu, 0);
  return *engine;
}

// A 4-D image's sizes in (n, c, h, w) whatever its layout.
struct Geometry {
  bool nchw = false;
  int64_t n = 0, c = 0, h = 0, w = 0;
  int64_t PerChannel() const { return n * h * w; }
  std::vector<int64_t> Key() const { return {n, c, h, w}; }
};

StatusOr<Geometry> ImageGeometry(const Tensor& x, bool nchw, const char* what) {
  if (x.dims() != 4) {
    return errors::InvalidArgument(what, " must be 4-dimensional (", nchw ? "NCHW" : "NHWC", "), got shape ",
                                   x.shape().DebugString());
  }
  Geometry g;
  g.nchw = nchw;
  g.n = x.dim_size(0);
  g.c = x.dim_size(nchw ? 1 : 3);
  g.h = x.dim_size(nchw ? 2 : 1);
  g.w = x.dim_size(nchw ? 3 : 2);
  return g;
}

Status CheckChannelVector(const Tensor& t, int64_t channels, const char* what, const char* prefix = "") {
  if (t.dims() != 1) {
    return errors::InvalidArgument(prefix, what, " must be 1-dimensional, got shape ", t.shape().DebugString());
  }
  if (t.NumElements() != channels) {
    return errors::InvalidArgument(prefix, what, " must have the same number of elements as the channels of x, got ",
                                   t.NumElements(), " and ", channels);
  }
  return absl::OkStatus();
}

memory::desc DataDesc(const Geometry& g) {
  return memory::desc({g.n, g.c, g.h, g.w}, memory::data_type::f32,
                      g.nchw ? memory::format_tag::nchw : memory::format_tag::nhwc);
}
memory::desc StatDesc(const Geometry& g) { return memory::desc({g.c}, memory::data_type::f32, memory::format_tag::a); }

memory Memory(const memory::desc& d, const Tensor& t) {
  return memory(d, Engine(), const_cast<void*>(static_cast<const void*>(t.data<float>())));
}

struct CachedPrimitive {
  dnnl::primitive primitive;
  memory::desc scratchpad;
};

// One kernel's primitives, one per image shape (its attrs are fixed).
class PrimitiveCache {
 public:
  template <typename Make>
  StatusOr<CachedPrimitive> Get(const Geometry& g, const Make& make) {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(g.Key());
    if (it != cache_.end()) return it->second;
    if (cache_.size() >= kMaxEntries) cache_.clear();  // a batch size that changes every step
    try {
      return cache_.emplace(g.Key(), make()).first->second;
    } catch (const dnnl::error& e) {
      return errors::Internal("oneDNN could not make a batch normalization primitive for [", g.n, ",", g.c, ",", g.h,
                              ",", g.w, "] (n, c, h, w): ", e.what());
    }
  }

 private:
  static constexpr size_t kMaxEntries = 64;
  absl::Mutex mu_;
  absl::flat_hash_map<std::vector<int64_t>, CachedPrimitive> cache_ ABSL_GUARDED_BY(mu_);
};

Status Execute(const CachedPrimitive& p, std::unordered_map<int, memory> args) {
  try {
    std::vector<uint8_t> scratch(p.scratchpad.get_size());
    args[DNNL_ARG_SCRATCHPAD] = memory(p.scratchpad, Engine(), scratch.data());
    dnnl::stream stream(Engine());
    p.primitive.execute(stream, args);
    stream.wait();
  } catch (const dnnl::error& e) {
    return errors::Internal("oneDNN batch normalization failed: ", e.what());
  }
  return absl::OkStatus();
}

dnnl::primitive_attr UserScratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

dnnl::normalization_flags Flags(bool global_stats) {
  auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
  return global_stats ? flags | dnnl::normalization_flags::use_global_stats : flags;
}

void Fill(Tensor* t, float v) { std::fill(t->data<float>(), t->data<float>() + t->NumElements(), v); }
void Copy(const Tensor& from, Tensor* to) {
  std::memcpy(to->data<float>(), from.data<float>(), sizeof(float) * from.NumElements());
}

// The attrs both op families read.
struct BatchNormAttrs {
  float epsilon = 0.0001f;
  float exponential_avg_factor = 1.0f;
  bool nchw = false;
  bool is_training = true;
};

BatchNormAttrs ReadAttrs(OpKernelConstruction* c, bool forward) {
  BatchNormAttrs a;
  std::string format = "NHWC";
  Status s = c->GetAttr("epsilon", &a.epsilon);
  if (s.ok()) s = c->GetAttr("data_format", &format);
  if (s.ok()) s = c->GetAttr("is_training", &a.is_training);
  if (s.ok() && forward) s = c->GetAttr("exponential_avg_factor", &a.exponential_avg_factor);
  if (s.ok() && format != "NHWC" && format != "NCHW") {
    s = errors::InvalidArgument("data_format must be NHWC or NCHW, got '", format, "'");
  }
  if (s.ok() && !(a.epsilon >= 0)) s = errors::InvalidArgument("epsilon must be >= 0, got ", a.epsilon);
  c->SetStatus(s);
  a.nchw = format == "NCHW";
  return a;
}

// ---- FusedBatchNorm, FusedBatchNormV3 --------------------------------------------------------

class FusedBatchNormOp : public OpKernel {
 public:
  explicit FusedBatchNormOp(OpKernelConstruction* c) : OpKernel(c), attrs_(ReadAttrs(c, /*forward=*/true)) {}
  bool IsExpensive() const override { return true; }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    const Tensor& scale = ctx->input(1);
    const Tensor& offset = ctx->input(2);
    const Tensor& mean = ctx->input(3);
    const Tensor& variance = ctx->input(4);
    auto geometry = ImageGeometry(x, attrs_.nchw, "x");
    OP_REQUIRES_OK(ctx, geometry.status());
    const Geometry& g = *geometry;
    OP_REQUIRES_OK(ctx, CheckChannelVector(scale, g.c, "scale"));
    OP_REQUIRES_OK(ctx, CheckChannelVector(offset, g.c, "offset"));
    const bool reads_stats = !attrs_.is_training || attrs_.exponential_avg_factor != 1.0f;
    if (reads_stats) {
      const char* prefix = attrs_.is_training ? "When exponential_avg_factor != 1, " : "When is_training=false, ";
      OP_REQUIRES_OK(ctx, CheckChannelVector(mean, g.c, "mean", prefix));
      OP_REQUIRES_OK(ctx, CheckChannelVector(variance, g.c, "variance", prefix));
    }
    Tensor *y, *batch_mean, *batch_var, *saved_mean, *saved_var;
    const TensorShape vec{g.c};
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, x.shape(), &y));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, vec, &batch_mean));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(2, vec, &batch_var));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(3, vec, &saved_mean));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(4, vec, &saved_var));
    if (ctx->num_outputs() > 5) {
      Tensor* reserve_space_3;
      OP_REQUIRES_OK(ctx, ctx->allocate_output(5, TensorShape{}, &reserve_space_3));
      Fill(reserve_space_3, 0.0f);
    }
    if (x.NumElements() == 0) {  // TF: no statistics of nothing
      for (Tensor* t : {batch_mean, batch_var, saved_mean, saved_var}) Fill(t, std::numeric_limits<float>::quiet_NaN());
      return;
    }
    const bool training = attrs_.is_training;
    auto p = cache_.Get(g, [&] {
      dnnl::batch_normalization_forward::desc d(
          training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference, DataDesc(g),
          attrs_.epsilon, Flags(/*global_stats=*/!training));
      dnnl::batch_normalization_forward::primitive_desc pd(d, UserScratchpad(), Engine());
      return CachedPrimitive{dnnl::batch_normalization_forward(pd), pd.scratchpad_desc()};
    });
    OP_REQUIRES_OK(ctx, p.status());
    const Tensor& stats_mean = training ? *saved_mean : mean;
    const Tensor& stats_var = training ? *saved_var : variance;
    OP_REQUIRES_OK(ctx, Execute(*p, {{DNNL_ARG_SRC, Memory(DataDesc(g), x)},
                                     {DNNL_ARG_DST, Memory(DataDesc(g), *y)},
                                     {DNNL_ARG_SCALE, Memory(StatDesc(g), scale)},
                                     {DNNL_ARG_SHIFT, Memory(StatDesc(g), offset)},
                                     {DNNL_ARG_MEAN, Memory(StatDesc(g), stats_mean)},
                                     {DNNL_ARG_VARIANCE, Memory(StatDesc(g), stats_var)}}));
    if (!training) {
      for (Tensor* t : {batch_mean, saved_mean}) Copy(mean, t);
      for (Tensor* t : {batch_var, saved_var}) Copy(variance, t);
      return;
    }
    const int64_t n = g.PerChannel();
    const double bessel = static_cast<double>(n) / static_cast<double>(n > 1 ? n - 1 : 1);
    const double f = attrs_.exponential_avg_factor;
    const float* m = saved_mean->data<float>();
    const float* v = saved_var->data<float>();
    for (int64_t c = 0; c < g.c; ++c) {
      if (f == 1.0) {
        batch_mean->data<float>()[c] = m[c];
        batch_var->data<float>()[c] = static_cast<float>(v[c] * bessel);
      } else {
        batch_mean->data<float>()[c] = static_cast<float>((1 - f) * mean.data<float>()[c] + f * m[c]);
        batch_var->data<float>()[c] = static_cast<float>((1 - f) * variance.data<float>()[c] + f * bessel * v[c]);
      }
    }
  }

 private:
  const BatchNormAttrs attrs_;
  PrimitiveCache cache_;
};

// ---- FusedBatchNormGrad, FusedBatchNormGradV3 ------------------------------------------------

class FusedBatchNormGradOp : public OpKernel {
 public:
  explicit FusedBatchNormGradOp(OpKernelConstruction* c) : OpKernel(c), attrs_(ReadAttrs(c, /*forward=*/false)) {}
  bool IsExpensive() const override { return true; }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& dy = ctx->input(0);
    const Tensor& x = ctx->input(1);
    const Tensor& scale = ctx->input(2);
    const Tensor& saved_mean = ctx->input(3);
    const Tensor& saved_var = ctx->input(4);
    OP_REQUIRES_OK(ctx, ImageGeometry(dy, attrs_.nchw, "y_backprop").status());
    auto geometry = ImageGeometry(x, attrs_.nchw, "x");
    OP_REQUIRES_OK(ctx, geometry.status());
    const Geometry& g = *geometry;
    OP_REQUIRES(
        ctx, dy.shape() == x.shape(),
        errors::InvalidArgument("x and y_backprop must have the same shape, but x has shape ", x.shape().DebugString(),
                                " and y_backprop has shape ", dy.shape().DebugString()));
    OP_REQUIRES_OK(ctx, CheckChannelVector(scale, g.c, "scale"));
    OP_REQUIRES_OK(ctx, CheckChannelVector(saved_mean, g.c, "reserve_space_1"));
    OP_REQUIRES_OK(ctx, CheckChannelVector(saved_var, g.c, "reserve_space_2"));
    Tensor *dx, *dscale, *doffset, *unused;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, x.shape(), &dx));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, TensorShape{g.c}, &dscale));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(2, TensorShape{g.c}, &doffset));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(3, TensorShape{0}, &unused));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(4, TensorShape{0}, &unused));
    if (x.NumElements() == 0) {
      Fill(dscale, 0.0f);
      Fill(doffset, 0.0f);
      return;
    }
    const bool global_stats = !attrs_.is_training;
    auto p = cache_.Get(g, [&] {
      dnnl::batch_normalization_forward::desc hint_d(dnnl::prop_kind::forward_training, DataDesc(g), attrs_.epsilon,
                                                     Flags(global_stats));
      dnnl::batch_normalization_forward::primitive_desc hint(hint_d, Engine());
      dnnl::batch_normalization_backward::desc d(dnnl::prop_kind::backward, DataDesc(g), DataDesc(g), attrs_.epsilon,
                                                 Flags(global_stats));
      dnnl::batch_normalization_backward::primitive_desc pd(d, UserScratchpad(), Engine(), hint);
      return CachedPrimitive{dnnl::batch_normalization_backward(pd), pd.scratchpad_desc()};
    });
    OP_REQUIRES_OK(ctx, p.status());
    // oneDNN's backward with use_shift takes the shift as an input too, though its gradient
    // does not depend on it.
    std::vector<float> shift(g.c, 0.0f);
    OP_REQUIRES_OK(ctx, Execute(*p, {{DNNL_ARG_SRC, Memory(DataDesc(g), x)},
                                     {DNNL_ARG_SHIFT, memory(StatDesc(g), Engine(), shift.data())},
                                     {DNNL_ARG_DIFF_DST, Memory(DataDesc(g), dy)},
                                     {DNNL_ARG_MEAN, Memory(StatDesc(g), saved_mean)},
                                     {DNNL_ARG_VARIANCE, Memory(StatDesc(g), saved_var)},
                                     {DNNL_ARG_SCALE, Memory(StatDesc(g), scale)},
                                     {DNNL_ARG_DIFF_SRC, Memory(DataDesc(g), *dx)},
                                     {DNNL_ARG_DIFF_SCALE, Memory(StatDesc(g), *dscale)},
                                     {DNNL_ARG_DIFF_SHIFT, Memory(StatDesc(g), *doffset)}}));
  }

 private:
  const BatchNormAttrs attrs_;
  PrimitiveCache cache_;
};

REGISTER_KERNEL(KernelDefBuilder("FusedBatchNorm").Device(kDeviceCpu).TypeConstraint<float>("T"), FusedBatchNormOp);
REGISTER_KERNEL(
    KernelDefBuilder("FusedBatchNormV3").Device(kDeviceCpu).TypeConstraint<float>("T").TypeConstraint<float>("U"),
    FusedBatchNormOp);
REGISTER_KERNEL(KernelDefBuilder("FusedBatchNormGrad").Device(kDeviceCpu).TypeConstraint<float>("T"),
                FusedBatchNormGradOp);
REGISTER_KERNEL(
    KernelDefBuilder("FusedBatchNormGradV3").Device(kDeviceCpu).TypeConstraint<float>("T").TypeConstraint<float>("U"),
    FusedBatchNormGradOp);

}  // namespace
}  // namespace sluice
