// tf.losses and tf.contrib.layers regularizers, composed as TensorFlow's python composes them
// (losses_impl.py, weights_broadcast_ops.py, regularizers.py).
#include "ops/losses.h"

#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ops/array_ops.h"
#include "ops/check_ops.h"
#include "ops/math_ops.h"
#include "ops/nn_ops.h"
#include "ops/scope_internal.h"
#include "ops/state_ops.h"

namespace sluice {
namespace losses {

namespace {

using internal::MakeNameScope;
using internal::NameScope;

Output ToFloat(const Scope& s, const Output& x) {
  if (!x.valid()) return Output();
  return x.dtype() == DT_FLOAT ? x : ops::Cast(s, x, DT_FLOAT);
}

Output CastTo(const Scope& s, const Output& x, DataType dtype) {
  if (!x.valid()) return Output();
  return x.dtype() == dtype ? x : ops::Cast(s, x, dtype);
}

// The axes of x: a constant when its rank is known, else Range(0, Rank(x)).
Output AllAxes(const Scope& s, const Output& x) {
  if (!x.valid()) return Output();
  int rank = x.shape().rank();
  if (rank < 0) return ops::Range(s, 0, ops::Rank(s, x), 1);
  std::vector<int32_t> axes(rank);
  for (int i = 0; i < rank; ++i) axes[i] = i;
  return ops::Const(s, Tensor::FromVector(axes));
}

Output SumAll(const Scope& s, const Output& x) { return x.valid() ? ops::Sum(s, x, AllAxes(s, x)) : Output(); }

// weights_broadcast_ops.assert_broadcastable: weights is a scalar, or of values' rank with each
// dim 1 or values' dim. Checked here where the shapes are known (an error recorded on the
// scope, returning false); otherwise `*check` becomes an Assert that checks it when run.
bool AssertBroadcastable(const Scope& scope, const std::string& who, const Output& weights, const Output& values,
                         Operation* check) {
  *check = Operation();
  const TensorShape& ws = weights.shape();
  const TensorShape& vs = values.shape();
  auto fail = [&](const std::string& why) {
    scope.UpdateStatus(errors::InvalidArgument(who, ": weights can not be broadcast to values. ", why,
                                               " values.shape=", vs.DebugString(),
                                               " weights.shape=", ws.DebugString()));
    return false;
  };
  if (ws.rank() == 0) return true;
  if (ws.rank() > 0 && vs.rank() >= 0) {
    if (ws.rank() != vs.rank()) return fail(absl::StrCat("values.rank=", vs.rank(), ". weights.rank=", ws.rank(), "."));
    bool all_known = true;
    for (int i = 0; i < ws.rank(); ++i) {
      if (ws.dim(i) < 0 || vs.dim(i) < 0) {
        all_known = false;
        continue;
      }
      if (ws.dim(i) != 1 && ws.dim(i) != vs.dim(i)) return fail(absl::StrCat("Mismatch at dim ", i, "."));
    }
    if (all_known) return true;
  }
  // As TF's runtime check, without its cond: a scalar, or the same rank and every dim valid
  // (the weights' shape, padded with ones, cut to the values' rank, so that a rank mismatch
  // does not break the comparison itself).
  NameScope names = MakeNameScope(scope, "assert_broadcastable");
  const Scope& h = names.helpers;
  Output w_shape = ops::Shape(h, weights);
  Output v_shape = ops::Shape(h, values);
  Output w_rank = ops::Rank(h, weights);
  Output v_rank = ops::Rank(h, values);
  Output is_scalar = ops::Equal(h.WithOpName("is_scalar"), w_rank, 0);
  Output padded = ops::ConcatV2(h, {w_shape, ops::OnesLike(h, v_shape)}, 0);
  Output w_cut = ops::Slice(h, padded, {0}, ops::Reshape(h, v_rank, {1}));
  Output dims_valid = ops::All(h, ops::LogicalOr(h, ops::Equal(h, w_cut, 1), ops::Equal(h, w_cut, v_shape)), {0});
  Output valid = ops::LogicalOr(h.WithOpName("is_valid_shape"), is_scalar,
                                ops::LogicalAnd(h, ops::Equal(h, w_rank, v_rank), dims_valid));
  Output message = Input(Tensor::Scalar<std::string>(absl::StrCat(
                             who, ": weights can not be broadcast to values. weights.shape=")))
                       .ToOutput(h);
  Output values_label = Input(Tensor::Scalar<std::string>("values.shape=")).ToOutput(h);
  *check = ops::Assert(names.op, valid, {message, w_shape, values_label, v_shape});
  return check->valid();
}

// weights_broadcast_ops.broadcast_weights: weights * ones_like(values) unless their shapes are
// known and equal.
Output BroadcastWeightsFor(const Scope& scope, const std::string& who, const Output& weights, const Output& values) {
  Output w = CastTo(scope, weights, values.dtype());
  if (!w.valid()) return Output();
  if (w.shape().IsFullyDefined() && values.shape().IsFullyDefined() && w.shape() == values.shape()) return w;
  NameScope names = MakeNameScope(scope, "broadcast_weights");
  Operation check;
  if (!AssertBroadcastable(names.helpers, who, w, values, &check)) return Output();
  Scope s = check.valid() ? names.op.WithControlDependencies({check}) : names.op;
  return ops::Mul(s, w, ops::OnesLike(names.helpers, values));
}

// The number of nonzero weights, broadcast to the losses (per batch entry: keeping dims).
Output NumPresent(const Scope& scope, const std::string& who, const Output& losses, const Output& weights,
                  bool per_batch) {
  NameScope names = MakeNameScope(scope, "num_present");
  const Scope& h = names.helpers;
  Output w = ToFloat(h, weights);
  Output present = ops::Select(h, ops::Equal(h, w, 0.0f), ops::ZerosLike(h, w), ops::OnesLike(h, w));
  present = BroadcastWeightsFor(h, who, present, losses);
  if (!present.valid()) return Output();
  if (!per_batch) return ops::Sum(names.op, present, AllAxes(h, present));
  Output axes = ops::Range(h, 1, ops::Rank(h, present), 1);
  return ops::Sum(names.op, present, axes, /*keep_dims=*/true);
}

Output NumElements(const Scope& scope, const Output& losses) {
  NameScope names = MakeNameScope(scope, "num_elements");
  return CastTo(scope, ops::Size(names.op, losses), losses.dtype());
}

// TF's `with name_scope(scope, default)`: ops of a loss go under "<name>/".
Scope LossScope(const Scope& scope, const std::string& default_name, std::string* who) {
  NameScope names = MakeNameScope(scope, default_name);
  *who = names.name;
  return names.helpers;
}

// The weighing and reduction of compute_weighted_loss, in the loss's own name scope.
Output WeighAndReduce(const Scope& h, const std::string& who, const Output& losses_in, const Input& weights_in,
                      const LossOptions& options) {
  if (!h.ok() || !losses_in.valid()) return Output();
  Output weights = weights_in.ToOutput(h, DT_FLOAT);
  if (!weights.valid()) return Output();
  Operation check;
  if (!AssertBroadcastable(h, who, weights, losses_in, &check)) return Output();
  Scope s = check.valid() ? h.WithControlDependencies({check}) : h;
  DataType input_dtype = losses_in.dtype();
  Output losses = ToFloat(s, losses_in);
  weights = ToFloat(s, weights);
  Output weighted = ops::Mul(s, losses, weights);
  Output loss;
  if (options.reduction == Reduction::NONE) {
    loss = weighted;
  } else {
    loss = SumAll(s, weighted);
    Output denominator;
    switch (options.reduction) {
      case Reduction::MEAN:
        denominator = ops::Sum(s, ops::Mul(s, ops::OnesLike(s, losses), weights), AllAxes(s, weighted));
        break;
      case Reduction::SUM_OVER_NONZERO_WEIGHTS:
        denominator = NumPresent(s, who, losses, weights, /*per_batch=*/false);
        break;
      case Reduction::SUM_OVER_BATCH_SIZE:
        denominator = NumElements(s, losses);
        break;
      default:
        break;
    }
    if (denominator.valid()) loss = ops::DivNoNan(s.WithOpName("value"), SumAll(s, loss), denominator);
  }
  loss = CastTo(s, loss, input_dtype);
  if (!h.ok() || !loss.valid()) return Output();
  AddLoss(h, loss, options.loss_collection);
  return loss;
}

bool CheckCompatible(const Scope& scope, const std::string& who, const std::string& a_name, const Output& a,
                     const std::string& b_name, const Output& b) {
  if (!a.valid() || !b.valid()) return false;
  if (a.shape().IsCompatibleWith(b.shape())) return true;
  scope.UpdateStatus(errors::InvalidArgument(who, ": the shape of ", a_name, " ", a.shape().DebugString(),
                                             " is not compatible with the shape of ", b_name, " ",
                                             b.shape().DebugString()));
  return false;
}

// The float32 labels and predictions of a regression loss, checked to have compatible shapes.
bool FloatPair(const Scope& h, const std::string& who, const Input& labels, const Input& predictions,
               const std::string& predictions_name, Output* l, Output* p) {
  if (!h.ok()) return false;
  *p = ToFloat(h, predictions.ToOutput(h, DT_FLOAT));
  *l = ToFloat(h, labels.ToOutput(h, DT_FLOAT));
  return CheckCompatible(h, who, predictions_name, *p, "labels", *l);
}

Output ParseTensor(const Scope& scope, const std::string& key, const std::string& name) {
  size_t colon = name.rfind(':');
  int index = 0;
  Node* node = nullptr;
  if (colon != std::string::npos && absl::SimpleAtoi(name.substr(colon + 1), &index)) {
    node = scope.graph()->FindNode(name.substr(0, colon));
  }
  if (node == nullptr || index < 0 || index >= node->num_outputs()) {
    scope.UpdateStatus(errors::InvalidArgument("'", errors::Echo(name), "' of collection '", errors::Echo(key),
                                               "' is not a tensor of the graph"));
    return Output();
  }
  return Output(Operation(node, scope.data()), index);
}

// AddN of `xs`, an Identity for one (as TF's add_n), in `s` (which names it).
Output SumOf(const Scope& s, const std::vector<Output>& xs) {
  return xs.size() == 1 ? ops::Identity(s, xs[0]) : ops::AddN(s, xs);
}

}  // namespace

Output BroadcastWeights(const Scope& scope, const Output& weights, const Output& values, const std::string& who) {
  if (!scope.ok() || !weights.valid() || !values.valid()) return Output();
  return BroadcastWeightsFor(scope, who, weights, values);
}

Output ComputeWeightedLoss(const Scope& scope, const Input& losses, const Input& weights, const LossOptions& options) {
  if (!scope.ok()) return Output();
  std::string who;
  Scope h = LossScope(scope, "weighted_loss", &who);
  return WeighAndReduce(h, who, losses.ToOutput(h), weights, options);
}

Output MeanSquaredError(const Scope& scope, const Input& labels, const Input& predictions, const Input& weights,
                        const LossOptions& options) {
  if (!scope.ok()) return Output();
  std::string who;
  Scope h = LossScope(scope, "mean_squared_error", &who);
  Output l, p;
  if (!FloatPair(h, who, labels, predictions, "predictions", &l, &p)) return Output();
  return WeighAndReduce(h, who, ops::SquaredDifference(h, p, l), weights, options);
}

Output AbsoluteDifference(const Scope& scope, const Input& labels, const Input& predictions, const Input& weights,
                          const LossOptions& options) {
  if (!scope.ok()) return Output();
  std::string who;
  Scope h = LossScope(scope, "absolute_difference", &who);
  Output l, p;
  if (!FloatPair(h, who, labels, predictions, "predictions", &l, &p)) return Output();
  return WeighAndReduce(h, who, ops::Abs(h, ops::Sub(h, p, l)), weights, options);
}

Output HuberLoss(const Scope& scope, const Input& labels, const Input& predictions, const Input& weights, double delta,
                 const LossOptions& options) {
  if (!scope.ok()) return Output();
  std::string who;
  Scope h = LossScope(scope, "huber_loss", &who);
  Output l, p;
  if (!FloatPair(h, who, labels, predictions, "predictions", &l, &p)) return Output();
  Output abs_error = ops::Abs(h, ops::Sub(h, p, l));
  Output quadratic = ops::Minimum(h, abs_error, delta);
  // abs_error - quadratic rather than max(abs_error - delta, 0): its gradient at
  // abs_error == delta is 0, which keeps the gradient from doubling there (as TF).
  Output linear = ops::Sub(h, abs_error, quadratic);
  Output losses = ops::Add(h, ops::Mul(h, 0.5f, ops::Mul(h, quadratic, quadratic)), ops::Mul(h, delta, linear));
  return WeighAndReduce(h, who, losses, weights, options);
}

Output LogLoss(const Scope& scope, const Input& labels, const Input& predictions, const Input& weights, double epsilon,
               const LossOptions& options) {
  if (!scope.ok()) return Output();
  std::string who;
  Scope h = LossScope(scope, "log_loss", &who);
  Output l, p;
  if (!FloatPair(h, who, labels, predictions, "predictions", &l, &p)) return Output();
  Output positive = ops::Neg(h, ops::Mul(h, l, ops::Log(h, ops::Add(h, p, epsilon))));
  Output negative = ops::Mul(h, ops::Sub(h, 1.0f, l), ops::Log(h, ops::Add(h, ops::Sub(h, 1.0f, p), epsilon)));
  return WeighAndReduce(h, who, ops::Sub(h, positive, negative), weights, options);
}

Output HingeLoss(const Scope& scope, const Input& labels, const Input& logits, const Input& weights,
                 const LossOptions& options) {
  if (!scope.ok()) return Output();
  std::string who;
  Scope h = LossScope(scope, "hinge_loss", &who);
  Output l, z;
  if (!FloatPair(h, who, labels, logits, "logits", &l, &z)) return Output();
  Output all_ones = ops::OnesLike(h, l);
  Output signs = ops::Sub(h, ops::Mul(h, 2.0f, l), all_ones);
  Output losses = ops::Relu(h, ops::Sub(h, all_ones, ops::Mul(h, signs, z)));
  return WeighAndReduce(h, who, losses, weights, options);
}

Output CosineDistance(const Scope& scope, const Input& labels, const Input& predictions, int axis,
                      const Input& weights, const LossOptions& options) {
  if (!scope.ok()) return Output();
  std::string who;
  Scope h = LossScope(scope, "cosine_distance_loss", &who);
  Output l, p;
  if (!FloatPair(h, who, labels, predictions, "predictions", &l, &p)) return Output();
  int rank = p.shape().rank() >= 0 ? p.shape().rank() : l.shape().rank();
  if (rank >= 0 && (axis < -rank || axis >= rank)) {
    h.UpdateStatus(errors::InvalidArgument(who, ": axis ", axis, " is out of range for rank ", rank));
    return Output();
  }
  Output radial = ops::Sum(h, ops::Mul(h, p, l), Input({axis}), /*keep_dims=*/true);
  return WeighAndReduce(h, who, ops::Sub(h, 1.0f, radial), weights, options);
}

Output SigmoidCrossEntropy(const Scope& scope, const Input& multi_class_labels, const Input& logits,
                           const Input& weights, double label_smoothing, const LossOptions& options) {
  if (!scope.ok()) return Output();
  std::string who;
  Scope h = LossScope(scope, "sigmoid_cross_entropy_loss", &who);
  Output z = logits.ToOutput(h);
  if (!z.valid()) return Output();
  Output l = CastTo(h, multi_class_labels.ToOutput(h, z.dtype()), z.dtype());
  if (!CheckCompatible(h, who, "logits", z, "multi_class_labels", l)) return Output();
  if (label_smoothing > 0) l = ops::Add(h, ops::Mul(h, l, 1.0 - label_smoothing), 0.5 * label_smoothing);
  Output losses = ops::SigmoidCrossEntropyWithLogits(h.NewSubScope("xentropy"), l, z);
  return WeighAndReduce(h, who, losses, weights, options);
}

namespace {

// The cross-entropy op on logits of any rank >= 1 (as tf.nn's wrappers): rows of the flattened
// [-1, classes] logits, the losses reshaped back to the logits' shape without the last dim.
Output CrossEntropyOfRows(const Scope& h, const std::string& who, const Output& logits, const Output& labels,
                          bool sparse) {
  int rank = logits.shape().rank();
  auto op = [&](const Scope& s, const Output& z, const Output& l) {
    return sparse ? ops::SparseSoftmaxCrossEntropyWithLogits(s, z, l).loss
                  : ops::SoftmaxCrossEntropyWithLogits(s, z, l).loss;
  };
  if (rank == 2) return op(h.WithOpName("xentropy"), logits, labels);
  if (rank < 1) {
    h.UpdateStatus(errors::InvalidArgument(who, ": logits must have a known rank of at least 1, got ",
                                           logits.shape().DebugString()));
    return Output();
  }
  Scope x = h.NewSubScope("xentropy");
  Output logits_shape = ops::Shape(x, logits);
  Output outer_shape = ops::Slice(x, logits_shape, {0}, {rank - 1});
  Output classes = ops::Slice(x, logits_shape, {rank - 1}, {1});
  Output flat_logits = ops::Reshape(x, logits, ops::ConcatV2(x, {ops::Const(x, Tensor::FromVector(std::vector<int32_t>{-1})), classes}, 0));
  Output flat_labels = sparse ? ops::Reshape(x, labels, {-1})
                              : ops::Reshape(x, labels, ops::ConcatV2(x, {ops::Const(x, Tensor::FromVector(std::vector<int32_t>{-1})), classes}, 0));
  return ops::Reshape(x, op(x, flat_logits, flat_labels), outer_shape);
}

}  // namespace

Output SoftmaxCrossEntropy(const Scope& scope, const Input& onehot_labels, const Input& logits,
                           const Input& weights, double label_smoothing, const LossOptions& options) {
  if (!scope.ok()) return Output();
  std::string who;
  Scope h = LossScope(scope, "softmax_cross_entropy_loss", &who);
  Output z = logits.ToOutput(h);
  if (!z.valid()) return Output();
  Output l = CastTo(h, onehot_labels.ToOutput(h, z.dtype()), z.dtype());
  if (!CheckCompatible(h, who, "logits", z, "onehot_labels", l)) return Output();
  if (label_smoothing > 0) {
    Output num_classes = ops::Cast(
        h, ops::StridedSlice(h, ops::Shape(h, l), {-1}, {0}, {1}, {.shrink_axis_mask = 1}), z.dtype());
    Output smooth_negatives = ops::RealDiv(h, Input(label_smoothing).ToOutput(h, z.dtype()), num_classes);
    l = ops::Add(h, ops::Mul(h, l, 1.0 - label_smoothing), smooth_negatives);
  }
  l = ops::StopGradient(h.WithOpName("labels_stop_gradient"), l);
  return WeighAndReduce(h, who, CrossEntropyOfRows(h, who, z, l, /*sparse=*/false), weights, options);
}

Output SparseSoftmaxCrossEntropy(const Scope& scope, const Input& labels, const Input& logits, const Input& weights,
                                 const LossOptions& options) {
  if (!scope.ok()) return Output();
  std::string who;
  Scope h = LossScope(scope, "sparse_softmax_cross_entropy_loss", &who);
  Output z = logits.ToOutput(h);
  Output l = labels.ToOutput(h, DT_INT64);
  Output w = weights.ToOutput(h, DT_FLOAT);
  if (!z.valid() || !l.valid() || !w.valid()) return Output();
  // TF's _remove_squeezable_dimensions with expected_rank_diff 1, where the ranks are known.
  const int z_rank = z.shape().rank(), l_rank = l.shape().rank();
  if (z_rank >= 0 && l_rank >= 0) {
    if (z_rank - l_rank == 2 && (z.shape().dim(z_rank - 1) == 1 || z.shape().dim(z_rank - 1) < 0)) {
      z = ops::Squeeze(h, z, {-1});
    } else if (z_rank == l_rank && l_rank > 0 && (l.shape().dim(l_rank - 1) == 1 || l.shape().dim(l_rank - 1) < 0)) {
      l = ops::Squeeze(h, l, {-1});
    }
    int w_rank = w.shape().rank();
    if (w_rank >= 0 && l.valid() && w_rank - l.shape().rank() == 1) w = ops::Squeeze(h, w, {-1});
  }
  if (!z.valid() || !l.valid() || !w.valid()) return Output();
  return WeighAndReduce(h, who, CrossEntropyOfRows(h, who, z, l, /*sparse=*/true), w, options);
}

Output MeanPairwiseSquaredError(const Scope& scope, const Input& labels, const Input& predictions,
                                const Input& weights_in, const std::string& loss_collection) {
  if (!scope.ok()) return Output();
  std::string who;
  Scope h = LossScope(scope, "mean_pairwise_squared_error", &who);
  Output weights = ToFloat(h, weights_in.ToOutput(h, DT_FLOAT));
  Output l, p;
  if (!weights.valid() || !FloatPair(h, who, labels, predictions, "predictions", &l, &p)) return Output();
  Operation check;
  if (!AssertBroadcastable(h, who, weights, l, &check)) return Output();
  Scope s = check.valid() ? h.WithControlDependencies({check}) : h;
  Output diffs = ops::Sub(s, p, l);
  Output axes = ops::Range(s, 1, ops::Rank(s, diffs), 1);
  Output sum_squares = ops::Sum(s, ops::Square(s, diffs), axes, /*keep_dims=*/true);
  Output num_present = NumPresent(s, who, diffs, weights, /*per_batch=*/true);
  if (!num_present.valid()) return Output();
  Output n_minus_1 = ops::Sub(s, num_present, 1.0f);
  Output term1 = ops::Mul(s, 2.0f, ops::DivNoNan(s, sum_squares, ops::Maximum(s, n_minus_1, 0.0f)));
  Output sum_diff = ops::Sum(s, diffs, axes, /*keep_dims=*/true);
  Output term2 = ops::Mul(s, 2.0f, ops::DivNoNan(s, ops::Square(s, sum_diff),
                                                 ops::Maximum(s, ops::Mul(s, num_present, n_minus_1), 0.0f)));
  Output loss = SumAll(s, ops::Mul(s, ops::Sub(s, term1, term2), weights));
  Output any_present = ops::Greater(s, SumAll(s, num_present), 0.0f);
  Output mean_loss = ops::Select(s.WithOpName("value"), any_present, loss, ops::ZerosLike(s, loss));
  if (!h.ok() || !mean_loss.valid()) return Output();
  AddLoss(h, mean_loss, loss_collection);
  return mean_loss;
}

void AddLoss(const Scope& scope, const Output& loss, const std::string& key) {
  if (loss.valid() && !key.empty()) scope.AddToCollection(key, loss.name());
}

std::vector<Output> GetLosses(const Scope& scope, const std::string& name_prefix, const std::string& key) {
  std::vector<Output> out;
  for (const std::string& name : scope.GetCollection(key)) {
    if (!absl::StartsWith(name, name_prefix)) continue;
    Output t = ParseTensor(scope, key, name);
    if (t.valid()) out.push_back(t);
  }
  return out;
}

std::vector<Output> GetRegularizationLosses(const Scope& scope, const std::string& name_prefix) {
  return GetLosses(scope, name_prefix, kRegularizationLossesCollection);
}

Output GetRegularizationLoss(const Scope& scope, const std::string& name_prefix) {
  if (!scope.ok()) return Output();
  std::vector<Output> losses = GetRegularizationLosses(scope, name_prefix);
  if (losses.empty()) return ops::Const(scope, 0.0f);
  return SumOf(MakeNameScope(scope, "total_regularization_loss").op, losses);
}

Output GetTotalLoss(const Scope& scope, bool add_regularization_losses, const std::string& name_prefix) {
  if (!scope.ok()) return Output();
  std::vector<Output> losses = GetLosses(scope, name_prefix);
  if (add_regularization_losses) {
    for (const Output& r : GetRegularizationLosses(scope, name_prefix)) losses.push_back(r);
  }
  if (!scope.ok()) return Output();
  if (losses.empty()) {
    scope.UpdateStatus(errors::InvalidArgument("GetTotalLoss: no losses in collection 'losses'",
                                               add_regularization_losses ? " or 'regularization_losses'" : ""));
    return Output();
  }
  return SumOf(MakeNameScope(scope, "total_loss").op, losses);
}

// ---- Regularizers ----------------------------------------------------------------------------

namespace {

// A regularizer scale * reduce(weights) named `name`, or none for scale 0.
Regularizer ScaledRegularizer(double scale, const std::string& name,
                              std::function<Output(const Scope&, const Output&)> reduce) {
  if (scale == 0.0) {
    return [](const Scope&, const Output&) { return Output(); };
  }
  return [scale, name, reduce](const Scope& scope, const Output& weights) -> Output {
    if (!scope.ok() || !weights.valid()) return Output();
    if (!(scale > 0.0) || !std::isfinite(scale)) {
      scope.UpdateStatus(errors::InvalidArgument(name, ": the scale ", scale,
                                                 " is not a finite number >= 0 (a regularizer's scale)"));
      return Output();
    }
    NameScope names = MakeNameScope(scope, name);
    Output my_scale = Input(scale).ToOutput(names.helpers.WithOpName("scale"), BaseType(weights.dtype()));
    return ops::Mul(names.op, my_scale, reduce(names.helpers, weights));
  };
}

}  // namespace

Regularizer L1Regularizer(double scale) {
  return ScaledRegularizer(scale, "l1_regularizer",
                           [](const Scope& s, const Output& w) { return SumAll(s, ops::Abs(s, w)); });
}

Regularizer L2Regularizer(double scale) {
  return ScaledRegularizer(scale, "l2_regularizer", [](const Scope& s, const Output& w) { return ops::L2Loss(s, w); });
}

Regularizer L1L2Regularizer(double scale_l1, double scale_l2) {
  if (scale_l1 == 0.0) {
    return ScaledRegularizer(scale_l2, "l1_l2_regularizer",
                             [](const Scope& s, const Output& w) { return ops::L2Loss(s, w); });
  }
  if (scale_l2 == 0.0) {
    return ScaledRegularizer(scale_l1, "l1_l2_regularizer",
                             [](const Scope& s, const Output& w) { return SumAll(s, ops::Abs(s, w)); });
  }
  return SumRegularizer({L1Regularizer(scale_l1), L2Regularizer(scale_l2)}, "l1_l2_regularizer");
}

Regularizer SumRegularizer(const std::vector<Regularizer>& regularizers, const std::string& name) {
  std::vector<Regularizer> list;
  for (const Regularizer& r : regularizers) {
    if (r) list.push_back(r);
  }
  if (list.empty()) return nullptr;
  return [list, name](const Scope& scope, const Output& weights) -> Output {
    if (!scope.ok() || !weights.valid()) return Output();
    NameScope names = MakeNameScope(scope, name);
    std::vector<Output> penalties;
    for (const Regularizer& r : list) {
      Output p = r(names.helpers, weights);
      if (!scope.ok()) return Output();
      if (p.valid()) penalties.push_back(p);
    }
    if (penalties.empty()) return Output();
    return SumOf(names.op, penalties);
  };
}

Output ApplyRegularization(const Scope& scope, const Regularizer& regularizer, const std::vector<Output>& weights_list) {
  if (!scope.ok()) return Output();
  if (!regularizer) {
    scope.UpdateStatus(errors::InvalidArgument("ApplyRegularization: the regularizer is null"));
    return Output();
  }
  if (weights_list.empty()) {
    scope.UpdateStatus(errors::InvalidArgument("ApplyRegularization: no weights to regularize"));
    return Output();
  }
  NameScope names = MakeNameScope(scope, "get_regularization_penalty");
  std::vector<Output> penalties;
  for (const Output& w : weights_list) {
    Output p = regularizer(names.helpers, w);
    if (!scope.ok()) return Output();
    if (!p.valid()) p = ops::Const(names.helpers, 0.0f);
    if (p.shape().rank() != 0) {
      scope.UpdateStatus(errors::InvalidArgument(names.name, ": a regularizer must return a scalar, got shape ",
                                                 p.shape().DebugString(), " for ", w.name()));
      return Output();
    }
    penalties.push_back(p);
  }
  Output sum = SumOf(names.op, penalties);
  AddRegularizationLoss(scope, sum);
  return sum;
}

void AddRegularizationLoss(const Scope& scope, const Output& loss) {
  AddLoss(scope, loss, kRegularizationLossesCollection);
}

}  // namespace losses
}  // namespace sluice
