// What a StridedSlice (TensorFlow's `x[b:e:s, ..., tf.newaxis, i]`) selects, worked out once
// for the op's shape function and its kernels: the sparse spec (begin, end, strides and the
// five masks, one bit per spec entry) expanded against the input's rank into one range per
// input dimension, clamped as Python slices are.
#ifndef SLUICE_CORE_STRIDED_SLICE_H_
#define SLUICE_CORE_STRIDED_SLICE_H_

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "core/tensor_shape.h"

namespace sluice {

struct StridedSliceMasks {
  int64_t begin_mask = 0;
  int64_t end_mask = 0;
  int64_t ellipsis_mask = 0;
  int64_t new_axis_mask = 0;
  int64_t shrink_axis_mask = 0;
};

// Per input dimension: element j of the slice along dim d is input index begin[d] + j *
// strides[d], for j < processing_shape[d] (-1 where the input dim is unknown). final_shape is the
// output shape: processing_shape with shrunk dims dropped and new axes (size 1) inserted.
struct StridedSliceSpec {
  std::vector<int64_t> begin, end, strides;
  TensorShape processing_shape;
  TensorShape final_shape;
  bool is_identity = false;  // every dim taken whole, in order, nothing added or dropped
};

// Works out the slice of an input of shape `input` (known rank; dims may be -1) for the
// sparse spec `begin`, `end`, `strides` (one entry each per spec position). Errors (a zero
// stride, more than one ellipsis, a shrunk index out of range, more indices than dims) are
// InvalidArgument naming the dimension and the shape.
StatusOr<StridedSliceSpec> ComputeStridedSlice(const TensorShape& input,
                                               const std::vector<int64_t>& begin,
                                               const std::vector<int64_t>& end,
                                               const std::vector<int64_t>& strides,
                                               const StridedSliceMasks& masks);

}  // namespace sluice

#endif  // SLUICE_CORE_STRIDED_SLICE_H_
