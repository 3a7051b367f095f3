// Array ops: placeholders and constants, identity, shape queries and shape manipulation
// (reshape, transpose, expand/squeeze, broadcast, tile, concat, pack), fills and one-hot. Names,
// inputs, attrs and defaults are TensorFlow 1.x's.
//
//   auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 784});
//   auto img = ops::Reshape(root, x, {-1, 28, 28, 1});
//   auto c = ops::ConcatV2(root, {a, b}, -1);
//
// Every builder records a shape or dtype error on the scope (naming the node and the shapes) and
// returns an invalid Output; kernels check the same conditions again at run time.
#ifndef SLUICE_OPS_ARRAY_OPS_H_
#define SLUICE_OPS_ARRAY_OPS_H_

#include <cstdint>
#include <initializer_list>
#include <type_traits>
#include <vector>

#include "ops/scope.h"

namespace sluice::ops {

// A value to feed at run time. `shape` may have unknown (-1) dims or unknown rank; a fed value
// must match it. Running the graph without feeding it fails with "You must feed a value for
// placeholder tensor '<name>' with dtype <dtype> and shape <shape>".
Output Placeholder(const Scope& scope, DataType dtype,
                   const TensorShape& shape = TensorShape::UnknownRank());
// `input` unless a value is fed; the fed value must match `shape`.
Output PlaceholderWithDefault(const Scope& scope, const Input& input, const TensorShape& shape);

// A constant holding `value` (its buffer is shared, not copied, by every run).
Output Const(const Scope& scope, const Tensor& value);
// A constant from a literal Input (a scalar or a flat list); an Output is an error.
Output Const(const Scope& scope, const Input& value);
// A scalar constant.
template <typename T>
  requires std::is_arithmetic_v<T>
Output Const(const Scope& scope, T value) {
  return Const(scope, Tensor::Scalar<T>(value));
}
// A constant of `shape` filled with `value`.
template <typename T>
  requires std::is_arithmetic_v<T>
Output Const(const Scope& scope, T value, const TensorShape& shape) {
  if (!shape.IsFullyDefined()) {
    scope.UpdateStatus(errors::InvalidArgument("Const: shape ", shape.DebugString(),
                                               " is not fully defined"));
    return Output();
  }
  return Const(scope, Tensor::FromVector(std::vector<T>(shape.num_elements(), value), shape));
}
// A constant of `shape` holding `values` in row-major order; values.size() must equal the
// shape's element count.
template <typename T>
Output Const(const Scope& scope, const std::vector<T>& values, const TensorShape& shape) {
  if (!shape.IsFullyDefined() || shape.num_elements() != static_cast<int64_t>(values.size())) {
    scope.UpdateStatus(errors::InvalidArgument("Const: ", values.size(),
                                               " values do not fill shape ", shape.DebugString()));
    return Output();
  }
  return Const(scope, Tensor::FromVector(values, shape));
}
template <typename T>
Output Const(const Scope& scope, std::initializer_list<T> values, const TensorShape& shape) {
  return Const(scope, std::vector<T>(values), shape);
}
// A vector constant.
template <typename T>
Output Const(const Scope& scope, std::initializer_list<T> values) {
  return Const(scope, Tensor::FromVector(std::vector<T>(values)));
}

// `input` unchanged (also reads a ref-typed input, as TF1's "<var>/read" does).
Output Identity(const Scope& scope, const Input& input);
// `input` unchanged; gradients do not flow through it.
Output StopGradient(const Scope& scope, const Input& input);
// Does nothing; useful as a target that carries control dependencies.
Operation NoOp(const Scope& scope);
// A NoOp that runs after all of `deps` (tf.group).
Operation Group(const Scope& scope, const std::vector<Operation>& deps);

// Zeros, resp. ones, of the shape and dtype of `x`.
Output ZerosLike(const Scope& scope, const Input& x);
Output OnesLike(const Scope& scope, const Input& x);
// A tensor of shape `dims` (int32 or int64 vector) filled with the scalar `value`.
Output Fill(const Scope& scope, const Input& dims, const Input& value);

// The shape of `input` as a vector of `out_type` (int32 or int64).
Output Shape(const Scope& scope, const Input& input, DataType out_type = DT_INT32);
// The number of elements of `input` as a scalar of `out_type`.
Output Size(const Scope& scope, const Input& input, DataType out_type = DT_INT32);
// The rank of `input` as an int32 scalar.
Output Rank(const Scope& scope, const Input& input);

// `tensor` with shape `shape`, which may hold one -1 (inferred from the element count).
// Shares the input's buffer.
Output Reshape(const Scope& scope, const Input& tensor, const Input& shape);
// Permutes the dimensions of `x`: output dim i is input dim perm[i].
Output Transpose(const Scope& scope, const Input& x, const Input& perm);
// The inverse of a permutation vector.
Output InvertPermutation(const Scope& scope, const Input& x);
// Inserts a dimension of size 1 at `axis` (in [-rank-1, rank]).
Output ExpandDims(const Scope& scope, const Input& input, const Input& axis);
// Removes the dimensions listed in `axis` (each must be 1), or all size-1 dims when empty.
Output Squeeze(const Scope& scope, const Input& input, const std::vector<int64_t>& axis = {});
// Broadcasts `input` to `shape` with NumPy rules.
Output BroadcastTo(const Scope& scope, const Input& input, const Input& shape);
// Repeats `input` multiples[i] times along dim i.
Output Tile(const Scope& scope, const Input& input, const Input& multiples);
// Concatenates `values` (at least two) along `axis`, which may be negative.
Output ConcatV2(const Scope& scope, const std::vector<Output>& values, const Input& axis);
// Stacks `values` (same shapes) along a new dimension `axis`.
Output Pack(const Scope& scope, const std::vector<Output>& values, int64_t axis = 0);
// Splits `value` along dimension `axis` (of size `num`) into `num` tensors.
std::vector<Output> Unpack(const Scope& scope, const Input& value, int64_t num, int64_t axis = 0);
// The slice of `input` starting at `begin` with extent `size` (-1: to the end), per dim.
Output Slice(const Scope& scope, const Input& input, const Input& begin, const Input& size);
// `input` with paddings[i][0] zeros before and paddings[i][1] zeros after along dim i;
// `paddings` is an int32 or int64 matrix of shape [rank, 2].
Output Pad(const Scope& scope, const Input& input, const Input& paddings);
// For ConcatV2's gradient: the offsets (int32 vectors) of each of `shapes` in the
// concatenation along `concat_dim`.
std::vector<Output> ConcatOffset(const Scope& scope, const Input& concat_dim,
                                 const std::vector<Output>& shapes);
// One-hot encodes `indices` (uint8, int32 or int64) into a new dimension of size `depth` at
// `axis` (-1: last): on_value where the index matches, off_value elsewhere (also for indices
// outside [0, depth)).
Output OneHot(const Scope& scope, const Input& indices, const Input& depth, const Input& on_value,
              const Input& off_value, int64_t axis = -1);

// Slices of `params` along `axis` (a scalar, negative from the end) at `indices` (int32 or
// int64, each in [0, params.shape[axis])): params[:axis] + indices.shape + params[axis+1:]
// (tf.gather). Its gradient is dense: UnsortedSegmentSum of dy by the indices. With batch_dims
// b (negative: from indices' rank) the first b dims of params and indices are batch dims that
// must match, axis >= b, each batch gathers with its own indices, and the output is
// params[:axis] + indices.shape[b:] + params[axis+1:]; its gradient needs known ranks.
Output GatherV2(const Scope& scope, const Input& params, const Input& indices, const Input& axis,
                int64_t batch_dims = 0);
// TF1's Gather: GatherV2 along axis 0.
Output Gather(const Scope& scope, const Input& params, const Input& indices);

// The five masks of StridedSlice, one bit per entry of begin/end/strides (TensorFlow's).
struct StridedSliceAttrs {
  int64_t begin_mask = 0;        // bit i: begin[i] ignored, the dim taken from its start
  int64_t end_mask = 0;          // bit i: end[i] ignored, the dim taken to its end
  int64_t ellipsis_mask = 0;     // bit i: entry i is `...` (at most one bit)
  int64_t new_axis_mask = 0;     // bit i: entry i is tf.newaxis, a new dim of size 1
  int64_t shrink_axis_mask = 0;  // bit i: entry i is an index; its dim is dropped
};
// Python slicing `input[b0:e0:s0, ...]`: per spec entry a range begin[i]:end[i]:strides[i]
// (negative values count from the end, out-of-range ones are clamped) or what `attrs` make
// of it. begin, end and strides are int32 or int64 vectors of one length.
// `x[:, tf.newaxis]` is StridedSlice(s, x, {0, 0}, {0, 0}, {1, 1}, {.begin_mask = 1,
// .end_mask = 1, .new_axis_mask = 2}); `x[..., 0]` is StridedSlice(s, x, {0, 0}, {0, 1},
// {1, 1}, {.ellipsis_mask = 1, .shrink_axis_mask = 2}).
Output StridedSlice(const Scope& scope, const Input& input, const Input& begin, const Input& end,
                    const Input& strides, const StridedSliceAttrs& attrs = {});
// StridedSlice's gradient: zeros of `shape` with dy where the slice of that shape took its
// elements from.
Output StridedSliceGrad(const Scope& scope, const Input& shape, const Input& begin,
                        const Input& end, const Input& strides, const Input& dy,
                        const StridedSliceAttrs& attrs = {});
// `input` unchanged; differentiating through it fails with `message`.
Output PreventGradient(const Scope& scope, const Input& input, const std::string& message = "");

// TF1's concat with the axis first (op Concat).
Output Concat(const Scope& scope, const Input& concat_dim, const std::vector<Output>& values);
// `value` cut into num_split equal parts along split_dim (which must divide evenly).
std::vector<Output> Split(const Scope& scope, const Input& split_dim, const Input& value, int64_t num_split);
// `value` cut along split_dim into parts of the sizes `size_splits` (a vector of known length;
// one entry may be -1: what the others leave).
std::vector<Output> SplitV(const Scope& scope, const Input& value, const Input& size_splits,
                           const Input& split_dim);
// `tensor` with the dimensions `axis` (a vector, negative from the end) reversed.
Output ReverseV2(const Scope& scope, const Input& tensor, const Input& axis);
// TF1's reverse: dims is a bool vector, one entry per dimension of `tensor`.
Output Reverse(const Scope& scope, const Input& tensor, const Input& dims);
// tf.reverse_sequence: for each b along batch_dim, the first seq_lengths[b] slices along
// seq_dim reversed and the rest left as they are. seq_lengths: an int32 or int64 vector of the
// batch dim's size, each entry in [0, input.shape[seq_dim]].
Output ReverseSequence(const Scope& scope, const Input& input, const Input& seq_lengths, int64_t seq_dim,
                       int64_t batch_dim = 0);

// Pad with the scalar constant_values instead of zeros.
Output PadV2(const Scope& scope, const Input& input, const Input& paddings, const Input& constant_values);
// The coordinates (int64 [num_true, rank], row-major order) of the true or nonzero elements
// of `condition` (tf.where with one argument).
Output Where(const Scope& scope, const Input& condition);

// `input` padded with mirror images of itself: "REFLECT" leaves the edge out ([1,2,3] padded by
// 2 before: [3,2,1,2,3]), "SYMMETRIC" repeats it ([2,1,1,2,3]). Paddings are at most the dim
// (SYMMETRIC) or the dim - 1 (REFLECT).
Output MirrorPad(const Scope& scope, const Input& input, const Input& paddings, const std::string& mode);
// MirrorPad's gradient: `grad` (of the padded shape) folded back onto the input's shape.
Output MirrorPadGrad(const Scope& scope, const Input& grad, const Input& paddings, const std::string& mode);

// The shapes of `inputs` (int32 or int64 vectors), as one Shape each.
std::vector<Output> ShapeN(const Scope& scope, const std::vector<Output>& inputs, DataType out_type = DT_INT32);

}  // namespace sluice::ops

#endif  // SLUICE_OPS_ARRAY_OPS_H_
