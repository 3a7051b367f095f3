// Losses as TF1's tf.losses (tf.compat.v1.losses) and regularizers as TF1's tf.contrib.layers
// regularizers, composed of existing ops (no op of their own):
//
//   auto loss = losses::SoftmaxCrossEntropy(root, labels, logits, /*weights=*/1.0f, /*label_smoothing=*/0.1);
//   Output penalty = losses::ApplyRegularization(root, losses::L2Regularizer(1e-4), {w});
//   Output total = losses::GetTotalLoss(root);   // loss + penalty: both are in their collections
//
// Each loss builds its ops under TF's name scope ("mean_squared_error/", or the scope's
// WithOpName name), weighs the elementwise losses by `weights` (a scalar, or a tensor of the
// losses' rank whose dims are 1 or the losses' dims; checked while building where the shapes
// are known, else by an Assert when the graph runs), reduces them by `reduction`, and adds the
// result to the "losses" collection (GraphKeys.LOSSES) unless LossOptions::loss_collection is
// empty. As TF, the regression losses cast labels and predictions to float32 and every loss is
// weighed and reduced in float32 (the cross-entropies cast the result back to the logits'
// dtype). Errors (incompatible shapes, weights that do not broadcast) are recorded on the scope.
#ifndef SLUICE_OPS_LOSSES_H_
#define SLUICE_OPS_LOSSES_H_

#include <functional>
#include <string>
#include <vector>

#include "ops/scope.h"

namespace sluice {
namespace losses {

inline constexpr char kLossesCollection[] = "losses";
inline constexpr char kRegularizationLossesCollection[] = "regularization_losses";

// tf.losses.Reduction.
enum class Reduction {
  NONE,                      // the weighted losses, unreduced (the losses' shape)
  SUM,                       // their sum
  MEAN,                      // their sum over the sum of the (broadcast) weights
  SUM_OVER_BATCH_SIZE,       // their sum over the number of losses
  SUM_OVER_NONZERO_WEIGHTS,  // their sum over the number of nonzero (broadcast) weights
  SUM_BY_NONZERO_WEIGHTS = SUM_OVER_NONZERO_WEIGHTS,
};
// Every division of a reduction is DivNoNan: a zero denominator gives 0.

struct LossOptions {
  Reduction reduction = Reduction::SUM_BY_NONZERO_WEIGHTS;
  std::string loss_collection = kLossesCollection;  // empty: the loss is added to no collection
};

// Weighs and reduces `losses` (tf.losses.compute_weighted_loss; name scope "weighted_loss").
// The result is of the losses' dtype: a scalar, or the losses' shape for Reduction::NONE.
Output ComputeWeightedLoss(const Scope& scope, const Input& losses, const Input& weights = 1.0f,
                           const LossOptions& options = {});

// weights (cast to the values' dtype) * ones_like(values), or the weights themselves where both
// shapes are known and equal (TF's weights_broadcast_ops.broadcast_weights): weights must be a
// scalar or of the values' rank with each dim 1 or the values' dim, checked while building where
// the shapes are known and by an Assert when the graph runs otherwise. `who` starts the errors.
Output BroadcastWeights(const Scope& scope, const Output& weights, const Output& values,
                        const std::string& who = "broadcast_weights");

// (predictions - labels)^2.
Output MeanSquaredError(const Scope& scope, const Input& labels, const Input& predictions,
                        const Input& weights = 1.0f, const LossOptions& options = {});
// |predictions - labels|.
Output AbsoluteDifference(const Scope& scope, const Input& labels, const Input& predictions,
                          const Input& weights = 1.0f, const LossOptions& options = {});
// With e = |predictions - labels|: 0.5 e^2 where e <= delta, else 0.5 delta^2 + delta (e - delta).
Output HuberLoss(const Scope& scope, const Input& labels, const Input& predictions,
                 const Input& weights = 1.0f, double delta = 1.0, const LossOptions& options = {});
// -labels log(predictions + epsilon) - (1 - labels) log(1 - predictions + epsilon).
Output LogLoss(const Scope& scope, const Input& labels, const Input& predictions, const Input& weights = 1.0f,
               double epsilon = 1e-7, const LossOptions& options = {});
// max(0, 1 - (2 labels - 1) logits), labels in {0, 1}.
Output HingeLoss(const Scope& scope, const Input& labels, const Input& logits, const Input& weights = 1.0f,
                 const LossOptions& options = {});
// 1 - sum(labels * predictions) over `axis` (kept as size 1), for unit-normalized inputs
// (name scope "cosine_distance_loss").
Output CosineDistance(const Scope& scope, const Input& labels, const Input& predictions, int axis,
                      const Input& weights = 1.0f, const LossOptions& options = {});
// The elementwise logistic loss (ops::SigmoidCrossEntropyWithLogits) of logits against
// multi_class_labels in [0, 1] (cast to the logits' dtype), the labels first smoothed towards
// 1/2: labels (1 - label_smoothing) + 0.5 label_smoothing (name scope "sigmoid_cross_entropy_loss").
Output SigmoidCrossEntropy(const Scope& scope, const Input& multi_class_labels, const Input& logits,
                           const Input& weights = 1.0f, double label_smoothing = 0,
                           const LossOptions& options = {});
// The softmax cross-entropy of each row of logits [..., classes] against onehot_labels (a
// distribution per row, cast to the logits' dtype) smoothed towards uniform: labels
// (1 - label_smoothing) + label_smoothing / classes; no gradient flows into the labels. The
// losses have the logits' shape without its last dim (name scope "softmax_cross_entropy_loss").
Output SoftmaxCrossEntropy(const Scope& scope, const Input& onehot_labels, const Input& logits,
                           const Input& weights = 1.0f, double label_smoothing = 0,
                           const LossOptions& options = {});
// The same with labels class indices (int32 or int64) of the logits' shape without its last dim;
// labels (and weights) with an extra last dim of size 1 are squeezed first, as TF does
// (name scope "sparse_softmax_cross_entropy_loss").
Output SparseSoftmaxCrossEntropy(const Scope& scope, const Input& labels, const Input& logits,
                                 const Input& weights = 1.0f, const LossOptions& options = {});
// For each batch entry (dim 0) of labels and predictions [batch, ...]: the mean over pairs of
// elements i < j of ((labels_i - labels_j) - (predictions_i - predictions_j))^2, counting only
// elements of nonzero weight; the result is the sum over the batch of those times the weights
// (a scalar or [batch, 1, ...]), 0 when no weight is nonzero. As TF, no reduction option.
Output MeanPairwiseSquaredError(const Scope& scope, const Input& labels, const Input& predictions,
                                const Input& weights = 1.0f,
                                const std::string& loss_collection = kLossesCollection);

// tf.losses.add_loss: adds `loss` to collection `key`. An invalid loss is ignored.
void AddLoss(const Scope& scope, const Output& loss, const std::string& key = kLossesCollection);
// The tensors of collection `key`, in the order added; only those whose node name starts with
// `name_prefix` when it is given. A name that is no tensor of the graph is an error recorded on
// the scope (and left out).
std::vector<Output> GetLosses(const Scope& scope, const std::string& name_prefix = "",
                              const std::string& key = kLossesCollection);
std::vector<Output> GetRegularizationLosses(const Scope& scope, const std::string& name_prefix = "");
// Their sum, an AddN (an Identity for one) named "total_regularization_loss" (made unique, or the
// scope's WithOpName name); a float 0 constant when there are none.
Output GetRegularizationLoss(const Scope& scope, const std::string& name_prefix = "");
// The sum of the losses and, with add_regularization_losses, the regularization losses: an
// AddN (an Identity for one) named "total_loss" (made unique, or the scope's WithOpName name).
// No loss at all is an error.
Output GetTotalLoss(const Scope& scope, bool add_regularization_losses = true,
                    const std::string& name_prefix = "");

// ---- Regularizers (tf.contrib.layers) --------------------------------------------------------
// A regularizer builds the penalty of `weights`, a scalar of its dtype, in `scope`. It may
// return an invalid Output without recording an error: no penalty (TF's None; a scale of 0).
// The layers library (ops/layers.h) takes the same type.
using Regularizer = std::function<Output(const Scope&, const Output& weights)>;

// scale * sum(|w|), an op named "l1_regularizer" (helpers under "l1_regularizer/").
// A negative scale records an error when the regularizer is applied.
Regularizer L1Regularizer(double scale);
// scale * sum(w^2) / 2 (scale * L2Loss(w)), named "l2_regularizer".
Regularizer L2Regularizer(double scale);
// L1 and L2 summed, named "l1_l2_regularizer"; a zero scale leaves its term out.
Regularizer L1L2Regularizer(double scale_l1 = 1.0, double scale_l2 = 1.0);
// The sum of the penalties of `regularizers` (null ones are skipped), named "sum_regularizer";
// a null Regularizer when none is left.
Regularizer SumRegularizer(const std::vector<Regularizer>& regularizers, const std::string& name = "sum_regularizer");

// The sum of regularizer(w) over `weights_list` (at least one), an AddN named
// "get_regularization_penalty", added to the "regularization_losses" collection
// (tf.contrib.layers.apply_regularization). A penalty that is not a scalar is an error.
Output ApplyRegularization(const Scope& scope, const Regularizer& regularizer, const std::vector<Output>& weights_list);
// Adds `loss` to "regularization_losses" (GraphKeys.REGULARIZATION_LOSSES), as a layer does
// with the penalty of its kernel_regularizer. An invalid loss is ignored.
void AddRegularizationLoss(const Scope& scope, const Output& loss);

}  // namespace losses
}  // namespace sluice

#endif  // SLUICE_OPS_LOSSES_H_
