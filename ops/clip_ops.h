// Gradient clipping, as TF1's tf.clip_by_value, tf.clip_by_norm, tf.global_norm and
// tf.clip_by_global_norm (ops::ClipByValue, in ops/math_ops.h, is the first), the last two also
// for gradients that are IndexedSlices. With an optimizer, clip between ComputeGradients and
// ApplyGradients:
//
//   train::GradientDescentOptimizer opt(0.1f);
//   std::vector<train::GradAndVar> grads;
//   SLUICE_CHECK_OK(opt.ComputeGradients(root, loss, {}, &grads));
//   std::vector<GradientValue> g;
//   for (const auto& [grad, var] : grads) g.push_back(grad);
//   ops::ClippedGradients clipped = ops::ClipGradientsByGlobalNorm(root, g, 5.0f);
//   for (size_t i = 0; i < grads.size(); ++i) grads[i].first = clipped.list[i];
//   Operation train_op = opt.ApplyGradients(root, grads);
//
// Each builds its ops under TF's name scope ("clip_by_norm/", "global_norm/",
// "clip_by_global_norm/"). Errors are recorded on the scope.
#ifndef SLUICE_OPS_CLIP_OPS_H_
#define SLUICE_OPS_CLIP_OPS_H_

#include <vector>

#include "ops/gradients.h"
#include "ops/scope.h"

namespace sluice {
namespace ops {

// t * clip_norm / max(l2norm(t), clip_norm), the L2 norm taken over `axes` (all of them when
// empty) and broadcast back; t itself where its norm is at most clip_norm (and where it is 0).
Output ClipByNorm(const Scope& scope, const Input& t, const Input& clip_norm, const std::vector<int>& axes = {});

// ClipByNorm of a gradient that may be an IndexedSlices, as TF1's clip_by_norm takes one: the
// norm is that of the slices' values (over `axes` of the values; duplicate indices are not
// summed first), the values are clipped and the indices and dense_shape stay, so the gradient
// stays sparse. A dense gradient is ClipByNorm's; an invalid one stays invalid.
GradientValue ClipGradientByNorm(const Scope& scope, const GradientValue& t, const Input& clip_norm,
                                 const std::vector<int>& axes = {});

// sqrt(sum of the squares of every element of every tensor of `t_list`): a scalar of their
// (common) dtype. Invalid entries are skipped.
Output GlobalNorm(const Scope& scope, const std::vector<Output>& t_list);

struct ClippedByGlobalNorm {
  std::vector<Output> list;  // t_list[i] * clip_norm / max(global_norm, clip_norm); invalid stays invalid
  Output global_norm;        // of t_list before clipping (use_norm when given)
};
// Scales every tensor of `t_list` by clip_norm / max(global_norm, clip_norm) (TF's
// clip_norm * min(1 / global_norm, 1 / clip_norm)); all NaN when the norm is not finite.
// `use_norm`, when valid, is the global norm to use instead of computing it.
ClippedByGlobalNorm ClipByGlobalNorm(const Scope& scope, const std::vector<Output>& t_list, const Input& clip_norm,
                                     const Output& use_norm = Output());

// ClipByGlobalNorm of gradients that may be IndexedSlices, as TF's clip_by_global_norm takes
// them: a sparse gradient contributes its values to the norm and has its values scaled (its
// indices and dense_shape stay), so it stays sparse.
struct ClippedGradients {
  std::vector<GradientValue> list;
  Output global_norm;
};
ClippedGradients ClipGradientsByGlobalNorm(const Scope& scope, const std::vector<GradientValue>& t_list,
                                           const Input& clip_norm, const Output& use_norm = Output());

}  // namespace ops
}  // namespace sluice

#endif  // SLUICE_OPS_CLIP_OPS_H_
