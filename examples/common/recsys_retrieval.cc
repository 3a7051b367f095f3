#include "examples/common/recsys_retrieval.h"

#include <cstdint>
#include <limits>

#include "ops/array_ops.h"
#include "ops/math_ops.h"
#include "ops/nn_ops.h"
#include "ops/scatter_ops.h"

namespace sluice {
namespace recsys {

ops::TopKOutput MaskedTopK(const Scope& scope, const Output& scores, const Output& exclude, int k) {
  if (!scope.ok()) return {};
  Scope s = scope.NewSubScope("masked_top_k");
  // 1 at every excluded (row, item), 0 elsewhere (a pair given twice sums to 2).
  auto shape = ops::Shape(s, scores, DT_INT64);
  auto count = ops::Slice(s, ops::Shape(s, exclude, DT_INT64), {int64_t{0}}, {int64_t{1}});
  auto hits = ops::ScatterNd(s, exclude, ops::Fill(s, count, 1.0f), shape);
  auto minus_inf = ops::Const(s, -std::numeric_limits<float>::infinity());
  auto masked = ops::SelectV2(s, ops::Greater(s, hits, 0.0f), minus_inf, scores);
  return ops::TopKV2(s, masked, k);
}

Output CosineSimilarity(const Scope& scope, const Output& table, const Output& query) {
  if (!scope.ok()) return Output();
  Scope s = scope.NewSubScope("cosine_similarity");
  auto unit = ops::L2Normalize(s, table, 1);
  auto rows = ops::GatherV2(s, unit, query, ops::Const(s, int64_t{0}));
  return ops::MatMul(s, rows, unit, /*transpose_a=*/false, /*transpose_b=*/true);
}

}  // namespace recsys
}  // namespace sluice
