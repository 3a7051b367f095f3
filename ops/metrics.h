// Streaming metrics as TF1's tf.metrics (tf.compat.v1.metrics), and tf.math.confusion_matrix.
//
//   metrics::MetricResult acc = metrics::Accuracy(root, labels, ops::ArgMax(root, logits, 1));
//   Operation local_init = ops::LocalVariablesInitializer(root);
//   SLUICE_CHECK_OK(session.Run({}, {}, {local_init}));                 // zeroes the counts
//   std::vector<Tensor> out;
//   SLUICE_CHECK_OK(session.Run({{x, batch_x}, {y, batch_y}}, {acc.update_op}, &out));  // per batch
//   SLUICE_CHECK_OK(session.Run({}, {acc.value}, &out));                 // over all batches so far
//
// Each metric keeps its running state in local variables under its name scope ("accuracy/total",
// "accuracy/count"; the scope's WithOpName name instead of the default one): VariableV2s of
// zeros, not trainable and not global (Saver and GlobalVariablesInitializer leave them alone),
// in the "local_variables" and "metric_variables" collections. Running update_op adds one batch
// to the state and gives the metric over everything added so far; `value` reads the metric
// without changing it. Running the initializer again starts over. Errors are recorded on the
// scope. Weights, where given, are a scalar or broadcast to the predictions (after TF's squeeze
// of a trailing size-1 dim); an invalid Output means none.
//
// Note: ExportMetaGraph does not yet write the local_variables collection (it refuses variable
// collections added by name), so a graph with metrics does not export as a meta graph.
#ifndef SLUICE_OPS_METRICS_H_
#define SLUICE_OPS_METRICS_H_

#include <string>
#include <vector>

#include "ops/scope.h"
#include "ops/variables.h"

namespace sluice {

namespace ops {
// The variables of the "local_variables" collection (tf.local_variables), in the order added.
std::vector<Variable> LocalVariables(const Scope& scope);
// The variables of the "metric_variables" collection.
std::vector<Variable> MetricVariables(const Scope& scope);
// A NoOp named "init" (or "init_1", ...; the scope's WithOpName name) that runs the initializer
// of every local variable (tf.local_variables_initializer).
Operation LocalVariablesInitializer(const Scope& scope);
// A not trainable, not global ref variable of `shape` and `dtype` initialized to zeros, named by
// the scope's WithOpName name (or "Variable"), in the "local_variables" collection and, with
// `metric`, the "metric_variables" collection (TF's metric_variable).
Variable LocalVariable(const Scope& scope, const TensorShape& shape, DataType dtype, bool metric = true);
}  // namespace ops

namespace metrics {

struct MetricResult {
  // The metric of the state, read without changing it ("<name>/value"; an Identity of the count
  // for the counts).
  Output value;
  // Adds a batch to the state, then gives the metric of it ("<name>/update_op"; the count's
  // AssignAdd, read, for the counts).
  Output update_op;
};

// The (weighted) mean of `values`: total / count (0 while the count is 0).
// Variables "mean/total" and "mean/count" (float).
MetricResult Mean(const Scope& scope, const Input& values, const Output& weights = Output());

// The fraction of predictions equal to labels (same shape; predictions cast to labels' dtype),
// as Mean of the matches under "accuracy".
MetricResult Accuracy(const Scope& scope, const Input& labels, const Input& predictions,
                      const Output& weights = Output());

// tp / (tp + fp), 0 when there is no positive prediction; labels and predictions are cast to bool
// (nonzero is true). Variables "precision/true_positives/count", "precision/false_positives/count".
MetricResult Precision(const Scope& scope, const Input& labels, const Input& predictions,
                       const Output& weights = Output());
// tp / (tp + fn), 0 when there is no positive label.
MetricResult Recall(const Scope& scope, const Input& labels, const Input& predictions,
                    const Output& weights = Output());
// The (weighted) counts of each outcome, labels and predictions cast to bool ("<name>/count").
MetricResult TruePositives(const Scope& scope, const Input& labels, const Input& predictions,
                           const Output& weights = Output());
MetricResult FalsePositives(const Scope& scope, const Input& labels, const Input& predictions,
                            const Output& weights = Output());
MetricResult TrueNegatives(const Scope& scope, const Input& labels, const Input& predictions,
                           const Output& weights = Output());
MetricResult FalseNegatives(const Scope& scope, const Input& labels, const Input& predictions,
                            const Output& weights = Output());

// Means of (labels - predictions)^2 and |labels - predictions|, and the square root of the first.
MetricResult MeanSquaredError(const Scope& scope, const Input& labels, const Input& predictions,
                              const Output& weights = Output());
MetricResult MeanAbsoluteError(const Scope& scope, const Input& labels, const Input& predictions,
                               const Output& weights = Output());
MetricResult RootMeanSquaredError(const Scope& scope, const Input& labels, const Input& predictions,
                                  const Output& weights = Output());

enum class AucCurve { ROC, PR };
enum class AucSummation { TRAPEZOIDAL, CAREFUL_INTERPOLATION, MINORING, MAJORING };
struct AucOptions {
  int num_thresholds = 200;  // at least 2
  AucCurve curve = AucCurve::ROC;
  AucSummation summation_method = AucSummation::TRAPEZOIDAL;
  // When not empty: the interior thresholds to use instead of num_thresholds evenly spaced ones.
  std::vector<float> thresholds;
};
// The area under the ROC (or precision-recall) curve of predictions in [0, 1] (checked when the
// graph runs) against bool-cast labels, as TF1's tf.metrics.auc: tp, fp, tn, fn counted at the
// thresholds -1e-7, i / (num_thresholds - 1) for i in 1 .. num_thresholds - 2, and 1 + 1e-7
// (a prediction counts as positive where it is > the threshold), then with
// recall = (tp + 1e-6) / (tp + fn + 1e-6), fp_rate = fp / (fp + tn + 1e-6) and
// precision = (tp + 1e-6) / (tp + fp + 1e-6), summed over adjacent thresholds as
// (x[i] - x[i+1]) * (y[i] + y[i+1]) / 2 (TRAPEZOIDAL; MINORING and MAJORING take the min and
// max of y; CAREFUL_INTERPOLATION interpolates the PR curve as TF). Variables
// "auc/true_positives", "auc/false_negatives", "auc/true_negatives", "auc/false_positives".
MetricResult Auc(const Scope& scope, const Input& labels, const Input& predictions, const Output& weights = Output(),
                 const AucOptions& options = {});

// tf.math.confusion_matrix (not streaming): the [n, n] matrix whose (i, j) entry counts (or sums
// the weights of) the entries with label i and prediction j, of `dtype`. labels and predictions
// are integer vectors of one length (a trailing size-1 dim is squeezed); n is num_classes when
// it is valid, else max(labels, predictions) + 1. A negative label or prediction, or one >= n,
// fails the run with an error (an Assert).
Output ConfusionMatrix(const Scope& scope, const Input& labels, const Input& predictions,
                       const Output& num_classes = Output(), const Output& weights = Output(),
                       DataType dtype = DT_INT32);

}  // namespace metrics
}  // namespace sluice

#endif  // SLUICE_OPS_METRICS_H_
