// Scatter and gather-by-index ops, with TensorFlow 1.x's names, attrs and semantics.
//
//   Variable v(root.WithOpName("v"), {4, 2}, init::Zeros());
//   auto set = ops::ScatterUpdate(root, v.ref(), {1, 3}, ops::Const(root, {1.f, 2.f, 3.f, 4.f}, {2, 2}));
//   auto dense = ops::ScatterNd(root, ops::Const(root, {0, 2}, {2, 1}), {5.f, 6.f}, {4});  // [5, 0, 6, 0]
//   auto picked = ops::GatherNd(root, dense, ops::Const(root, {2}, {1, 1}));              // [6]
//
// Row scatters (Scatter*, ResourceScatterUpdate) update rows of a variable: updates has shape
// indices.shape + var.shape[1:], or is a scalar applied to every indexed row. N-d ops
// (ScatterNd*, TensorScatter*, GatherNd) take indices of shape [..., K], each K-tuple naming a
// slice of the first K dims; updates (or GatherNd's output) has shape indices.shape[:-1] +
// shape[K:]. An index out of range fails the run with an error naming the node, the index's
// position and value; the variable is then left unchanged. Updates apply in index order: of
// duplicate indices the last assignment wins and additions sum.
//
// Gradients: ScatterNd's with respect to updates is GatherNd of dy; GatherNd's is ScatterNd of
// dy into params' shape; TensorScatterUpdate/Add pass dy to tensor (the overwritten slices
// zeroed for Update) and GatherNd of dy to updates. The variable ops have none (as in TF).
#ifndef SLUICE_OPS_SCATTER_OPS_H_
#define SLUICE_OPS_SCATTER_OPS_H_

#include "ops/scope.h"

namespace sluice::ops {

// ref[indices[i], ...] = updates[i, ...]; returns the ref. `ref` is a ref variable's ref()
// (Variable::ref()); updates is converted to the variable's dtype.
Output ScatterUpdate(const Scope& scope, const Output& ref, const Input& indices, const Input& updates,
                     bool use_locking = true);
// ref[indices[i], ...] *=, /=, min=, max= updates[i, ...]. Integer division by zero is an error.
Output ScatterMul(const Scope& scope, const Output& ref, const Input& indices, const Input& updates,
                  bool use_locking = false);
Output ScatterDiv(const Scope& scope, const Output& ref, const Input& indices, const Input& updates,
                  bool use_locking = false);
Output ScatterMin(const Scope& scope, const Output& ref, const Input& indices, const Input& updates,
                  bool use_locking = false);
Output ScatterMax(const Scope& scope, const Output& ref, const Input& indices, const Input& updates,
                  bool use_locking = false);
// The same as ScatterUpdate on a resource variable's handle (VarHandleOp's output).
Operation ResourceScatterUpdate(const Scope& scope, const Output& resource, const Input& indices,
                                const Input& updates);

// ref[indices[i]] = updates[i] / ref[indices[i]] += updates[i] for the slices indices names.
Output ScatterNdUpdate(const Scope& scope, const Output& ref, const Input& indices, const Input& updates,
                       bool use_locking = true);
Output ScatterNdAdd(const Scope& scope, const Output& ref, const Input& indices, const Input& updates,
                    bool use_locking = false);

// Zeros of `shape` (a vector of the indices' dtype) with each updates[i] added at indices[i].
Output ScatterNd(const Scope& scope, const Input& indices, const Input& updates, const Input& shape);
// A copy of `tensor` with the slices set to / increased by the updates.
Output TensorScatterUpdate(const Scope& scope, const Input& tensor, const Input& indices, const Input& updates);
Output TensorScatterAdd(const Scope& scope, const Input& tensor, const Input& indices, const Input& updates);
// output[i] = params[indices[i]]: shape indices.shape[:-1] + params.shape[K:].
Output GatherNd(const Scope& scope, const Input& params, const Input& indices);

}  // namespace sluice::ops

#endif  // SLUICE_OPS_SCATTER_OPS_H_
