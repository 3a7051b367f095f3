// TopKV2 and TopK (tf.math.top_k): the k largest entries of each row of the last dimension.
//
//   auto top = ops::TopKV2(root, logits, 5);   // top.values [..., 5], top.indices (int32) [..., 5]
//
// Values come out in descending order; equal values in the order of their indices (the lower
// index first, as TensorFlow); NaN ranks above every number. k must be in [0, last dim]: another
// k is an error naming the node. The gradient flows to the input only, dy of the values
// scattered to the positions they came from (zeros elsewhere).
#ifndef SLUICE_OPS_TOPK_OPS_H_
#define SLUICE_OPS_TOPK_OPS_H_

#include <cstdint>

#include "ops/scope.h"

namespace sluice::ops {

struct TopKOutput {
  Output values;
  Output indices;
};

// `k` is an int32 scalar (a literal or a tensor computed in the graph). `sorted` is TF's attr:
// sluice always returns the values sorted, which `sorted = false` permits.
TopKOutput TopKV2(const Scope& scope, const Input& input, const Input& k, bool sorted = true);
// TF's older TopK, k as an attr.
TopKOutput TopK(const Scope& scope, const Input& input, int64_t k, bool sorted = true);

}  // namespace sluice::ops

#endif  // SLUICE_OPS_TOPK_OPS_H_
