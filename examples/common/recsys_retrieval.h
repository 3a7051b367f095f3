// Top-k retrieval in the graph, for recommenders: the best-scoring items of each row of a score
// matrix with some (row, item) pairs masked out (the items a user has rated), and the cosine
// similarity of item embeddings. Both feed the TopKV2 op, so ranking runs in the session:
//
//   auto scores = ops::MatMul(root, user_rows, movie_table, false, /*transpose_b=*/true);
//   auto top = recsys::MaskedTopK(root, scores, rated_pairs, 10);   // top.indices [users, 10]
//
// Errors (wrong ranks or dtypes, k larger than the number of items) are recorded on the scope
// or reported by Session::Run naming the node.
#ifndef SLUICE_EXAMPLES_COMMON_RECSYS_RETRIEVAL_H_
#define SLUICE_EXAMPLES_COMMON_RECSYS_RETRIEVAL_H_

#include "ops/scope.h"
#include "ops/topk_ops.h"

namespace sluice {
namespace recsys {

// TopKV2 of `scores` (float [rows, items]) after the (row, item) pairs of `exclude` (int64
// [m, 2]; m may be 0) are set to -inf: values and int32 indices [rows, k], largest first, ties
// by the lower index. A row with fewer than k items left ends in excluded items of value -inf.
ops::TopKOutput MaskedTopK(const Scope& scope, const Output& scores, const Output& exclude, int k);

// The cosine similarity of the rows `query` (int64 [q]) of `table` (float [n, d]) with every row
// of it: [q, n]. A row of norm 0 has similarity 0 with every row (tf.nn.l2_normalize's epsilon).
Output CosineSimilarity(const Scope& scope, const Output& table, const Output& query);

}  // namespace recsys
}  // namespace sluice

#endif  // SLUICE_EXAMPLES_COMMON_RECSYS_RETRIEVAL_H_
