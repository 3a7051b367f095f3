#include "ops/layers.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ops/array_ops.h"
#include "ops/math_ops.h"
#include "ops/nn_ops.h"
#include "ops/random_ops.h"
#include "ops/resource_variable_ops.h"
#include "ops/state_ops.h"

namespace sluice {
namespace layers {
namespace {

// TF1's DEFAULT_GRAPH_SEED, paired with an op seed as in ops/initializers.cc.
constexpr int64_t kDefaultGraphSeed = 87654321;

// x with each element kept with probability 1 - rate and scaled by 1 / (1 - rate)
// (tf.nn.dropout: keep where uniform >= rate).
Output DropoutTraining(const Scope& scope, const Output& x, float rate, int64_t seed) {
  Output noise = ops::RandomUniform(scope, ops::Shape(scope, x), x.dtype(),
                                    seed == 0 ? 0 : kDefaultGraphSeed, seed);
  Output keep = ops::Cast(scope, ops::GreaterEqual(scope, noise, rate), x.dtype());
  return ops::Mul(scope, ops::Mul(scope, x, 1.0 / (1.0 - rate)), keep);
}

bool ValidRate(const Scope& scope, float rate) {
  if (rate >= 0.0f && rate < 1.0f) return true;
  scope.UpdateStatus(errors::InvalidArgument("Dropout: rate must be in [0, 1), got ", rate));
  return false;
}

// Records "<layer> '<scope>': <why>" on the scope and returns an invalid Output.
Output Fail(const Scope& scope, const std::string& layer, const std::string& why) {
  scope.UpdateStatus(errors::InvalidArgument(layer, " layer '", scope.name_prefix(), "': ", why));
  return Output();
}

std::string Join(const std::vector<int>& v) { return absl::StrJoin(v, ","); }

// A 2-D layer's spatial attributes, checked and in TF's op form.
struct Spatial {
  bool nchw = false;
  int h_axis = 1, w_axis = 2, c_axis = 3;
  std::string padding;  // "SAME" or "VALID"
  std::string data_format;  // "NHWC" or "NCHW"

  // (height, width) in data_format order with 1s on batch and channel.
  std::vector<int> ImageDims(const std::vector<int>& hw) const {
    return nchw ? std::vector<int>{1, 1, hw[0], hw[1]} : std::vector<int>{1, hw[0], hw[1], 1};
  }
};

bool ReadSpatial(const Scope& scope, const std::string& layer, const std::string& padding,
                 const std::string& data_format, Spatial* out) {
  std::string p = absl::AsciiStrToUpper(padding);
  if (p != "SAME" && p != "VALID") {
    Fail(scope, layer, absl::StrCat("padding must be \"valid\" or \"same\", got \"", padding, "\""));
    return false;
  }
  out->padding = p;
  if (data_format == "channels_last") {
    out->nchw = false;
  } else if (data_format == "channels_first") {
    out->nchw = true;
    out->c_axis = 1;
    out->h_axis = 2;
    out->w_axis = 3;
  } else {
    Fail(scope, layer,
         absl::StrCat("data_format must be \"channels_last\" or \"channels_first\", got \"", data_format, "\""));
    return false;
  }
  out->data_format = out->nchw ? "NCHW" : "NHWC";
  return true;
}

// A size of one entry (both dims) or two, each positive, as (height, width).
bool ReadPair(const Scope& scope, const std::string& layer, const std::string& what, const std::vector<int>& v,
              std::vector<int>* out) {
  if ((v.size() == 1 || v.size() == 2) && v.front() > 0 && v.back() > 0) {
    *out = v.size() == 1 ? std::vector<int>{v[0], v[0]} : v;
    return true;
  }
  Fail(scope, layer, absl::StrCat(what, " must be 1 or 2 positive integers, got [", Join(v), "]"));
  return false;
}

// x as a rank-4 image with known channels.
bool ReadImage(const Scope& scope, const std::string& layer, const Output& x, const Spatial& sp) {
  const TensorShape& s = x.shape();
  if (s.rank() != 4 || s.dim(sp.c_axis) < 0) {
    Fail(scope, layer,
         absl::StrCat("the input must be a 4-D image batch (", sp.nchw ? "channels_first" : "channels_last",
                      ") with its channels known when building, got ", s.DebugString()));
    return false;
  }
  if (!IsFloatingType(x.dtype())) {
    Fail(scope, layer, absl::StrCat("the input must be floating point, got ", DataTypeString(x.dtype())));
    return false;
  }
  return true;
}

struct ConvSetup {
  Spatial sp;
  std::vector<int> kernel, strides, dilation;
};

bool ReadConv(const Scope& scope, const std::string& layer, const Output& x, int64_t filters,
              const std::vector<int>& kernel_size, const Conv2DOptions& o, ConvSetup* c) {
  if (!ReadSpatial(scope, layer, o.padding, o.data_format, &c->sp) ||
      !ReadPair(scope, layer, "kernel_size", kernel_size, &c->kernel) ||
      !ReadPair(scope, layer, "strides", o.strides, &c->strides) ||
      !ReadPair(scope, layer, "dilation_rate", o.dilation_rate, &c->dilation) || !ReadImage(scope, layer, x, c->sp)) {
    return false;
  }
  if (filters <= 0) {
    Fail(scope, layer, absl::StrCat("filters must be positive, got ", filters));
    return false;
  }
  if ((c->strides[0] > 1 || c->strides[1] > 1) && (c->dilation[0] > 1 || c->dilation[1] > 1)) {
    Fail(scope, layer,
         absl::StrCat("strides > 1 not supported in conjunction with dilation_rate > 1 (strides [", Join(c->strides),
                      "], dilation_rate [", Join(c->dilation), "])"));
    return false;
  }
  return true;
}

Output AddBiasAndActivate(const Scope& scope, Output out, int64_t filters, const Conv2DOptions& o, const Spatial& sp,
                          DataType dtype) {
  if (o.use_bias) {
    Variable bias = GetVariable(scope, "bias", TensorShape{filters}, dtype, o.bias_initializer, o.bias_regularizer);
    if (!bias.valid()) return Output();
    out = ops::BiasAdd(scope, out, bias, sp.data_format);
  }
  return o.activation ? o.activation(scope, out) : out;
}

Output Pooling(const Scope& scope, const std::string& layer, const std::string& op, const Input& x,
               const std::vector<int>& pool_size, const std::vector<int>& strides, const std::string& padding,
               const std::string& data_format) {
  if (!scope.ok()) return Output();
  Output in = x.ToOutput(scope);
  if (!in.valid()) return Output();
  Spatial sp;
  std::vector<int> pool, stride;
  if (!ReadSpatial(scope, layer, padding, data_format, &sp) || !ReadPair(scope, layer, "pool_size", pool_size, &pool) ||
      !ReadPair(scope, layer, "strides", strides.empty() ? pool_size : strides, &stride) ||
      !ReadImage(scope, layer, in, sp)) {
    return Output();
  }
  if (op == "MaxPool") {
    return ops::MaxPool(scope, in, sp.ImageDims(pool), sp.ImageDims(stride), sp.padding, sp.data_format);
  }
  return ops::AvgPool(scope, in, sp.ImageDims(pool), sp.ImageDims(stride), sp.padding, sp.data_format);
}

// Element `i` of x's runtime shape, an int32 scalar.
Output DimOf(const Scope& scope, const Output& shape, int i) {
  ops::StridedSliceAttrs attrs;
  attrs.shrink_axis_mask = 1;
  return ops::StridedSlice(scope, shape, Input({i}), Input({i + 1}), Input({1}), attrs);
}

}  // namespace

Output Dense(const Scope& scope, const Input& x, int64_t units, Activation activation,
             const Initializer& kernel_init, const Initializer& bias_init, const Regularizer& kernel_regularizer) {
  if (!scope.ok()) return Output();
  Output in = x.ToOutput(scope);
  if (!in.valid()) return Output();
  const TensorShape& shape = in.shape();
  if (shape.rank() != 2 || shape.dim(1) < 0) {
    return Fail(scope, "Dense",
                absl::StrCat("the input must have shape [batch, features] with features known when building, got ",
                             shape.DebugString()));
  }
  if (units <= 0) return Fail(scope, "Dense", absl::StrCat("units must be positive, got ", units));
  Variable kernel = GetVariable(scope, "kernel", TensorShape{shape.dim(1), units}, in.dtype(), kernel_init,
                           kernel_regularizer);
  if (!kernel.valid()) return Output();
  Variable bias = GetVariable(scope, "bias", TensorShape{units}, in.dtype(), bias_init, nullptr);
  if (!bias.valid()) return Output();
  Output out = ops::BiasAdd(scope, ops::MatMul(scope, in, kernel), bias);
  return activation ? activation(scope, out) : out;
}

Output Dropout(const Scope& scope, const Input& x, float rate, bool training, int64_t seed) {
  if (!scope.ok() || !ValidRate(scope, rate)) return Output();
  Output in = x.ToOutput(scope);
  if (!in.valid() || !training || rate == 0.0f) return in;
  return DropoutTraining(scope, in, rate, seed);
}

Output Dropout(const Scope& scope, const Input& x, float rate, const Output& training, int64_t seed) {
  if (!scope.ok() || !ValidRate(scope, rate)) return Output();
  Output in = x.ToOutput(scope);
  if (!in.valid() || !training.valid() || rate == 0.0f) return in;
  return ops::SelectV2(scope, training, DropoutTraining(scope, in, rate, seed), in);
}

Output ActivationLayer(const Scope& scope, const Input& x, const Activation& activation) {
  if (!scope.ok()) return Output();
  if (!activation) return Fail(scope, "Activation", "the activation function is null");
  return activation(scope, x);
}

Output Conv2D(const Scope& scope, const Input& x, int64_t filters, const std::vector<int>& kernel_size,
              const Conv2DOptions& o) {
  if (!scope.ok()) return Output();
  Output in = x.ToOutput(scope);
  if (!in.valid()) return Output();
  ConvSetup c;
  if (!ReadConv(scope, "Conv2D", in, filters, kernel_size, o, &c)) return Output();
  const int64_t channels = in.shape().dim(c.sp.c_axis);
  Variable kernel = GetVariable(scope, "kernel", TensorShape{c.kernel[0], c.kernel[1], channels, filters}, in.dtype(),
                           o.kernel_initializer, o.kernel_regularizer);
  if (!kernel.valid()) return Output();
  ops::Conv2DOptions conv;
  conv.data_format = c.sp.data_format;
  conv.dilations = c.sp.ImageDims(c.dilation);
  Output out = ops::Conv2D(scope, in, kernel, c.sp.ImageDims(c.strides), c.sp.padding, conv);
  return AddBiasAndActivate(scope, out, filters, o, c.sp, in.dtype());
}

Output Conv2DTranspose(const Scope& scope, const Input& x, int64_t filters, const std::vector<int>& kernel_size,
                       const Conv2DOptions& o) {
  if (!scope.ok()) return Output();
  Output in = x.ToOutput(scope);
  if (!in.valid()) return Output();
  ConvSetup c;
  if (!ReadConv(scope, "Conv2DTranspose", in, filters, kernel_size, o, &c)) return Output();
  const TensorShape& s = in.shape();
  const int64_t channels = s.dim(c.sp.c_axis);
  Variable kernel = GetVariable(scope, "kernel", TensorShape{c.kernel[0], c.kernel[1], filters, channels}, in.dtype(),
                           o.kernel_initializer, o.kernel_regularizer);
  if (!kernel.valid()) return Output();
  // Keras' deconv_output_length without output_padding, per spatial dim: a known size becomes a
  // constant, an unknown one (the batch, or a spatial dim) is computed from x's runtime shape.
  Output shape = ops::Shape(scope, in);
  auto out_dim = [&](int axis, int d) -> Output {
    const int64_t k = c.kernel[d] + (c.kernel[d] - 1) * (c.dilation[d] - 1);
    const int64_t stride = c.strides[d];
    const int64_t extra = c.sp.padding == "VALID" ? std::max<int64_t>(k - stride, 0) : 0;
    if (s.dim(axis) >= 0) return ops::Const(scope, static_cast<int32_t>(s.dim(axis) * stride + extra));
    Output length = ops::Mul(scope, DimOf(scope, shape, axis), static_cast<int>(stride));
    return extra == 0 ? length : ops::Add(scope, length, static_cast<int>(extra));
  };
  std::vector<Output> dims(4);
  dims[0] = s.dim(0) >= 0 ? ops::Const(scope, static_cast<int32_t>(s.dim(0))) : DimOf(scope, shape, 0);
  dims[c.sp.c_axis] = ops::Const(scope, static_cast<int32_t>(filters));
  dims[c.sp.h_axis] = out_dim(c.sp.h_axis, 0);
  dims[c.sp.w_axis] = out_dim(c.sp.w_axis, 1);
  Output output_shape = ops::Pack(scope, dims);
  ops::Conv2DOptions conv;
  conv.data_format = c.sp.data_format;
  conv.dilations = c.sp.ImageDims(c.dilation);
  Output out = ops::Conv2DBackpropInput(scope.WithOpName("conv2d_transpose"), output_shape, kernel, in,
                                        c.sp.ImageDims(c.strides), c.sp.padding, conv);
  return AddBiasAndActivate(scope, out, filters, o, c.sp, in.dtype());
}

Output MaxPooling2D(const Scope& scope, const Input& x, const std::vector<int>& pool_size,
                    const std::vector<int>& strides, const std::string& padding, const std::string& data_format) {
  return Pooling(scope, "MaxPooling2D", "MaxPool", x, pool_size, strides, padding, data_format);
}

Output AveragePooling2D(const Scope& scope, const Input& x, const std::vector<int>& pool_size,
                        const std::vector<int>& strides, const std::string& padding, const std::string& data_format) {
  return Pooling(scope, "AveragePooling2D", "AvgPool", x, pool_size, strides, padding, data_format);
}

Output Flatten(const Scope& scope, const Input& x, const std::string& data_format) {
  if (!scope.ok()) return Output();
  Output in = x.ToOutput(scope);
  if (!in.valid()) return Output();
  if (data_format != "channels_last" && data_format != "channels_first") {
    return Fail(scope, "Flatten",
                absl::StrCat("data_format must be \"channels_last\" or \"channels_first\", got \"", data_format, "\""));
  }
  TensorShape s = in.shape();
  if (s.unknown_rank()) return Fail(scope, "Flatten", "the input's rank must be known when building");
  if (s.rank() == 0) return Fail(scope, "Flatten", "the input must have a batch dimension, got a scalar");
  if (s.rank() == 1) return ops::ExpandDims(scope, in, 1);
  if (data_format == "channels_first" && s.rank() > 2) {
    std::vector<int> perm = {0};
    for (int i = 2; i < s.rank(); ++i) perm.push_back(i);
    perm.push_back(1);
    in = ops::Transpose(scope, in, Tensor::FromVector(perm));
    s = in.shape();
  }
  bool rest_known = true;
  int64_t rest = 1;
  for (int i = 1; i < s.rank(); ++i) {
    if (s.dim(i) < 0) rest_known = false;
    else rest *= s.dim(i);
  }
  Output flat_shape;
  if (rest_known) {
    flat_shape = ops::Const(scope, Tensor::FromVector(std::vector<int32_t>{-1, static_cast<int32_t>(rest)}));
  } else if (s.dim(0) >= 0) {
    flat_shape = ops::Const(scope, Tensor::FromVector(std::vector<int32_t>{static_cast<int32_t>(s.dim(0)), -1}));
  } else {
    flat_shape = ops::Pack(scope, {DimOf(scope, ops::Shape(scope, in), 0), ops::Const(scope, -1)});
  }
  return ops::Reshape(scope, in, flat_shape);
}

namespace {

// The shared body of both BatchNormalization overloads: `training` is a constant when
// `training_tensor` is invalid.
Output BatchNorm(const Scope& scope, const Input& x, bool training, const Output& training_tensor,
                 const BatchNormalizationOptions& o) {
  if (!scope.ok()) return Output();
  Output in = x.ToOutput(scope);
  if (!in.valid()) return Output();
  const TensorShape& s = in.shape();
  const DataType dtype = in.dtype();
  if (dtype != DT_FLOAT && dtype != DT_DOUBLE) {
    return Fail(scope, "BatchNormalization", "the input must be float or double, got " + DataTypeString(dtype));
  }
  if (s.unknown_rank() || s.rank() < 1) {
    return Fail(scope, "BatchNormalization", "the input's rank must be known and at least 1, got " + s.DebugString());
  }
  const int rank = s.rank();
  const int axis = o.axis < 0 ? o.axis + rank : o.axis;
  if (axis < 0 || axis >= rank) {
    return Fail(scope, "BatchNormalization",
                absl::StrCat("axis ", o.axis, " is out of range for the input of shape ", s.DebugString()));
  }
  if (s.dim(axis) < 0) {
    return Fail(scope, "BatchNormalization",
                absl::StrCat("the dimension of axis ", o.axis, " must be known when building, got ", s.DebugString()));
  }
  if (!(o.epsilon > 0.0) || !(o.momentum >= 0.0 && o.momentum <= 1.0)) {
    return Fail(scope, "BatchNormalization",
                absl::StrCat("epsilon must be positive and momentum in [0, 1], got epsilon ", o.epsilon,
                             ", momentum ", o.momentum));
  }
  if (training_tensor.valid() && (training_tensor.dtype() != DT_BOOL || training_tensor.shape().rank() > 0)) {
    return Fail(scope, "BatchNormalization",
                "training must be a bool scalar, got " + DataTypeString(training_tensor.dtype()) + " " +
                    training_tensor.shape().DebugString());
  }
  const int64_t channels = s.dim(axis);
  const TensorShape param_shape{channels};
  Variable gamma, beta;
  if (o.scale) {
    gamma = GetVariable(scope, "gamma", param_shape, dtype, o.gamma_initializer, o.gamma_regularizer);
    if (!gamma.valid()) return Output();
  }
  if (o.center) {
    beta = GetVariable(scope, "beta", param_shape, dtype, o.beta_initializer, o.beta_regularizer);
    if (!beta.valid()) return Output();
  }
  Variable moving_mean = GetVariable(scope, "moving_mean", param_shape, dtype, o.moving_mean_initializer, nullptr, false);
  if (!moving_mean.valid()) return Output();
  Variable moving_variance =
      GetVariable(scope, "moving_variance", param_shape, dtype, o.moving_variance_initializer, nullptr, false);
  if (!moving_variance.valid()) return Output();

  // Parameters broadcast against x: [C] already does when the channel axis is the last one.
  std::vector<int32_t> broadcast_shape(rank, 1);
  broadcast_shape[axis] = static_cast<int32_t>(channels);
  auto broadcast = [&](const Output& v) -> Output {
    if (axis == rank - 1) return v;
    return ops::Reshape(scope, v, Tensor::FromVector(broadcast_shape));
  };

  Output mean = moving_mean.value(), variance = moving_variance.value();
  std::vector<Operation> updates;
  if (training_tensor.valid() || training) {
    // nn.moments: the batch mean and variance over all axes but the channel one.
    Scope m = scope.NewSubScope("moments");
    std::vector<int32_t> reduction;
    for (int i = 0; i < rank; ++i) {
      if (i != axis) reduction.push_back(i);
    }
    Output axes = ops::Const(m.WithOpName("reduction_indices"), Tensor::FromVector(reduction));
    Output batch_mean = ops::Mean(m.WithOpName("mean"), in, axes, /*keep_dims=*/true);
    Output sq = ops::SquaredDifference(m, in, ops::StopGradient(m, batch_mean));
    Output batch_variance = ops::Mean(m.WithOpName("variance"), sq, axes, /*keep_dims=*/true);
    batch_mean = ops::Squeeze(m, batch_mean, std::vector<int64_t>(reduction.begin(), reduction.end()));
    batch_variance = ops::Squeeze(m, batch_variance, std::vector<int64_t>(reduction.begin(), reduction.end()));
    if (training_tensor.valid()) {
      mean = ops::SelectV2(scope, training_tensor, batch_mean, mean);
      variance = ops::SelectV2(scope, training_tensor, batch_variance, variance);
    } else {
      mean = batch_mean;
      variance = batch_variance;
    }
    // _assign_moving_average: moving -= (moving - value) * (1 - momentum), nothing for an empty
    // batch.
    Output nonempty = ops::Greater(scope, ops::Size(scope, in), 0);
    auto update = [&](const Variable& moving, const Output& value) -> Operation {
      internal::NameScope names = internal::MakeNameScope(scope, "AssignMovingAvg");
      const Scope& u = names.helpers;
      // As TF: the decay is a float32 constant, cast to the variable's dtype.
      Output decay = ops::Const(u.WithOpName("decay"), Tensor::Scalar<float>(static_cast<float>(1.0 - o.momentum)));
      if (dtype != DT_FLOAT) decay = ops::Cast(u, decay, dtype);
      Output delta = ops::Mul(u.WithOpName("mul"), ops::Sub(u.WithOpName("sub"), moving.value(), value), decay);
      delta = ops::SelectV2(u, nonempty, delta, ops::ZerosLike(u, delta));
      if (moving.is_resource()) return ops::AssignSubVariableOp(names.op, moving.handle(), delta);
      return ops::AssignSub(names.op, moving.ref(), delta).op();
    };
    updates.push_back(update(moving_mean, mean));
    updates.push_back(update(moving_variance, variance));
  }
  if (!scope.ok()) return Output();
  // Tensor names, as TF's MetaGraphDef lists them; an AssignSubVariableOp has no output.
  for (const Operation& u : updates) {
    scope.AddToCollection(kUpdateOpsCollection, u.num_outputs() > 0 ? u.output(0).name() : u.name());
  }

  // nn.batch_normalization: x * inv + (beta - mean * inv), inv = rsqrt(variance + eps) * gamma,
  // with TF's node names.
  Scope b = scope.NewSubScope("batchnorm");
  Output eps = dtype == DT_DOUBLE ? ops::Const(b, Tensor::Scalar<double>(o.epsilon))
                                  : ops::Const(b, Tensor::Scalar<float>(static_cast<float>(o.epsilon)));
  Output inv = ops::Rsqrt(b.WithOpName("Rsqrt"), ops::Add(b.WithOpName("add"), broadcast(variance), eps));
  if (o.scale) inv = ops::Mul(b.WithOpName("mul"), inv, broadcast(gamma.value()));
  Output scaled = ops::Mul(b.WithOpName("mul_1"), in, inv);
  Output shifted = ops::Mul(b.WithOpName("mul_2"), broadcast(mean), inv);
  Output offset = o.center ? ops::Sub(b.WithOpName("sub"), broadcast(beta.value()), shifted)
                           : ops::Neg(b.WithOpName("Neg"), shifted);
  return ops::Add(b.WithOpName("add_1"), scaled, offset);
}

}  // namespace

Output BatchNormalization(const Scope& scope, const Input& x, bool training, const BatchNormalizationOptions& options) {
  return BatchNorm(scope, x, training, Output(), options);
}

Output BatchNormalization(const Scope& scope, const Input& x, const Output& training,
                          const BatchNormalizationOptions& options) {
  if (!scope.ok()) return Output();
  if (!training.valid()) return Fail(scope, "BatchNormalization", "the training tensor is invalid");
  return BatchNorm(scope, x, false, training, options);
}

std::vector<Operation> UpdateOps(const Scope& scope) {
  std::vector<Operation> ops;
  for (const std::string& name : scope.GetCollection(kUpdateOpsCollection)) {
    // A tensor name "node:index" or a node name.
    std::string node_name = name;
    size_t colon = name.rfind(':');
    int index = 0;
    if (colon != std::string::npos && absl::SimpleAtoi(name.substr(colon + 1), &index)) {
      node_name = name.substr(0, colon);
    }
    Node* node = scope.graph()->FindNode(node_name);
    if (node == nullptr) {
      scope.UpdateStatus(errors::InvalidArgument("UpdateOps: '", errors::Echo(name), "' of collection '",
                                                 kUpdateOpsCollection, "' names no node of the graph"));
      return {};
    }
    ops.emplace_back(node, scope.data());
  }
  return ops;
}

Sequential& Sequential::Add(const std::string& base_name, LayerFn layer) {
  layers_.emplace_back(base_name, std::move(layer));
  return *this;
}

Output Sequential::Apply(const Scope& scope, const Input& x) {
  if (!scope.ok()) return Output();
  Output out = x.ToOutput(scope);
  const size_t built = layer_scopes_.size();
  for (size_t i = 0; i < layers_.size() && out.valid(); ++i) {
    const auto& [base_name, layer] = layers_[i];
    if (!layer) return Fail(scope, "Sequential", absl::StrCat("layer ", i, " ('", base_name, "') is null"));
    // A layer added since the last Apply is created; the others are reused.
    const bool create = i >= layer_scopes_.size();
    Scope s = create ? UniqueVariableScope(scope, base_name)
                     : ReenterVariableScope(scope, layer_scopes_[i], VariableReuse::kReuse);
    if (create) layer_scopes_.push_back(VariableScopeName(s));
    out = layer(s, out);
  }
  if (!scope.ok()) {
    layer_scopes_.resize(built);
    return Output();
  }
  return out;
}

}  // namespace layers
}  // namespace sluice
