#include "ops/clip_ops.h"

#include "absl/strings/str_cat.h"
#include "ops/array_ops.h"
#include "ops/math_ops.h"
#include "ops/nn_ops.h"
#include "ops/state_ops.h"

namespace sluice {
namespace ops {

Output ClipByNorm(const Scope& scope, const Input& t, const Input& clip_norm, const std::vector<int>& axes) {
  if (!scope.ok()) return Output();
  internal::NameScope names = internal::MakeNameScope(scope, "clip_by_norm");
  const Scope& h = names.helpers;
  Output values = t.ToOutput(h.WithOpName("t"));
  if (!values.valid()) return Output();
  Output clip = clip_norm.ToOutput(h.WithOpName("clip_norm"), values.dtype());
  Output reduce_axes = axes.empty() ? Range(h, 0, Rank(h, values), 1)
                                    : Input(Tensor::FromVector(std::vector<int32_t>(axes.begin(), axes.end())))
                                          .ToOutput(h);
  // As TF: the norm through a safe sqrt, so that its gradient is 0 (not NaN) where t is 0.
  Output l2sum = Sum(h, Mul(h, values, values), reduce_axes, /*keep_dims=*/true);
  Output positive = Greater(h, l2sum, ZerosLike(h, l2sum));
  Output l2sum_safe = Select(h, positive, l2sum, OnesLike(h, l2sum));
  Output l2norm = Select(h, positive, Sqrt(h, l2sum_safe), l2sum);
  Output scaled = Mul(h, values, clip);
  return Identity(names.op, RealDiv(h, scaled, Maximum(h, l2norm, clip)));
}

GradientValue ClipGradientByNorm(const Scope& scope, const GradientValue& t, const Input& clip_norm,
                                 const std::vector<int>& axes) {
  if (!t.valid()) return GradientValue();
  if (!t.is_sparse()) return ClipByNorm(scope, t.dense(), clip_norm, axes);
  IndexedSlices slices = t.sparse();
  slices.values = ClipByNorm(scope, slices.values, clip_norm, axes);
  if (!slices.values.valid()) return GradientValue();
  return slices;
}

Output GlobalNorm(const Scope& scope, const std::vector<Output>& t_list) {
  if (!scope.ok()) return Output();
  internal::NameScope names = internal::MakeNameScope(scope, "global_norm");
  const Scope& h = names.helpers;
  std::vector<Output> half_squared;
  for (const Output& t : t_list) {
    if (t.valid()) half_squared.push_back(L2Loss(h, t));
  }
  if (half_squared.empty()) {
    scope.UpdateStatus(errors::InvalidArgument("GlobalNorm: no tensors (every entry of t_list is invalid)"));
    return Output();
  }
  Output sum = half_squared.size() == 1 ? half_squared[0] : AddN(h, half_squared);
  Output two = Input(2.0).ToOutput(h, sum.dtype());
  return Sqrt(names.op, Mul(h, sum, two));
}

ClippedByGlobalNorm ClipByGlobalNorm(const Scope& scope, const std::vector<Output>& t_list, const Input& clip_norm,
                                     const Output& use_norm) {
  ClippedByGlobalNorm result;
  if (!scope.ok()) return result;
  Output norm = use_norm.valid() ? use_norm : GlobalNorm(scope, t_list);
  if (!norm.valid()) return result;
  internal::NameScope names = internal::MakeNameScope(scope, "clip_by_global_norm");
  const Scope& h = names.helpers;
  Output clip = clip_norm.ToOutput(h.WithOpName("clip_norm"), norm.dtype());
  Output one = Input(1.0).ToOutput(h, norm.dtype());
  Output scale_for_finite = Mul(h, clip, Minimum(h, RealDiv(h, one, norm), RealDiv(h, one, clip)));
  // norm - norm is NaN where the norm is not finite, and then so is every clipped value.
  Output scale = Add(h, scale_for_finite, Sub(h, norm, norm));
  result.global_norm = norm;
  for (size_t i = 0; i < t_list.size(); ++i) {
    const Output& t = t_list[i];
    if (!t.valid()) {
      result.list.emplace_back();
      continue;
    }
    Output s = t.dtype() == scale.dtype() ? scale : Cast(h, scale, t.dtype());
    result.list.push_back(Identity(names.helpers.WithOpName(absl::StrCat("clip_by_global_norm_", i)), Mul(h, t, s)));
  }
  if (!scope.ok()) result.list.clear();
  return result;
}

ClippedGradients ClipGradientsByGlobalNorm(const Scope& scope, const std::vector<GradientValue>& t_list,
                                           const Input& clip_norm, const Output& use_norm) {
  std::vector<Output> tensors;
  for (const GradientValue& g : t_list) tensors.push_back(g.is_sparse() ? g.sparse().values : g.dense());
  ClippedByGlobalNorm clipped = ClipByGlobalNorm(scope, tensors, clip_norm, use_norm);
  ClippedGradients result;
  if (clipped.list.size() != t_list.size()) return result;
  result.global_norm = clipped.global_norm;
  for (size_t i = 0; i < t_list.size(); ++i) {
    if (!t_list[i].is_sparse()) {
      result.list.emplace_back(clipped.list[i]);
      continue;
    }
    IndexedSlices slices = t_list[i].sparse();
    slices.values = clipped.list[i];
    result.list.emplace_back(slices);
  }
  return result;
}

}  // namespace ops
}  // namespace sluice
