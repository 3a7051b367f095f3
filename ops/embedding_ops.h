// Embedding lookups, as tf.nn.embedding_lookup and tf.nn.embedding_lookup_sparse of TensorFlow
// 1.x build them.
//
// A table is one tensor of rows (params, [vocabulary, ...]) or several partitions of one, whose
// dim-0 sizes add up to the vocabulary. Ids pick rows; which partition holds id `i` depends on
// the partition strategy:
//  - "mod": partition i % n, row i / n of it;
//  - "div": the ids split into n contiguous ranges, the first (vocabulary % n) ranges one row
//  longer than the others.
// Params may be plain tensors or variables' values or refs (ops::VariableV2's output,
// Variable::value(); the optimizers differentiate with respect to value(), so a table to be
// trained is passed as its values); resource variables are not handled here. For example (`root` a Scope):
//
//   // A 5-row table of 2-d embeddings, split "mod" into two partitions (ids 0, 2, 4 and 1, 3).
//   auto part0 = ops::Const(root, {0.f, 0.f, 2.f, 2.f, 4.f, 4.f}, {3, 2});
//   auto part1 = ops::Const(root, {1.f, 1.f, 3.f, 3.f}, {2, 2});
//   auto rows = ops::EmbeddingLookup(root, {part0, part1}, ops::Const(root, {3, 0, 4}));  // [3, 2]
//   // Two bags of ids, {1, 3} and {4}, combined by their mean: [[2, 2], [4, 4]].
//   ops::SparseIds bags{ops::Const(root, std::vector<int64_t>{0, 0, 0, 1, 1, 0}, {3, 2}),
//                       ops::Const(root, std::vector<int64_t>{1, 3, 4}, {3}),
//                       ops::Const(root, std::vector<int64_t>{2, 2}, {2})};
//   auto means = ops::EmbeddingLookupSparse(root, {part0, part1}, bags, std::nullopt, "mean");
#ifndef SLUICE_OPS_EMBEDDING_OPS_H_
#define SLUICE_OPS_EMBEDDING_OPS_H_

#include <optional>
#include <string>
#include <vector>

#include "ops/scope.h"

namespace sluice {
namespace ops {

// The rows of the table `params` (one or more partitions, see above) at `ids` (int32 or int64,
// any shape): shape ids.shape + params[0].shape[1:]. One partition is a Gather; several are
// TensorFlow's DynamicPartition of the ids by partition, a Gather per partition and a
// ParallelDynamicStitch of the results. With `max_norm`, each row whose L2 norm exceeds it is
// scaled to norm max_norm. An id outside the table fails the run naming the Gather of its
// partition (and the row it asks of it); an unknown strategy, no params, or partitions of other
// dtypes are errors on the scope.
Output EmbeddingLookup(const Scope& scope, const std::vector<Output>& params, const Input& ids,
                       const std::string& partition_strategy = "mod",
                       std::optional<float> max_norm = std::nullopt);

// A batch of id bags as tf.SparseTensor holds them: row r of the batch has the ids values[k]
// with indices[k] = (r, position); indices is int64 [N, 2], sorted by row (row-major order),
// values int32 or int64 [N], dense_shape int64 [2].
struct SparseIds {
  Output indices;
  Output values;
  Output dense_shape;
};

// tf.nn.embedding_lookup_sparse: per row r of `ids`, the embeddings of its ids (looked up as
// EmbeddingLookup does, each distinct id once) combined by `combiner`:
//  - "sum": sum_k w_k e_k;  "mean": sum_k w_k e_k / sum_k w_k;  "sqrtn": sum_k w_k e_k / sqrt(sum_k w_k^2),
// where `weights` (float or double [N], one per id, of the params' dtype or cast to it) default
// to 1 (then SparseSegment{Sum,Mean,SqrtN} combine the rows). The result has shape
// [last row with an id + 1] + params[0].shape[1:]: rows without ids are zero (also for weighted
// "mean" and "sqrtn", which divide with DivNoNan), trailing ones are missing, as TensorFlow's.
// Gradients flow to params (and weights).
Output EmbeddingLookupSparse(const Scope& scope, const std::vector<Output>& params, const SparseIds& ids,
                             const std::optional<Output>& weights = std::nullopt,
                             const std::string& combiner = "mean", const std::string& partition_strategy = "mod",
                             std::optional<float> max_norm = std::nullopt);

}  // namespace ops
}  // namespace sluice

#endif  // SLUICE_OPS_EMBEDDING_OPS_H_
