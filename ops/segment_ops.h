// Client builders for the segment ops (TensorFlow 1.x's names and semantics) and for the ops
// that embedding lookups are built from: DynamicPartition, (Parallel)DynamicStitch, Unique.
//
// Segment ops reduce the slices of `data` that share a segment id. Ids are int32 or int64;
// data is float, double, int32 or int64 (SparseSegmentMean/SqrtN: float or double) of any rank
// >= 1. Three families:
//  - UnsortedSegment*(data, segment_ids, num_segments): segment_ids' shape is a prefix of data's,
//  the output is [num_segments] + data.shape[segment_ids.rank:]. Negative ids are dropped; an
//  id >= num_segments fails the run naming the node and the id. A segment without ids is 0
//  (Sum, Mean), 1 (Prod), lowest() (Max) or max() (Min).
//  - Segment*(data, segment_ids): segment_ids is a sorted, non-negative vector of data's dim 0;
//  the output has last id + 1 rows, rows of skipped ids are 0 (1 for Prod).
//  - SparseSegment*(data, indices, segment_ids): reduces the rows data[indices[j]] by the sorted
//  segment_ids[j]; the output has last id + 1 rows (num_segments for the *WithNumSegments
//  ops), skipped ids give zero rows. Mean divides by the number of rows of the segment, SqrtN
//  by its square root.
// Each builder records a shape or dtype error on the scope and returns an invalid Output; every
// op here has its gradient registered (SparseSegment{Sum,Mean,SqrtN}Grad(V2), themselves
// gradients, and Unique, whose ids are integers, have none).
#ifndef SLUICE_OPS_SEGMENT_OPS_H_
#define SLUICE_OPS_SEGMENT_OPS_H_

#include <vector>

#include "ops/scope.h"

namespace sluice {
namespace ops {

Output UnsortedSegmentMax(const Scope& scope, const Input& data, const Input& segment_ids,
                          const Input& num_segments);
Output UnsortedSegmentMin(const Scope& scope, const Input& data, const Input& segment_ids,
                          const Input& num_segments);
Output UnsortedSegmentProd(const Scope& scope, const Input& data, const Input& segment_ids,
                           const Input& num_segments);
// tf.math.unsorted_segment_mean: UnsortedSegmentSum divided by the number of ids of each
// segment (at least 1, so empty segments are 0); built from UnsortedSegmentSum, no op of its own.
Output UnsortedSegmentMean(const Scope& scope, const Input& data, const Input& segment_ids,
                           const Input& num_segments);
// tf.math.unsorted_segment_sqrt_n: the same divided by the square root of the count (float or
// double data).
Output UnsortedSegmentSqrtN(const Scope& scope, const Input& data, const Input& segment_ids,
                            const Input& num_segments);

Output SegmentSum(const Scope& scope, const Input& data, const Input& segment_ids);
Output SegmentMean(const Scope& scope, const Input& data, const Input& segment_ids);
Output SegmentMax(const Scope& scope, const Input& data, const Input& segment_ids);
Output SegmentMin(const Scope& scope, const Input& data, const Input& segment_ids);
Output SegmentProd(const Scope& scope, const Input& data, const Input& segment_ids);

Output SparseSegmentSum(const Scope& scope, const Input& data, const Input& indices, const Input& segment_ids);
Output SparseSegmentMean(const Scope& scope, const Input& data, const Input& indices, const Input& segment_ids);
Output SparseSegmentSqrtN(const Scope& scope, const Input& data, const Input& indices, const Input& segment_ids);
// The same with `num_segments` (int32 or int64) rows: segments up to num_segments - 1 without
// ids are zero rows; an id >= num_segments fails the run.
Output SparseSegmentSumWithNumSegments(const Scope& scope, const Input& data, const Input& indices,
                                       const Input& segment_ids, const Input& num_segments);
Output SparseSegmentMeanWithNumSegments(const Scope& scope, const Input& data, const Input& indices,
                                        const Input& segment_ids, const Input& num_segments);
Output SparseSegmentSqrtNWithNumSegments(const Scope& scope, const Input& data, const Input& indices,
                                         const Input& segment_ids, const Input& num_segments);
// The gradients of SparseSegmentSum / Mean / SqrtN with respect to data: output[indices[j]] +=
// grad[segment_ids[j]] (divided by n, or sqrt(n), n the size of segment_ids[j]'s segment), over
// [output_dim0] + grad.shape[1:]. (sluice differentiates SparseSegmentSum as TF1 does, with an
// UnsortedSegmentSum; SparseSegmentSumGrad is TensorFlow 2's, for the graphs it writes.)
Output SparseSegmentSumGrad(const Scope& scope, const Input& grad, const Input& indices,
                            const Input& segment_ids, const Input& output_dim0);
// TensorFlow 2's sparse form of those gradients: only the rows at the distinct indices, in
// increasing order (output[i] belongs to row sorted_unique_indices[i] of the dense gradient).
struct SparseSegmentGradV2Outputs {
  Output output;
  Output sorted_unique_indices;
};
SparseSegmentGradV2Outputs SparseSegmentSumGradV2(const Scope& scope, const Input& grad, const Input& indices,
                                                  const Input& segment_ids, const Input& dense_output_dim0);
SparseSegmentGradV2Outputs SparseSegmentMeanGradV2(const Scope& scope, const Input& grad, const Input& indices,
                                                   const Input& segment_ids, const Input& dense_output_dim0);
SparseSegmentGradV2Outputs SparseSegmentSqrtNGradV2(const Scope& scope, const Input& grad, const Input& indices,
                                                    const Input& segment_ids, const Input& dense_output_dim0);
Output SparseSegmentMeanGrad(const Scope& scope, const Input& grad, const Input& indices,
                             const Input& segment_ids, const Input& output_dim0);
Output SparseSegmentSqrtNGrad(const Scope& scope, const Input& grad, const Input& indices,
                              const Input& segment_ids, const Input& output_dim0);

// outputs[p] = the slices data[j...] with partitions[j...] == p (int32, shape a prefix of
// data's), in order, for p in [0, num_partitions); other partition values fail the run.
std::vector<Output> DynamicPartition(const Scope& scope, const Input& data, const Input& partitions,
                                     int64_t num_partitions);
// merged[indices[m][i...], ...] = data[m][i..., ...] for int32 `indices`; merged has
// max index + 1 rows, a later (m, i) wins for a repeated index, unnamed rows are zero.
Output DynamicStitch(const Scope& scope, const std::vector<Output>& indices, const std::vector<Output>& data);
// The same op under TensorFlow's other name, whose choice among repeated indices is left open
// (sluice's is DynamicStitch's); embedding lookups and DynamicPartition's gradient use it, as TF's.
Output ParallelDynamicStitch(const Scope& scope, const std::vector<Output>& indices,
                             const std::vector<Output>& data);

// The distinct values of the vector x in order of first occurrence (y), and each x's position
// in y (idx, of dtype out_idx: int32 or int64).
struct UniqueOutputs {
  Output y;
  Output idx;
};
UniqueOutputs Unique(const Scope& scope, const Input& x, DataType out_idx = DT_INT32);

}  // namespace ops
}  // namespace sluice

#endif  // SLUICE_OPS_SEGMENT_OPS_H_
