// nn ops: op schemas and shape functions (the client builders and gradients are in ops/nn_ops.cc).
#include "core/op_registry.h"
#include "core/type_lists.h"

namespace sluice {
namespace {

const std::string kFloatTypes = FloatTypes::Attr("T");

// ---- Shape functions -------------------------------------------------------------------------

StatusOr<int> ChannelDim(InferenceContext* c, int rank) {
  std::string format;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("data_format", &format));
  return format == "NCHW" ? 1 : rank - 1;
}

Status BiasAddShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape value, c->WithRankAtLeast(0, 2));
  SLUICE_ASSIGN_OR_RETURN(TensorShape bias, c->WithRank(1, 1));
  if (value.unknown_rank()) {
    c->set_output(0, value);
    return absl::OkStatus();
  }
  SLUICE_ASSIGN_OR_RETURN(int channel, ChannelDim(c, value.rank()));
  int64_t vc = value.dim(channel), bc = bias.dim(0);
  if (vc >= 0 && bc >= 0 && vc != bc) {
    return errors::InvalidArgument("bias of shape ", bias.DebugString(),
                                   " must match the channel dimension (", channel,
                                   ") of value of shape ", value.DebugString());
  }
  if (vc < 0) value.set_dim(channel, bc);
  c->set_output(0, value);
  return absl::OkStatus();
}

Status BiasAddGradShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape in, c->WithRankAtLeast(0, 2));
  if (in.unknown_rank()) {
    c->set_output(0, TensorShape::UnknownDims(1));
    return absl::OkStatus();
  }
  SLUICE_ASSIGN_OR_RETURN(int channel, ChannelDim(c, in.rank()));
  c->set_output(0, TensorShape{in.dim(channel)});
  return absl::OkStatus();
}

// For (gradients, features)-style ops: both inputs have one shape, which the output has.
Status MergedBinaryShape(InferenceContext* c) {
  auto merged = c->input(0).Merge(c->input(1));
  if (!merged.ok()) {
    return errors::InvalidArgument("the two inputs must have the same shape, got ",
                                   c->input(0).DebugString(), " and ", c->input(1).DebugString());
  }
  c->set_output(0, *merged);
  return absl::OkStatus();
}

Status SoftmaxShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape s, c->WithRankAtLeast(0, 1));
  c->set_output(0, s);
  return absl::OkStatus();
}

Status SoftmaxXentShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape features, c->WithRank(0, 2));
  SLUICE_ASSIGN_OR_RETURN(TensorShape labels, c->WithRank(1, 2));
  auto merged = features.Merge(labels);
  if (!merged.ok()) {
    return errors::InvalidArgument("logits and labels must have the same shape, got logits shape ",
                                   features.DebugString(), " and labels shape ",
                                   labels.DebugString());
  }
  c->set_output(0, TensorShape{merged->dim(0)});
  c->set_output(1, *merged);
  return absl::OkStatus();
}

Status SparseSoftmaxXentShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape features, c->WithRank(0, 2));
  SLUICE_ASSIGN_OR_RETURN(TensorShape labels, c->WithRank(1, 1));
  int64_t fb = features.dim(0), lb = labels.dim(0);
  if (fb >= 0 && lb >= 0 && fb != lb) {
    return errors::InvalidArgument("logits and labels must have the same first dimension, got logits shape ",
                                   features.DebugString(), " and labels shape ",
                                   labels.DebugString());
  }
  if (fb < 0) features.set_dim(0, lb);
  c->set_output(0, TensorShape{features.dim(0)});
  c->set_output(1, features);
  return absl::OkStatus();
}

// ---- Schemas ---------------------------------------------------------------------------------

REGISTER_OP("BiasAdd")
    .Input("value: T")
    .Input("bias: T")
    .Output("output: T")
    .Attr(kFloatTypes)
    .Attr("data_format: {'NHWC', 'NCHW'} = 'NHWC'")
    .SetShapeFn(BiasAddShape);

REGISTER_OP("BiasAddGrad")
    .Input("out_backprop: T")
    .Output("output: T")
    .Attr(kFloatTypes)
    .Attr("data_format: {'NHWC', 'NCHW'} = 'NHWC'")
    .SetShapeFn(BiasAddGradShape);

REGISTER_OP("Relu").Input("features: T").Output("activations: T").Attr(kFloatTypes)
    .SetShapeFn(shape_fn::UnchangedShape);
REGISTER_OP("ReluGrad").Input("gradients: T").Input("features: T").Output("backprops: T")
    .Attr(kFloatTypes).SetShapeFn(MergedBinaryShape);
REGISTER_OP("Relu6").Input("features: T").Output("activations: T").Attr(kFloatTypes)
    .SetShapeFn(shape_fn::UnchangedShape);
REGISTER_OP("Relu6Grad").Input("gradients: T").Input("features: T").Output("backprops: T")
    .Attr(kFloatTypes).SetShapeFn(MergedBinaryShape);
REGISTER_OP("Elu").Input("features: T").Output("activations: T").Attr(kFloatTypes)
    .SetShapeFn(shape_fn::UnchangedShape);
REGISTER_OP("EluGrad").Input("gradients: T").Input("outputs: T").Output("backprops: T")
    .Attr(kFloatTypes).SetShapeFn(MergedBinaryShape);
REGISTER_OP("Softplus").Input("features: T").Output("activations: T").Attr(kFloatTypes)
    .SetShapeFn(shape_fn::UnchangedShape);
REGISTER_OP("SoftplusGrad").Input("gradients: T").Input("features: T").Output("backprops: T")
    .Attr(kFloatTypes).SetShapeFn(MergedBinaryShape);
REGISTER_OP("LeakyRelu").Input("features: T").Output("activations: T")
    .Attr("alpha: float = 0.2").Attr(kFloatTypes + " = DT_FLOAT")
    .SetShapeFn(shape_fn::UnchangedShape);
REGISTER_OP("LeakyReluGrad").Input("gradients: T").Input("features: T").Output("backprops: T")
    .Attr("alpha: float = 0.2").Attr(kFloatTypes + " = DT_FLOAT")
    .SetShapeFn(MergedBinaryShape);

REGISTER_OP("Softmax").Input("logits: T").Output("softmax: T").Attr(kFloatTypes)
    .SetShapeFn(SoftmaxShape);
REGISTER_OP("LogSoftmax").Input("logits: T").Output("logsoftmax: T").Attr(kFloatTypes)
    .SetShapeFn(SoftmaxShape);

REGISTER_OP("SoftmaxCrossEntropyWithLogits")
    .Input("features: T")
    .Input("labels: T")
    .Output("loss: T")
    .Output("backprop: T")
    .Attr(kFloatTypes)
    .SetShapeFn(SoftmaxXentShape);

REGISTER_OP("SparseSoftmaxCrossEntropyWithLogits")
    .Input("features: T")
    .Input("labels: Tlabels")
    .Output("loss: T")
    .Output("backprop: T")
    .Attr(kFloatTypes)
    .Attr("Tlabels: {int32, int64} = DT_INT64")
    .SetShapeFn(SparseSoftmaxXentShape);

REGISTER_OP("L2Loss").Input("t: T").Output("output: T").Attr(kFloatTypes)
    .SetShapeFn(shape_fn::ScalarShape);

// ---- InTopK, InTopKV2 ------------------------------------------------------------------------

// predictions [batch, classes], targets [batch] (and for V2 a scalar k): a bool [batch].
Status InTopKShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape predictions, c->WithRank(0, 2));
  SLUICE_ASSIGN_OR_RETURN(TensorShape targets, c->WithRank(1, 1));
  if (c->num_inputs() > 2 && c->input(2).rank() > 0) {
    return errors::InvalidArgument("k must be a scalar, got shape ", c->input(2).DebugString());
  }
  const int64_t p = predictions.dim(0), t = targets.dim(0);
  if (p >= 0 && t >= 0 && p != t) {
    return errors::InvalidArgument("predictions of shape ", predictions.DebugString(),
                                   " and targets of shape ", targets.DebugString(),
                                   " must have the same batch size");
  }
  c->set_output(0, TensorShape{p >= 0 ? p : t});
  return absl::OkStatus();
}

REGISTER_OP("InTopK")
    .Input("predictions: float")
    .Input("targets: T")
    .Output("precision: bool")
    .Attr("k: int")
    .Attr("T: {int32, int64} = DT_INT32")
    .Doc("Whether targets[i] is among the k largest predictions[i] (ties count for the target).")
    .SetShapeFn(InTopKShape);

REGISTER_OP("InTopKV2")
    .Input("predictions: float")
    .Input("targets: T")
    .Input("k: T")
    .Output("precision: bool")
    .Attr("T: {int32, int64} = DT_INT32")
    .Doc("Whether targets[i] is among the k largest predictions[i] (ties count for the target).")
    .SetShapeFn(InTopKShape);

// ---- Selu, Softsign --------------------------------------------------------------------------

REGISTER_OP("Selu").Input("features: T").Output("activations: T").Attr(kFloatTypes)
    .SetShapeFn(shape_fn::UnchangedShape);
REGISTER_OP("SeluGrad").Input("gradients: T").Input("outputs: T").Output("backprops: T")
    .Attr(kFloatTypes).SetShapeFn(MergedBinaryShape);
REGISTER_OP("Softsign").Input("features: T").Output("activations: T").Attr(kFloatTypes)
    .SetShapeFn(shape_fn::UnchangedShape);
REGISTER_OP("SoftsignGrad").Input("gradients: T").Input("features: T").Output("backprops: T")
    .Attr(kFloatTypes).SetShapeFn(MergedBinaryShape);


// ---- FusedBatchNorm, FusedBatchNormV3 and their gradients --------------------------------------

// The channel dim of a 4-D image in the node's data_format.
StatusOr<int> ImageChannelDim(InferenceContext* c) {
  std::string format;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("data_format", &format));
  return format == "NCHW" ? 1 : 3;
}

// Merges the length of the 1-D input `i` (named `what`) into *channels.
Status MergeChannelVector(InferenceContext* c, int i, const char* what, int64_t* channels) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape v, c->WithRank(i, 1));
  const int64_t n = v.dim(0);
  if (n >= 0 && *channels >= 0 && n != *channels) {
    return errors::InvalidArgument(what, " of shape ", v.DebugString(), " must have one entry per channel (",
                                   *channels, ")");
  }
  if (*channels < 0) *channels = n;
  return absl::OkStatus();
}

// As TF's FusedBatchNormShape: x is 4-D; scale and offset (and mean and variance, unless they
// are unused: training with exponential_avg_factor 1, where TF passes empty ones) have one
// entry per channel; y is x's shape, outputs 1-4 vectors of that length, V3's output 5 unknown.
Status FusedBatchNormShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape x, c->WithRank(0, 4));
  SLUICE_ASSIGN_OR_RETURN(int channel_dim, ImageChannelDim(c));
  bool is_training = true;
  float factor = 1.0f;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("is_training", &is_training));
  SLUICE_RETURN_IF_ERROR(c->GetAttr("exponential_avg_factor", &factor));
  int64_t channels = x.dim(channel_dim);
  const char* names[] = {"", "scale", "offset", "mean", "variance"};
  const int vectors = is_training && factor == 1.0f ? 3 : 5;
  for (int i = 1; i < vectors; ++i) SLUICE_RETURN_IF_ERROR(MergeChannelVector(c, i, names[i], &channels));
  x.set_dim(channel_dim, channels);
  c->set_output(0, x);
  for (int i = 1; i < 5; ++i) c->set_output(i, TensorShape{channels});
  if (c->num_outputs() > 5) c->set_output(5, TensorShape::UnknownRank());
  return absl::OkStatus();
}

// As TF's FusedBatchNormGradShape: y_backprop and x of one 4-D shape, scale and both reserve
// spaces with one entry per channel; x_backprop like x, scale and offset backprops per channel,
// reserve_space_4 and 5 empty vectors.
Status FusedBatchNormGradShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape dy, c->WithRank(0, 4));
  SLUICE_ASSIGN_OR_RETURN(TensorShape x, c->WithRank(1, 4));
  auto merged = dy.Merge(x);
  if (!merged.ok()) {
    return errors::InvalidArgument("y_backprop of shape ", dy.DebugString(), " and x of shape ", x.DebugString(),
                                   " must have the same shape");
  }
  SLUICE_ASSIGN_OR_RETURN(int channel_dim, ImageChannelDim(c));
  int64_t channels = merged->dim(channel_dim);
  const char* names[] = {"", "", "scale", "reserve_space_1", "reserve_space_2"};
  for (int i = 2; i < 5; ++i) SLUICE_RETURN_IF_ERROR(MergeChannelVector(c, i, names[i], &channels));
  merged->set_dim(channel_dim, channels);
  c->set_output(0, *merged);
  c->set_output(1, TensorShape{channels});
  c->set_output(2, TensorShape{channels});
  c->set_output(3, TensorShape{0});
  c->set_output(4, TensorShape{0});
  return absl::OkStatus();
}

// TF's types are {half, bfloat16, float}; sluice's tensors hold float of those.
constexpr char kBatchNormT[] = "T: {float}";
constexpr char kBatchNormU[] = "U: {float}";
constexpr char kEpsilon[] = "epsilon: float = 0.0001";
constexpr char kImageDataFormat[] = "data_format: {'NHWC', 'NCHW'} = 'NHWC'";

REGISTER_OP("FusedBatchNorm")
    .Input("x: T")
    .Input("scale: T")
    .Input("offset: T")
    .Input("mean: T")
    .Input("variance: T")
    .Output("y: T")
    .Output("batch_mean: T")
    .Output("batch_variance: T")
    .Output("reserve_space_1: T")
    .Output("reserve_space_2: T")
    .Attr(kBatchNormT)
    .Attr(kEpsilon)
    .Attr("exponential_avg_factor: float = 1.0")
    .Attr(kImageDataFormat)
    .Attr("is_training: bool = true")
    .Doc("Batch normalization of a 4-D image batch per channel, with batch or given statistics.")
    .SetShapeFn(FusedBatchNormShape);

REGISTER_OP("FusedBatchNormV3")
    .Input("x: T")
    .Input("scale: U")
    .Input("offset: U")
    .Input("mean: U")
    .Input("variance: U")
    .Output("y: T")
    .Output("batch_mean: U")
    .Output("batch_variance: U")
    .Output("reserve_space_1: U")
    .Output("reserve_space_2: U")
    .Output("reserve_space_3: U")
    .Attr(kBatchNormT)
    .Attr(kBatchNormU)
    .Attr(kEpsilon)
    .Attr("exponential_avg_factor: float = 1.0")
    .Attr(kImageDataFormat)
    .Attr("is_training: bool = true")
    .Doc("FusedBatchNorm with statistics of type U and a third reserve space.")
    .SetShapeFn(FusedBatchNormShape);

REGISTER_OP("FusedBatchNormGrad")
    .Input("y_backprop: T")
    .Input("x: T")
    .Input("scale: T")
    .Input("reserve_space_1: T")
    .Input("reserve_space_2: T")
    .Output("x_backprop: T")
    .Output("scale_backprop: T")
    .Output("offset_backprop: T")
    .Output("reserve_space_3: T")
    .Output("reserve_space_4: T")
    .Attr(kBatchNormT)
    .Attr(kEpsilon)
    .Attr(kImageDataFormat)
    .Attr("is_training: bool = true")
    .Doc("FusedBatchNorm's gradients with respect to x, scale and offset.")
    .SetShapeFn(FusedBatchNormGradShape);

REGISTER_OP("FusedBatchNormGradV3")
    .Input("y_backprop: T")
    .Input("x: T")
    .Input("scale: float")
    .Input("reserve_space_1: U")
    .Input("reserve_space_2: U")
    .Input("reserve_space_3: U")
    .Output("x_backprop: T")
    .Output("scale_backprop: U")
    .Output("offset_backprop: U")
    .Output("reserve_space_4: U")
    .Output("reserve_space_5: U")
    .Attr(kBatchNormT)
    .Attr(kBatchNormU)
    .Attr(kEpsilon)
    .Attr(kImageDataFormat)
    .Attr("is_training: bool = true")
    .Doc("FusedBatchNormV3's gradients with respect to x, scale and offset.")
    .SetShapeFn(FusedBatchNormGradShape);

// ---- LRN, LRNGrad ----------------------------------------------------------------------------

Status LRNShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape in, c->WithRank(0, 4));
  c->set_output(0, in);
  return absl::OkStatus();
}

// input_grads, input_image and output_image: one 4-D shape, which the output has.
Status LRNGradShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape s, c->WithRank(0, 4));
  for (int i = 1; i < 3; ++i) {
    SLUICE_ASSIGN_OR_RETURN(TensorShape other, c->WithRank(i, 4));
    auto merged = s.Merge(other);
    if (!merged.ok()) {
      return errors::InvalidArgument("input_grads, input_image and output_image must have the same shape, got ",
                                     c->input(0).DebugString(), ", ", c->input(1).DebugString(), " and ",
                                     c->input(2).DebugString());
    }
    s = *merged;
  }
  c->set_output(0, s);
  return absl::OkStatus();
}

REGISTER_OP("LRN")
    .Input("input: T")
    .Output("output: T")
    .Attr("depth_radius: int = 5")
    .Attr("bias: float = 1.0")
    .Attr("alpha: float = 1.0")
    .Attr("beta: float = 0.5")
    .Attr("T: {float} = DT_FLOAT")
    .Doc("Local response normalization across the last dim of a 4-D tensor.")
    .SetShapeFn(LRNShape);

REGISTER_OP("LRNGrad")
    .Input("input_grads: T")
    .Input("input_image: T")
    .Input("output_image: T")
    .Output("output: T")
    .Attr("depth_radius: int = 5")
    .Attr("bias: float = 1.0")
    .Attr("alpha: float = 1.0")
    .Attr("beta: float = 0.5")
    .Attr("T: {float} = DT_FLOAT")
    .Doc("LRN's gradient with respect to its input.")
    .SetShapeFn(LRNGradShape);

}  // namespace
}  // namespace sluice
