// tf.metrics and tf.math.confusion_matrix, composed as TensorFlow's python composes them
// (metrics_impl.py, confusion_matrix.py).
#include "ops/metrics.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ops/array_ops.h"
#include "ops/check_ops.h"
#include "ops/initializers.h"
#include "ops/losses.h"
#include "ops/math_ops.h"
#include "ops/scope_internal.h"
#include "ops/state_ops.h"

namespace sluice {

namespace {

using internal::MakeNameScope;
using internal::NameScope;

constexpr char kLocalVariables[] = "local_variables";
constexpr char kMetricVariables[] = "metric_variables";

std::vector<Variable> VariablesOfCollection(const Scope& scope, const std::string& key) {
  std::vector<Variable> vars;
  const Graph* graph = scope.graph();
  for (const std::string& name : scope.GetCollection(key)) {
    Node* ref = graph->FindNode(name);
    Node* read = graph->FindNode(name + "/read");
    Node* assign = graph->FindNode(name + "/Assign");
    if (ref == nullptr || read == nullptr || assign == nullptr) {
      scope.UpdateStatus(errors::InvalidArgument("'", errors::Echo(name), "' of collection '", key,
                                                 "' is not a variable built by ops::LocalVariable"));
      continue;
    }
    vars.push_back(Variable::FromParts(Output(Operation(ref, scope.data()), 0), Output(Operation(read, scope.data()), 0),
                                       Operation(assign, scope.data())));
  }
  return vars;
}

}  // namespace

namespace ops {

std::vector<Variable> LocalVariables(const Scope& scope) { return VariablesOfCollection(scope, kLocalVariables); }

std::vector<Variable> MetricVariables(const Scope& scope) { return VariablesOfCollection(scope, kMetricVariables); }

Operation LocalVariablesInitializer(const Scope& scope) {
  if (!scope.ok()) return Operation();
  std::vector<Variable> vars = LocalVariables(scope);
  if (!scope.ok()) return Operation();
  return VariablesInitializer(scope, vars);
}

// As Variable's constructor lays out a ref variable, without adding it to the global variables.
Variable LocalVariable(const Scope& outer, const TensorShape& shape, DataType dtype, bool metric) {
  if (!outer.ok()) return Variable();
  if (!shape.IsFullyDefined()) {
    outer.UpdateStatus(errors::InvalidArgument("LocalVariable: shape ", shape.DebugString(), " is not fully defined"));
    return Variable();
  }
  Scope scope = outer.WithNoControlDependencies();
  if (outer.data()->op_name.has_value()) scope = scope.WithOpName(*outer.data()->op_name);
  NameScope names = MakeNameScope(scope, "Variable");
  Output initial = init::Zeros()(names.helpers.NewSubScope("Initializer"), shape, dtype);
  if (!initial.valid()) return Variable();
  Output ref = NodeBuilder(names.op, "VariableV2").Attr("shape", shape).Attr("dtype", dtype).Finalize();
  if (!ref.valid()) return Variable();
  Operation assign = NodeBuilder(names.helpers.WithOpName("Assign"), "Assign").Input(ref).Input(initial).Finalize();
  Output read = NodeBuilder(names.helpers.WithOpName("read"), "Identity").Input(ref).Finalize();
  if (!assign.valid() || !read.valid()) return Variable();
  outer.AddToCollection(kLocalVariables, names.name);
  if (metric) outer.AddToCollection(kMetricVariables, names.name);
  return Variable::FromParts(ref, read, assign);
}

}  // namespace ops

namespace metrics {

namespace {

Output CastTo(const Scope& s, const Output& x, DataType dtype) {
  if (!x.valid()) return Output();
  return x.dtype() == dtype ? x : ops::Cast(s, x, dtype);
}

Output AllAxes(const Scope& s, const Output& x) {
  if (!x.valid()) return Output();
  int rank = x.shape().rank();
  if (rank < 0) return ops::Range(s, 0, ops::Rank(s, x), 1);
  std::vector<int32_t> axes(rank);
  for (int i = 0; i < rank; ++i) axes[i] = i;
  return ops::Const(s, Tensor::FromVector(axes));
}

Output SumAll(const Scope& s, const Output& x) { return x.valid() ? ops::Sum(s, x, AllAxes(s, x)) : Output(); }

// The value an update op (AssignAdd, a ref) leaves in its variable.
Output Updated(const Scope& s, const Output& variable_ref, const Output& delta) {
  return ops::Identity(s, ops::AssignAdd(s, variable_ref, delta));
}

bool LastDimMayBeOne(const TensorShape& shape) {
  return shape.rank() > 0 && (shape.dim(shape.rank() - 1) == 1 || shape.dim(shape.rank() - 1) < 0);
}

// confusion_matrix.remove_squeezable_dimensions (expected_rank_diff 0), where ranks are known.
void SqueezeLabelsAndPredictions(const Scope& s, Output* labels, Output* predictions) {
  int p_rank = predictions->shape().rank(), l_rank = labels->shape().rank();
  if (p_rank < 0 || l_rank < 0) return;
  if (p_rank - l_rank == 1 && LastDimMayBeOne(predictions->shape())) {
    *predictions = ops::Squeeze(s, *predictions, {-1});
  } else if (l_rank - p_rank == 1 && LastDimMayBeOne(labels->shape())) {
    *labels = ops::Squeeze(s, *labels, {-1});
  }
}

// metrics_impl._remove_squeezable_dimensions: labels and predictions as above, checked to be
// compatible, and weights of one rank more or less than the predictions squeezed or expanded.
bool RemoveSqueezableDimensions(const Scope& s, const std::string& who, Output* predictions, Output* labels,
                                Output* weights) {
  if (labels != nullptr) {
    SqueezeLabelsAndPredictions(s, labels, predictions);
    if (!labels->valid() || !predictions->valid()) return false;
    if (!predictions->shape().IsCompatibleWith(labels->shape())) {
      s.UpdateStatus(errors::InvalidArgument(who, ": the shape of predictions ", predictions->shape().DebugString(),
                                             " is not compatible with the shape of labels ",
                                             labels->shape().DebugString()));
      return false;
    }
  }
  if (weights == nullptr || !weights->valid()) return s.ok();
  int w_rank = weights->shape().rank(), p_rank = predictions->shape().rank();
  if (w_rank <= 0 || p_rank < 0) return s.ok();
  if (w_rank - p_rank == 1) {
    *weights = ops::Squeeze(s, *weights, {-1});
  } else if (p_rank - w_rank == 1) {
    *weights = ops::ExpandDims(s, *weights, -1);
  }
  return s.ok() && weights->valid();
}

Output BroadcastWeights(const Scope& s, const std::string& who, const Output& weights, const Output& values) {
  return losses::BroadcastWeights(s, weights, values, who);
}

MetricResult MeanIn(const Scope& h, const std::string& who, Output values, Output weights) {
  values = CastTo(h, values, DT_FLOAT);
  if (!values.valid()) return {};
  Variable total = ops::LocalVariable(h.WithOpName("total"), TensorShape{}, DT_FLOAT);
  Variable count = ops::LocalVariable(h.WithOpName("count"), TensorShape{}, DT_FLOAT);
  if (!total.valid() || !count.valid()) return {};
  Output num_values;
  if (!weights.valid()) {
    num_values = ops::Cast(h, ops::Size(h, values), DT_FLOAT);
  } else {
    if (!RemoveSqueezableDimensions(h, who, &values, nullptr, &weights)) return {};
    weights = BroadcastWeights(h, who, CastTo(h, weights, DT_FLOAT), values);
    if (!weights.valid()) return {};
    values = ops::Mul(h, values, weights);
    num_values = SumAll(h, weights);
  }
  Output update_total = Updated(h, total.ref(), SumAll(h, values));
  Output update_count = Updated(h.WithControlDependencies({values.op()}), count.ref(), num_values);
  Output zero = ops::Const(h, 0.0f);
  MetricResult r;
  r.value = ops::DivNoNan(h.WithOpName("value"), total.value(), ops::Maximum(h, count.value(), zero));
  r.update_op = ops::DivNoNan(h.WithOpName("update_op"), update_total, ops::Maximum(h, update_count, zero));
  if (!h.ok()) return {};
  return r;
}

enum class Outcome { kTruePositive, kFalsePositive, kTrueNegative, kFalseNegative };

// A count of one outcome (metrics_impl._count_condition) in `h`: variable "count".
MetricResult CountIn(const Scope& h, const std::string& who, Output labels, Output predictions, Output weights,
                     Outcome outcome) {
  predictions = CastTo(h, predictions, DT_BOOL);
  labels = CastTo(h, labels, DT_BOOL);
  if (!predictions.valid() || !labels.valid()) return {};
  if (!RemoveSqueezableDimensions(h, who, &predictions, &labels, &weights)) return {};
  bool want_label = outcome == Outcome::kTruePositive || outcome == Outcome::kFalseNegative;
  bool want_prediction = outcome == Outcome::kTruePositive || outcome == Outcome::kFalsePositive;
  Output is_outcome = ops::LogicalAnd(h, ops::Equal(h, labels, want_label), ops::Equal(h, predictions, want_prediction));
  Variable count = ops::LocalVariable(h.WithOpName("count"), TensorShape{}, DT_FLOAT);
  if (!count.valid()) return {};
  Output values = ops::Cast(h, is_outcome, DT_FLOAT);
  if (weights.valid()) {
    int w_rank = weights.shape().rank(), v_rank = values.shape().rank();
    if (w_rank > 0 && v_rank >= 0 && w_rank != v_rank) {
      h.UpdateStatus(errors::InvalidArgument(who, ": weights of shape ", weights.shape().DebugString(),
                                             " are neither a scalar nor of the rank of the values ",
                                             values.shape().DebugString()));
      return {};
    }
    values = ops::Mul(h, values, CastTo(h, weights, DT_FLOAT));
  }
  MetricResult r;
  r.value = ops::Identity(h, count.value());
  r.update_op = Updated(h, count.ref(), SumAll(h, values));
  if (!h.ok()) return {};
  return r;
}

MetricResult Count(const Scope& scope, const Input& labels, const Input& predictions, const Output& weights,
                   Outcome outcome, const std::string& default_name) {
  if (!scope.ok()) return {};
  NameScope names = MakeNameScope(scope, default_name);
  const Scope& h = names.helpers;
  return CountIn(h, names.name, labels.ToOutput(h), predictions.ToOutput(h), weights, outcome);
}

// precision (tp, fp) or recall (tp, fn): a / (a + b), 0 where a + b is 0.
MetricResult Ratio(const Scope& scope, const Input& labels_in, const Input& predictions_in, const Output& weights_in,
                   bool recall) {
  if (!scope.ok()) return {};
  NameScope names = MakeNameScope(scope, recall ? "recall" : "precision");
  const Scope& h = names.helpers;
  Output predictions = CastTo(h, predictions_in.ToOutput(h), DT_BOOL);
  Output labels = CastTo(h, labels_in.ToOutput(h), DT_BOOL);
  Output weights = weights_in;
  if (!predictions.valid() || !labels.valid()) return {};
  if (!RemoveSqueezableDimensions(h, names.name, &predictions, &labels, &weights)) return {};
  MetricResult tp = CountIn(h.NewSubScope("true_positives"), names.name, labels, predictions, weights,
                            Outcome::kTruePositive);
  MetricResult other = recall ? CountIn(h.NewSubScope("false_negatives"), names.name, labels, predictions, weights,
                                        Outcome::kFalseNegative)
                              : CountIn(h.NewSubScope("false_positives"), names.name, labels, predictions, weights,
                                        Outcome::kFalsePositive);
  if (!tp.value.valid() || !other.value.valid()) return {};
  auto ratio = [&](const Output& a, const Output& b, const std::string& name) {
    Output sum = ops::Add(h, a, b);
    return ops::Select(h.WithOpName(name), ops::Greater(h, sum, 0.0f), ops::RealDiv(h, a, sum), ops::ZerosLike(h, sum));
  };
  MetricResult r{ratio(tp.value, other.value, "value"), ratio(tp.update_op, other.update_op, "update_op")};
  if (!h.ok()) return {};
  return r;
}

}  // namespace

MetricResult Mean(const Scope& scope, const Input& values, const Output& weights) {
  if (!scope.ok()) return {};
  NameScope names = MakeNameScope(scope, "mean");
  return MeanIn(names.helpers, names.name, values.ToOutput(names.helpers), weights);
}

MetricResult Accuracy(const Scope& scope, const Input& labels_in, const Input& predictions_in, const Output& weights_in) {
  if (!scope.ok()) return {};
  NameScope names = MakeNameScope(scope, "accuracy");
  const Scope& h = names.helpers;
  Output labels = labels_in.ToOutput(h);
  Output predictions = predictions_in.ToOutput(h);
  Output weights = weights_in;
  if (!labels.valid() || !predictions.valid()) return {};
  if (!RemoveSqueezableDimensions(h, names.name, &predictions, &labels, &weights)) return {};
  predictions = CastTo(h, predictions, labels.dtype());
  Output is_correct = ops::Cast(h, ops::Equal(h, predictions, labels), DT_FLOAT);
  return MeanIn(h, names.name, is_correct, weights);
}

MetricResult Precision(const Scope& scope, const Input& labels, const Input& predictions, const Output& weights) {
  return Ratio(scope, labels, predictions, weights, /*recall=*/false);
}

MetricResult Recall(const Scope& scope, const Input& labels, const Input& predictions, const Output& weights) {
  return Ratio(scope, labels, predictions, weights, /*recall=*/true);
}

MetricResult TruePositives(const Scope& scope, const Input& labels, const Input& predictions, const Output& weights) {
  return Count(scope, labels, predictions, weights, Outcome::kTruePositive, "true_positives");
}

MetricResult FalsePositives(const Scope& scope, const Input& labels, const Input& predictions, const Output& weights) {
  return Count(scope, labels, predictions, weights, Outcome::kFalsePositive, "false_positives");
}

MetricResult TrueNegatives(const Scope& scope, const Input& labels, const Input& predictions, const Output& weights) {
  return Count(scope, labels, predictions, weights, Outcome::kTrueNegative, "true_negatives");
}

MetricResult FalseNegatives(const Scope& scope, const Input& labels, const Input& predictions, const Output& weights) {
  return Count(scope, labels, predictions, weights, Outcome::kFalseNegative, "false_negatives");
}

namespace {

// The mean of f(labels, predictions) under `default_name`.
MetricResult MeanOfErrors(const Scope& scope, const Input& labels_in, const Input& predictions_in,
                          const Output& weights_in, const std::string& default_name, bool squared) {
  if (!scope.ok()) return {};
  NameScope names = MakeNameScope(scope, default_name);
  const Scope& h = names.helpers;
  Output labels = labels_in.ToOutput(h);
  Output predictions = predictions_in.ToOutput(h);
  Output weights = weights_in;
  if (!labels.valid() || !predictions.valid()) return {};
  if (!RemoveSqueezableDimensions(h, names.name, &predictions, &labels, &weights)) return {};
  Output errors = squared ? ops::SquaredDifference(h, labels, predictions) : ops::Abs(h, ops::Sub(h, predictions, labels));
  return MeanIn(h, names.name, errors, weights);
}

}  // namespace

MetricResult MeanSquaredError(const Scope& scope, const Input& labels, const Input& predictions, const Output& weights) {
  return MeanOfErrors(scope, labels, predictions, weights, "mean_squared_error", /*squared=*/true);
}

MetricResult MeanAbsoluteError(const Scope& scope, const Input& labels, const Input& predictions,
                               const Output& weights) {
  return MeanOfErrors(scope, labels, predictions, weights, "mean_absolute_error", /*squared=*/false);
}

MetricResult RootMeanSquaredError(const Scope& scope, const Input& labels, const Input& predictions,
                                  const Output& weights) {
  if (!scope.ok()) return {};
  MetricResult mse = MeanOfErrors(scope, labels, predictions, weights, "root_mean_squared_error", /*squared=*/true);
  if (!mse.value.valid()) return {};
  Scope s = scope.NewSubScope("");  // the scope without its WithOpName name, which the metric took
  return {ops::Sqrt(s, mse.value), ops::Sqrt(s, mse.update_op)};
}

MetricResult Auc(const Scope& scope, const Input& labels_in, const Input& predictions_in, const Output& weights_in,
                 const AucOptions& options) {
  if (!scope.ok()) return {};
  NameScope names = MakeNameScope(scope, "auc");
  const Scope& h = names.helpers;
  const std::string& who = names.name;
  std::vector<float> thresholds;
  constexpr double kEpsilon = 1e-7;  // TF's kepsilon, for floating point imprecision
  thresholds.push_back(static_cast<float>(0.0 - kEpsilon));
  if (!options.thresholds.empty()) {
    std::vector<float> sorted = options.thresholds;
    std::sort(sorted.begin(), sorted.end());
    thresholds.insert(thresholds.end(), sorted.begin(), sorted.end());
  } else {
    if (options.num_thresholds < 2) {
      h.UpdateStatus(errors::InvalidArgument(who, ": num_thresholds ", options.num_thresholds, " is less than 2"));
      return {};
    }
    for (int i = 0; i < options.num_thresholds - 2; ++i) {
      thresholds.push_back(static_cast<float>((i + 1) * 1.0 / (options.num_thresholds - 1)));
    }
  }
  thresholds.push_back(static_cast<float>(1.0 + kEpsilon));
  const int64_t n = static_cast<int64_t>(thresholds.size());

  // _confusion_matrix_at_thresholds.
  Output predictions = predictions_in.ToOutput(h);
  Output labels = labels_in.ToOutput(h);
  Output weights = weights_in;
  if (!predictions.valid() || !labels.valid()) return {};
  Output zero = CastTo(h, ops::Const(h, 0.0f), predictions.dtype());
  Output one = CastTo(h, ops::Const(h, 1.0f), predictions.dtype());
  Output message = Input(Tensor::Scalar<std::string>(who + ": predictions must be in [0, 1]")).ToOutput(h);
  Operation at_least_0 = ops::Assert(h.NewSubScope("assert_greater_equal"),
                                     ops::All(h, ops::GreaterEqual(h, predictions, zero), AllAxes(h, predictions)),
                                     {message, predictions});
  Operation at_most_1 = ops::Assert(h.NewSubScope("assert_less_equal"),
                                    ops::All(h, ops::LessEqual(h, predictions, one), AllAxes(h, predictions)),
                                    {message, predictions});
  if (!h.ok()) return {};
  Scope checked = h.WithControlDependencies({at_least_0, at_most_1});
  predictions = ops::Cast(checked, predictions, DT_FLOAT);
  labels = ops::Cast(checked, labels, DT_BOOL);
  if (!RemoveSqueezableDimensions(checked, who, &predictions, &labels, &weights)) return {};
  Output predictions_row = ops::Reshape(h, predictions, {1, -1});
  Output labels_row = ops::Reshape(h, labels, {1, -1});
  Output thresh = ops::Const(h, thresholds, TensorShape{n, 1});
  Output pred_is_pos = ops::Greater(h, predictions_row, thresh);  // [n, num_predictions]
  Output pred_is_neg = ops::LogicalNot(h, pred_is_pos);
  Output label_is_pos = labels_row;
  Output label_is_neg = ops::LogicalNot(h, labels_row);
  Output weights_row;
  if (weights.valid()) {
    Output w = BroadcastWeights(h, who, CastTo(h, weights, DT_FLOAT), predictions);
    if (!w.valid()) return {};
    weights_row = ops::Reshape(h, w, {1, -1});
  }
  struct Counter {
    Output value, update;
  };
  auto counter = [&](const std::string& name, const Output& label, const Output& pred) -> Counter {
    Variable v = ops::LocalVariable(h.WithOpName(name), TensorShape{n}, DT_FLOAT);
    if (!v.valid()) return {};
    Output is = ops::Cast(h, ops::LogicalAnd(h, label, pred), DT_FLOAT);
    if (weights_row.valid()) is = ops::Mul(h, is, weights_row);
    return {v.value(), Updated(h, v.ref(), ops::Sum(h, is, 1))};
  };
  Counter tp = counter("true_positives", label_is_pos, pred_is_pos);
  Counter fn = counter("false_negatives", label_is_pos, pred_is_neg);
  Counter tn = counter("true_negatives", label_is_neg, pred_is_neg);
  Counter fp = counter("false_positives", label_is_neg, pred_is_pos);
  if (!h.ok()) return {};

  constexpr float kEps = 1.0e-6f;
  auto head = [&](const Output& x) { return ops::Slice(h, x, {0}, Input({static_cast<int>(n - 1)})); };
  auto tail = [&](const Output& x) { return ops::Slice(h, x, {1}, Input({static_cast<int>(n - 1)})); };
  auto compute_auc = [&](const Output& tp, const Output& fn, const Output& tn, const Output& fp,
                         const std::string& name) -> Output {
    if (options.curve == AucCurve::PR && options.summation_method == AucSummation::CAREFUL_INTERPOLATION) {
      Output dtp = ops::Sub(h, head(tp), tail(tp));
      Output p = ops::Add(h, tp, fp);
      Output prec_slope = ops::DivNoNan(MakeNameScope(h, "prec_slope").op, dtp,
                                        ops::Maximum(h, ops::Sub(h, head(p), tail(p)), 0.0f));
      Output intercept = ops::Sub(h, tail(tp), ops::Mul(h, prec_slope, tail(p)));
      Output both_positive = ops::LogicalAnd(h, ops::Greater(h, head(p), 0.0f), ops::Greater(h, tail(p), 0.0f));
      Output safe_p_ratio = ops::Select(h, both_positive,
                                        ops::DivNoNan(MakeNameScope(h, "recall_relative_ratio").op, head(p),
                                                      ops::Maximum(h, tail(p), 0.0f)),
                                        ops::OnesLike(h, tail(p)));
      Output increment = ops::DivNoNan(
          MakeNameScope(h, "pr_auc_increment").op,
          ops::Mul(h, prec_slope, ops::Add(h, dtp, ops::Mul(h, intercept, ops::Log(h, safe_p_ratio)))),
          ops::Maximum(h, ops::Add(h, tail(tp), tail(fn)), 0.0f));
      return ops::Sum(h.WithOpName(name), increment, {0});
    }
    Output rec = ops::RealDiv(h, ops::Add(h, tp, kEps), ops::Add(h, ops::Add(h, tp, fn), kEps));
    Output x, y;
    if (options.curve == AucCurve::ROC) {
      x = ops::RealDiv(h, fp, ops::Add(h, ops::Add(h, fp, tn), kEps));
      y = rec;
    } else {
      x = rec;
      y = ops::RealDiv(h, ops::Add(h, tp, kEps), ops::Add(h, ops::Add(h, tp, fp), kEps));
    }
    Output dx = ops::Sub(h, head(x), tail(x));
    Output heights;
    switch (options.summation_method) {
      case AucSummation::MINORING:
        heights = ops::Minimum(h, head(y), tail(y));
        break;
      case AucSummation::MAJORING:
        heights = ops::Maximum(h, head(y), tail(y));
        break;
      default:
        heights = ops::RealDiv(h, ops::Add(h, head(y), tail(y)), 2.0f);
        break;
    }
    return ops::Sum(h.WithOpName(name), ops::Mul(h, dx, heights), {0});
  };
  MetricResult r{compute_auc(tp.value, fn.value, tn.value, fp.value, "value"),
                 compute_auc(tp.update, fn.update, tn.update, fp.update, "update_op")};
  if (!h.ok()) return {};
  return r;
}

Output ConfusionMatrix(const Scope& scope, const Input& labels_in, const Input& predictions_in,
                       const Output& num_classes_in, const Output& weights_in, DataType dtype) {
  if (!scope.ok()) return Output();
  NameScope names = MakeNameScope(scope, "confusion_matrix");
  const Scope& h = names.helpers;
  const std::string& who = names.name;
  Output labels = labels_in.ToOutput(h);
  Output predictions = predictions_in.ToOutput(h);
  if (!labels.valid() || !predictions.valid()) return Output();
  SqueezeLabelsAndPredictions(h, &labels, &predictions);
  predictions = CastTo(h, predictions, DT_INT64);
  labels = CastTo(h, labels, DT_INT64);
  if (!labels.valid() || !predictions.valid()) return Output();
  for (const Output* t : {&labels, &predictions}) {
    if (t->shape().rank() > 1) {
      h.UpdateStatus(errors::InvalidArgument(who, ": labels and predictions must be vectors, got ",
                                             t->shape().DebugString()));
      return Output();
    }
  }
  if (!predictions.shape().IsCompatibleWith(labels.shape())) {
    h.UpdateStatus(errors::InvalidArgument(who, ": the shape of predictions ", predictions.shape().DebugString(),
                                           " is not compatible with the shape of labels ",
                                           labels.shape().DebugString()));
    return Output();
  }
  auto checked = [&](const Output& t, const Output& condition, const std::string& what) {
    Output message = Input(Tensor::Scalar<std::string>(absl::StrCat(who, ": ", what))).ToOutput(h);
    Operation check = ops::Assert(h, ops::All(h, condition, {0}), {message, t});
    return ops::Identity(h.WithControlDependencies({check}), t);
  };
  labels = checked(labels, ops::GreaterEqual(h, labels, int64_t{0}), "`labels` contains negative values");
  predictions = checked(predictions, ops::GreaterEqual(h, predictions, int64_t{0}),
                        "`predictions` contains negative values");
  Output n;
  if (num_classes_in.valid()) {
    n = CastTo(h, num_classes_in, DT_INT64);
    if (n.valid() && n.shape().rank() > 0) {
      h.UpdateStatus(errors::InvalidArgument(who, ": num_classes must be a scalar, got ", n.shape().DebugString()));
      return Output();
    }
    labels = checked(labels, ops::Less(h, labels, n), "`labels` out of bound");
    predictions = checked(predictions, ops::Less(h, predictions, n), "`predictions` out of bound");
  } else {
    n = ops::Add(h, ops::Maximum(h, ops::Max(h, predictions, {0}), ops::Max(h, labels, {0})), int64_t{1});
  }
  Output values;
  if (weights_in.valid()) {
    if (!predictions.shape().IsCompatibleWith(weights_in.shape())) {
      h.UpdateStatus(errors::InvalidArgument(who, ": the shape of weights ", weights_in.shape().DebugString(),
                                             " is not compatible with the shape of predictions ",
                                             predictions.shape().DebugString()));
      return Output();
    }
    values = CastTo(h, weights_in, dtype);
  } else {
    values = ops::Cast(h, ops::OnesLike(h, predictions), dtype);
  }
  Output ids = ops::Add(h, ops::Mul(h, labels, n), predictions);
  Output counts = ops::UnsortedSegmentSum(h, values, ids, ops::Mul(h, n, n));
  Output shape = ops::Pack(h, {n, n});
  return ops::Reshape(names.op, counts, shape);
}

}  // namespace metrics
}  // namespace sluice
