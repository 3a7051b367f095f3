// NN op schemas, shape functions, gradients (TF1 nn_grad.py) and client builders.
#include "ops/nn_ops.h"

#include "core/op_registry.h"
#include "ops/array_ops.h"
#include "ops/gradients.h"
#include "ops/math_ops.h"

namespace sluice {
namespace {

// ---- Gradients -------------------------------------------------------------------------------

std::string DataFormat(const Operation& op) {
  std::string format = "NHWC";
  GetAttr(op.node()->def().attr(), "data_format", &format).IgnoreError();
  return format;
}

float Alpha(const Operation& op) {
  float alpha = 0.2f;
  GetAttr(op.node()->def().attr(), "alpha", &alpha).IgnoreError();
  return alpha;
}

// dy broadcast along a new last axis: each row of a [batch, classes] tensor scaled by dy[row].
Output ScaleRows(const Scope& s, const Output& rows, const Output& dy) {
  return ops::Mul(s, rows, ops::ExpandDims(s, dy, -1));
}

Status BiasAddGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                   std::vector<Output>* dx) {
  dx->push_back(dy[0]);
  dx->push_back(ops::BiasAddGrad(s, dy[0], DataFormat(op)));
  return absl::OkStatus();
}

// The bias gradient's gradient: dy spread back over out_backprop's shape.
Status BiasAddGradGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                       std::vector<Output>* dx) {
  Output x = op.input(0);
  Output spread = dy[0];
  if (DataFormat(op) == "NCHW") {
    const int rank = x.shape().rank();
    if (rank < 0) {
      return errors::Unimplemented("the gradient of BiasAddGrad with NCHW needs a known rank");
    }
    std::vector<int> shape(rank, 1);
    shape[1] = -1;
    spread = ops::Reshape(s, dy[0], Tensor::FromVector(shape));
  }
  dx->push_back(ops::BroadcastTo(s, spread, ops::Shape(s, x)));
  return absl::OkStatus();
}

Status ReluGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                std::vector<Output>* dx) {
  dx->push_back(ops::ReluGrad(s, dy[0], op.output(0)));
  return absl::OkStatus();
}

Status Relu6Gradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                 std::vector<Output>* dx) {
  dx->push_back(ops::Relu6Grad(s, dy[0], op.input(0)));
  return absl::OkStatus();
}

Status EluGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
               std::vector<Output>* dx) {
  dx->push_back(ops::EluGrad(s, dy[0], op.output(0)));
  return absl::OkStatus();
}

Status SoftplusGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                    std::vector<Output>* dx) {
  dx->push_back(ops::SoftplusGrad(s, dy[0], op.input(0)));
  return absl::OkStatus();
}

Status LeakyReluGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                     std::vector<Output>* dx) {
  dx->push_back(ops::LeakyReluGrad(s, dy[0], op.input(0), Alpha(op)));
  return absl::OkStatus();
}

// ReluGrad, Relu6Grad and LeakyReluGrad are linear in `gradients` with a mask from `features`
// (which gets no gradient: the mask is piecewise constant).
Status ReluGradGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                    std::vector<Output>* dx) {
  dx->push_back(ops::ReluGrad(s, dy[0], op.input(1)));
  dx->push_back(Output());
  return absl::OkStatus();
}

Status Relu6GradGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                     std::vector<Output>* dx) {
  dx->push_back(ops::Relu6Grad(s, dy[0], op.input(1)));
  dx->push_back(Output());
  return absl::OkStatus();
}

Status LeakyReluGradGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                         std::vector<Output>* dx) {
  dx->push_back(ops::LeakyReluGrad(s, dy[0], op.input(1), Alpha(op)));
  dx->push_back(Output());
  return absl::OkStatus();
}

// d softmax: (dy - sum(dy * y, -1)) * y.
Status SoftmaxGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                   std::vector<Output>* dx) {
  Output y = op.output(0);
  Output dot = ops::Sum(s, ops::Mul(s, dy[0], y), -1, /*keep_dims=*/true);
  dx->push_back(ops::Mul(s, ops::Sub(s, dy[0], dot), y));
  return absl::OkStatus();
}

// d log_softmax: dy - sum(dy, -1) * exp(y).
Status LogSoftmaxGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                      std::vector<Output>* dx) {
  Output total = ops::Sum(s, dy[0], -1, /*keep_dims=*/true);
  dx->push_back(ops::Sub(s, dy[0], ops::Mul(s, total, ops::Exp(s, op.output(0)))));
  return absl::OkStatus();
}

// As in TF1: logits get dloss * backprop (exact for labels that sum to 1 per row), labels get
// dloss * -log_softmax(logits). When the backprop output (softmax - labels) is used too, its
// gradient adds the softmax Jacobian term to logits and its negation to labels.
Status SoftmaxXentGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                           std::vector<Output>* dx) {
  Output logits = op.input(0);
  Output grad_logits = ScaleRows(s, op.output(1), dy[0]);
  Output grad_labels = ScaleRows(s, ops::Neg(s, ops::LogSoftmax(s, logits)), dy[0]);
  const Output& dbackprop = dy[1];
  if (dbackprop.node()->type_string() != "ZerosLike") {
    Output softmax = ops::Softmax(s, logits);
    Output dot = ops::Sum(s, ops::Mul(s, dbackprop, softmax), -1, /*keep_dims=*/true);
    grad_logits = ops::Add(s, grad_logits, ops::Mul(s, ops::Sub(s, dbackprop, dot), softmax));
    grad_labels = ops::Sub(s, grad_labels, dbackprop);
  }
  dx->push_back(grad_logits);
  dx->push_back(grad_labels);
  return absl::OkStatus();
}

Status SparseSoftmaxXentGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                             std::vector<Output>* dx) {
  dx->push_back(ScaleRows(s, op.output(1), dy[0]));
  dx->push_back(Output());
  return absl::OkStatus();
}

Status L2LossGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                  std::vector<Output>* dx) {
  dx->push_back(ops::Mul(s, op.input(0), dy[0]));
  return absl::OkStatus();
}

REGISTER_GRADIENT("BiasAdd", BiasAddGradient);
REGISTER_GRADIENT("BiasAddGrad", BiasAddGradGradient);
REGISTER_GRADIENT("Relu", ReluGradient);
REGISTER_GRADIENT("Relu6", Relu6Gradient);
REGISTER_GRADIENT("Elu", EluGradient);
REGISTER_GRADIENT("Softplus", SoftplusGradient);
REGISTER_GRADIENT("LeakyRelu", LeakyReluGradient);
REGISTER_GRADIENT("ReluGrad", ReluGradGradient);
REGISTER_GRADIENT("Relu6Grad", Relu6GradGradient);
REGISTER_GRADIENT("LeakyReluGrad", LeakyReluGradGradient);
REGISTER_GRADIENT("Softmax", SoftmaxGradient);
REGISTER_GRADIENT("LogSoftmax", LogSoftmaxGradient);
REGISTER_GRADIENT("SoftmaxCrossEntropyWithLogits", SoftmaxXentGradient);
REGISTER_GRADIENT("SparseSoftmaxCrossEntropyWithLogits", SparseSoftmaxXentGradient);
REGISTER_GRADIENT("L2Loss", L2LossGradient);

// ---- Builder helpers -------------------------------------------------------------------------

Output Unary(const Scope& scope, const char* op, const Input& x) {
  return NodeBuilder(scope, op).Input(x.ToOutput(scope)).Finalize();
}

Output Binary(const Scope& scope, const char* op, const Input& a, const Input& b) {
  Output x, y;
  ResolveBinaryInputs(scope, a, b, &x, &y);
  return NodeBuilder(scope, op).Input(x).Input(y).Finalize();
}

ops::SoftmaxCrossEntropyResult TwoOutputs(const Operation& op) {
  if (!op.valid()) return {};
  return {op.output(0), op.output(1)};
}

}  // namespace

namespace ops {

Output BiasAdd(const Scope& scope, const Input& value, const Input& bias,
               const std::string& data_format) {
  Output v, b;
  ResolveBinaryInputs(scope, value, bias, &v, &b);
  return NodeBuilder(scope, "BiasAdd").Input(v).Input(b).Attr("data_format", data_format).Finalize();
}

Output BiasAddGrad(const Scope& scope, const Input& out_backprop, const std::string& data_format) {
  return NodeBuilder(scope, "BiasAddGrad")
      .Input(out_backprop.ToOutput(scope))
      .Attr("data_format", data_format)
      .Finalize();
}

Output Relu(const Scope& scope, const Input& features) { return Unary(scope, "Relu", features); }
Output ReluGrad(const Scope& scope, const Input& gradients, const Input& features) {
  return Binary(scope, "ReluGrad", gradients, features);
}
Output Relu6(const Scope& scope, const Input& features) { return Unary(scope, "Relu6", features); }
Output Relu6Grad(const Scope& scope, const Input& gradients, const Input& features) {
  return Binary(scope, "Relu6Grad", gradients, features);
}
Output Elu(const Scope& scope, const Input& features) { return Unary(scope, "Elu", features); }
Output EluGrad(const Scope& scope, const Input& gradients, const Input& outputs) {
  return Binary(scope, "EluGrad", gradients, outputs);
}
Output Softplus(const Scope& scope, const Input& features) {
  return Unary(scope, "Softplus", features);
}
Output SoftplusGrad(const Scope& scope, const Input& gradients, const Input& features) {
  return Binary(scope, "SoftplusGrad", gradients, features);
}

Output LeakyRelu(const Scope& scope, const Input& features, float alpha) {
  return NodeBuilder(scope, "LeakyRelu")
      .Input(features.ToOutput(scope))
      .Attr("alpha", alpha)
      .Finalize();
}

Output LeakyReluGrad(const Scope& scope, const Input& gradients, const Input& features,
                     float alpha) {
  Output g, f;
  ResolveBinaryInputs(scope, gradients, features, &g, &f);
  return NodeBuilder(scope, "LeakyReluGrad").Input(g).Input(f).Attr("alpha", alpha).Finalize();
}

Output Softmax(const Scope& scope, const Input& logits) { return Unary(scope, "Softmax", logits); }
Output LogSoftmax(const Scope& scope, const Input& logits) {
  return Unary(scope, "LogSoftmax", logits);
}

SoftmaxCrossEntropyResult SoftmaxCrossEntropyWithLogits(const Scope& scope, const Input& features,
                                                        const Input& labels) {
  Output f, l;
  ResolveBinaryInputs(scope, features, labels, &f, &l);
  return TwoOutputs(
      NodeBuilder(scope, "SoftmaxCrossEntropyWithLogits").Input(f).Input(l).Finalize());
}

SoftmaxCrossEntropyResult SparseSoftmaxCrossEntropyWithLogits(const Scope& scope,
                                                              const Input& features,
                                                              const Input& labels) {
  return TwoOutputs(NodeBuilder(scope, "SparseSoftmaxCrossEntropyWithLogits")
                        .Input(features.ToOutput(scope))
                        .Input(labels.ToOutput(scope))
                        .Finalize());
}

Output L2Loss(const Scope& scope, const Input& t) { return Unary(scope, "L2Loss", t); }

Output InTopK(const Scope& scope, const Input& predictions, const Input& targets, const Input& k) {
  Output t = targets.ToOutput(scope);
  if (!t.valid()) return Output();
  return NodeBuilder(scope, "InTopKV2")
      .Input(predictions.ToOutput(scope, DT_FLOAT))
      .Input(t)
      .Input(k.ToOutput(scope, t.dtype()))
      .Finalize();
}

}  // namespace ops

REGISTER_NO_GRADIENT("InTopK");
REGISTER_NO_GRADIENT("InTopKV2");

namespace {

Status SeluGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                    std::vector<Output>* dx) {
  dx->push_back(ops::SeluGrad(s, dy[0], op.output(0)));
  return s.status();
}

Status SoftsignGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                        std::vector<Output>* dx) {
  dx->push_back(ops::SoftsignGrad(s, dy[0], op.input(0)));
  return s.status();
}

REGISTER_GRADIENT("Selu", SeluGradient);
REGISTER_GRADIENT("Softsign", SoftsignGradient);

}  // namespace

namespace ops {

Output Selu(const Scope& scope, const Input& features) {
  return NodeBuilder(scope, "Selu").Input(features.ToOutput(scope)).Finalize();
}
Output SeluGrad(const Scope& scope, const Input& gradients, const Input& outputs) {
  Output g, y;
  ResolveBinaryInputs(scope, gradients, outputs, &g, &y);
  return NodeBuilder(scope, "SeluGrad").Input(g).Input(y).Finalize();
}
Output Softsign(const Scope& scope, const Input& features) {
  return NodeBuilder(scope, "Softsign").Input(features.ToOutput(scope)).Finalize();
}
Output SoftsignGrad(const Scope& scope, const Input& gradients, const Input& features) {
  Output g, x;
  ResolveBinaryInputs(scope, gradients, features, &g, &x);
  return NodeBuilder(scope, "SoftsignGrad").Input(g).Input(x).Finalize();
}

}  // namespace ops

namespace ops {

// TensorFlow's python composition: max(x, 0) - x z + log(1 + e^-|x|).
Output SigmoidCrossEntropyWithLogits(const Scope& scope, const Input& labels, const Input& logits) {
  Output x, z;
  ResolveBinaryInputs(scope, logits, labels, &x, &z);
  if (!x.valid() || !z.valid()) return Output();
  Output zeros = ZerosLike(scope, x);
  Output positive = GreaterEqual(scope, x, zeros);
  Output relu_logits = SelectV2(scope, positive, x, zeros);
  Output neg_abs_logits = SelectV2(scope, positive, Neg(scope, x), x);
  return Add(scope, Sub(scope, relu_logits, Mul(scope, x, z)), Log1p(scope, Exp(scope, neg_abs_logits)));
}

// TensorFlow's python composition: x * rsqrt(max(sum(x^2, axis, keepdims), epsilon)).
Output L2Normalize(const Scope& scope, const Input& x, const Input& axis, double epsilon) {
  Output t = x.ToOutput(scope);
  if (!t.valid()) return Output();
  Output square_sum = Sum(scope, Square(scope, t), axis, /*keep_dims=*/true);
  return Mul(scope, t, Rsqrt(scope, Maximum(scope, square_sum, epsilon)));
}

}  // namespace ops

}  // namespace sluice

// ---- FusedBatchNorm, LRN: gradients and builders -----------------------------------------------

namespace sluice {
namespace {

ops::FusedBatchNormOptions BatchNormOptionsOf(const Operation& op) {
  const AttrMap& attrs = op.node()->def().attr();
  ops::FusedBatchNormOptions o;
  GetAttr(attrs, "epsilon", &o.epsilon).IgnoreError();
  GetAttr(attrs, "data_format", &o.data_format).IgnoreError();
  GetAttr(attrs, "is_training", &o.is_training).IgnoreError();
  return o;
}

// TF's _BaseFusedBatchNormGrad: in training the Grad op reads the batch statistics the forward
// saved in its reserve spaces; in inference the mean and variance it was given. mean and
// variance get no gradient (in training they are not even read).
Status FusedBatchNormGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                              std::vector<Output>* dx) {
  const ops::FusedBatchNormOptions o = BatchNormOptionsOf(op);
  const bool v3 = op.node()->type_string() == "FusedBatchNormV3";
  Output x = op.input(0), scale = op.input(1);
  Output saved_mean = o.is_training ? op.output(3) : op.input(3);
  Output saved_var = o.is_training ? op.output(4) : op.input(4);
  ops::FusedBatchNormGradResult g =
      v3 ? ops::FusedBatchNormGradV3(s, dy[0], x, scale, saved_mean, saved_var, op.output(5), o)
         : ops::FusedBatchNormGrad(s, dy[0], x, scale, saved_mean, saved_var, o);
  *dx = {g.x_backprop, g.scale_backprop, g.offset_backprop, Output(), Output()};
  return s.status();
}

// TF's _BatchNormGrad: FusedBatchNormGrad's outputs written with elementary ops. In training the
// statistics are recomputed from x, so that differentiating this gives the total derivative
// through the forward's reserve spaces too.
std::vector<Output> ElementaryBatchNormGrad(const Scope& s, Output grad_y, Output x, Output scale,
                                            Output pop_mean, Output pop_var,
                                            const ops::FusedBatchNormOptions& o) {
  const bool nchw = o.data_format == "NCHW";
  Output axes = ops::Const(s, nchw ? std::vector<int>{0, 2, 3} : std::vector<int>{0, 1, 2}, {3});
  auto per_channel = [&](const Output& v) {
    return nchw ? ops::Reshape(s, v, ops::Const(s, {1, -1, 1, 1}, {4})) : v;
  };
  const double eps = o.epsilon;
  if (o.is_training) {
    scale = per_channel(scale);
    Output mean_grad_y = ops::Mean(s, grad_y, axes, nchw);
    Output mean_x = ops::Mean(s, x, axes, nchw);
    Output var_x = ops::Mean(s, ops::SquaredDifference(s, x, ops::StopGradient(s, mean_x)), axes, nchw);
    Output var_eps = ops::Add(s, var_x, eps);
    Output x_offset = ops::Sub(s, x, mean_x);
    Output mean = ops::Mean(s, ops::Mul(s, grad_y, x_offset), axes, nchw);
    Output grad_x = ops::Mul(
        s, ops::Mul(s, scale, ops::Rsqrt(s, var_eps)),
        ops::Sub(s, ops::Sub(s, grad_y, mean_grad_y),
                 ops::Mul(s, ops::Mul(s, ops::Reciprocal(s, var_eps), mean), x_offset)));
    Output grad_scale = ops::Mul(s, ops::Rsqrt(s, var_eps), ops::Sum(s, ops::Mul(s, grad_y, x_offset), axes, nchw));
    if (nchw) grad_scale = ops::Reshape(s, grad_scale, ops::Const(s, {-1}, {1}));
    return {grad_x, grad_scale, ops::Sum(s, grad_y, axes)};
  }
  pop_mean = per_channel(pop_mean);
  pop_var = per_channel(pop_var);
  scale = per_channel(scale);
  Output var_rsqrt = ops::Rsqrt(s, ops::Add(s, pop_var, eps));
  Output grad_scale = ops::Sum(s, ops::Mul(s, ops::Mul(s, grad_y, ops::Sub(s, x, pop_mean)), var_rsqrt), axes);
  return {ops::Mul(s, ops::Mul(s, grad_y, scale), var_rsqrt), grad_scale, ops::Sum(s, grad_y, axes)};
}

// TF's _FusedBatchNormGradGrad: the gradients of the elementary form with respect to y_backprop,
// x and scale. Those are taken at Identity copies of the inputs, so that they are partial
// derivatives even where y_backprop itself depends on x.
Status FusedBatchNormGradGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                                  std::vector<Output>* dx) {
  const ops::FusedBatchNormOptions o = BatchNormOptionsOf(op);
  Output grad_y = ops::Identity(s, op.input(0));
  Output x = ops::Identity(s, op.input(1));
  Output scale = ops::Identity(s, op.input(2));
  std::vector<Output> grads = ElementaryBatchNormGrad(s, grad_y, x, scale, op.input(3), op.input(4), o);
  SLUICE_RETURN_IF_ERROR(s.status());
  std::vector<Output> out;
  SLUICE_RETURN_IF_ERROR(AddSymbolicGradients(s, grads, {grad_y, x, scale}, {dy[0], dy[1], dy[2]}, &out));
  *dx = {out[0], out[1], out[2], Output(), Output()};
  if (op.node()->type_string() == "FusedBatchNormGradV3") dx->push_back(Output());
  return s.status();
}

ops::LRNOptions LRNOptionsOf(const Operation& op) {
  const AttrMap& attrs = op.node()->def().attr();
  ops::LRNOptions o;
  int64_t radius = o.depth_radius;
  GetAttr(attrs, "depth_radius", &radius).IgnoreError();
  o.depth_radius = static_cast<int>(radius);
  GetAttr(attrs, "bias", &o.bias).IgnoreError();
  GetAttr(attrs, "alpha", &o.alpha).IgnoreError();
  GetAttr(attrs, "beta", &o.beta).IgnoreError();
  return o;
}

Status LRNGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                   std::vector<Output>* dx) {
  dx->push_back(ops::LRNGrad(s, dy[0], op.input(0), op.output(0), LRNOptionsOf(op)));
  return s.status();
}

REGISTER_GRADIENT("FusedBatchNorm", FusedBatchNormGradient);
REGISTER_GRADIENT("FusedBatchNormV3", FusedBatchNormGradient);
REGISTER_GRADIENT("FusedBatchNormGrad", FusedBatchNormGradGradient);
REGISTER_GRADIENT("FusedBatchNormGradV3", FusedBatchNormGradGradient);
REGISTER_GRADIENT("LRN", LRNGradient);

Operation FinishBatchNorm(NodeBuilder& b, const ops::FusedBatchNormOptions& o, bool forward) {
  b.Attr("epsilon", o.epsilon).Attr("data_format", o.data_format).Attr("is_training", o.is_training);
  if (forward) b.Attr("exponential_avg_factor", o.exponential_avg_factor);
  return b.Finalize();
}

ops::FusedBatchNormResult BatchNormOutputs(const Operation& op) {
  if (!op.valid()) return {};
  ops::FusedBatchNormResult r{op.output(0), op.output(1), op.output(2), op.output(3), op.output(4), Output()};
  if (op.num_outputs() > 5) r.reserve_space_3 = op.output(5);
  return r;
}

ops::FusedBatchNormGradResult BatchNormGradOutputs(const Operation& op) {
  if (!op.valid()) return {};
  return {op.output(0), op.output(1), op.output(2)};
}

ops::FusedBatchNormResult BuildBatchNorm(const Scope& scope, const char* type, const Input& x,
                                         const Input& scale, const Input& offset, const Input& mean,
                                         const Input& variance, const ops::FusedBatchNormOptions& o) {
  NodeBuilder b(scope, type);
  b.Input(x.ToOutput(scope, DT_FLOAT))
      .Input(scale.ToOutput(scope, DT_FLOAT))
      .Input(offset.ToOutput(scope, DT_FLOAT))
      .Input(mean.ToOutput(scope, DT_FLOAT))
      .Input(variance.ToOutput(scope, DT_FLOAT));
  return BatchNormOutputs(FinishBatchNorm(b, o, /*forward=*/true));
}

void LRNAttrs(NodeBuilder& b, const ops::LRNOptions& o) {
  b.Attr("depth_radius", o.depth_radius).Attr("bias", o.bias).Attr("alpha", o.alpha).Attr("beta", o.beta);
}

}  // namespace

namespace ops {

FusedBatchNormResult FusedBatchNorm(const Scope& scope, const Input& x, const Input& scale,
                                    const Input& offset, const Input& mean, const Input& variance,
                                    const FusedBatchNormOptions& options) {
  return BuildBatchNorm(scope, "FusedBatchNorm", x, scale, offset, mean, variance, options);
}

FusedBatchNormResult FusedBatchNormV3(const Scope& scope, const Input& x, const Input& scale,
                                      const Input& offset, const Input& mean, const Input& variance,
                                      const FusedBatchNormOptions& options) {
  return BuildBatchNorm(scope, "FusedBatchNormV3", x, scale, offset, mean, variance, options);
}

FusedBatchNormGradResult FusedBatchNormGrad(const Scope& scope, const Input& y_backprop, const Input& x,
                                            const Input& scale, const Input& reserve_space_1,
                                            const Input& reserve_space_2, const FusedBatchNormOptions& options) {
  NodeBuilder b(scope, "FusedBatchNormGrad");
  b.Input(y_backprop.ToOutput(scope, DT_FLOAT))
      .Input(x.ToOutput(scope, DT_FLOAT))
      .Input(scale.ToOutput(scope, DT_FLOAT))
      .Input(reserve_space_1.ToOutput(scope, DT_FLOAT))
      .Input(reserve_space_2.ToOutput(scope, DT_FLOAT));
  return BatchNormGradOutputs(FinishBatchNorm(b, options, /*forward=*/false));
}

FusedBatchNormGradResult FusedBatchNormGradV3(const Scope& scope, const Input& y_backprop, const Input& x,
                                              const Input& scale, const Input& reserve_space_1,
                                              const Input& reserve_space_2, const Input& reserve_space_3,
                                              const FusedBatchNormOptions& options) {
  NodeBuilder b(scope, "FusedBatchNormGradV3");
  b.Input(y_backprop.ToOutput(scope, DT_FLOAT))
      .Input(x.ToOutput(scope, DT_FLOAT))
      .Input(scale.ToOutput(scope, DT_FLOAT))
      .Input(reserve_space_1.ToOutput(scope, DT_FLOAT))
      .Input(reserve_space_2.ToOutput(scope, DT_FLOAT))
      .Input(reserve_space_3.ToOutput(scope, DT_FLOAT));
  return BatchNormGradOutputs(FinishBatchNorm(b, options, /*forward=*/false));
}

Output LRN(const Scope& scope, const Input& input, const LRNOptions& options) {
  NodeBuilder b(scope, "LRN");
  b.Input(input.ToOutput(scope, DT_FLOAT));
  LRNAttrs(b, options);
  return b.Finalize();
}

Output LRNGrad(const Scope& scope, const Input& input_grads, const Input& input_image,
               const Input& output_image, const LRNOptions& options) {
  NodeBuilder b(scope, "LRNGrad");
  b.Input(input_grads.ToOutput(scope, DT_FLOAT))
      .Input(input_image.ToOutput(scope, DT_FLOAT))
      .Input(output_image.ToOutput(scope, DT_FLOAT));
  LRNAttrs(b, options);
  return b.Finalize();
}

}  // namespace ops
}  // namespace sluice
