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

}  // namespace
}  // namespace sluice
