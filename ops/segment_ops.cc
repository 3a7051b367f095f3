// Segment ops: client builders and gradients (TensorFlow's math_grad.py / data_flow_grad.py /
// array_grad.py rules). Schemas are in ops/defs/segment_ops.cc, kernels in
// kernels/cpu/segment_ops.cc.
#include "ops/segment_ops.h"

#include "ops/array_ops.h"
#include "ops/gradients.h"
#include "ops/math_ops.h"

namespace sluice {
namespace {

using Grads = std::vector<Output>;

// [segment_ids.shape] + ones for the rest of `like`'s dims: a bool mask over segment_ids
// reshaped with it broadcasts against `like`.
Output MaskShape(const Scope& s, const Output& ids, const Output& like) {
  Output rest = ops::Slice(s, ops::Shape(s, like), ops::ExpandDims(s, ops::Rank(s, ids), 0), {-1});
  return ops::ConcatV2(s, {ops::Shape(s, ids), ops::OnesLike(s, rest)}, 0);
}

// TF's _GatherDropNegatives: params gathered at max(ids, 0), the rows of negative ids zeroed.
struct Gathered {
  Output values;  // params[max(ids, 0)], zero where ids < 0
  Output kept;    // ids >= 0, reshaped to broadcast against values
};
Gathered GatherDropNegatives(const Scope& s, const Output& params, const Output& ids) {
  Gathered g;
  Output gathered = ops::GatherV2(s, params, ops::Maximum(s, ids, ops::ZerosLike(s, ids)), 0);
  g.kept = ops::Reshape(s, ops::GreaterEqual(s, ids, ops::ZerosLike(s, ids)), MaskShape(s, ids, gathered));
  g.values = ops::SelectV2(s, g.kept, gathered, ops::ZerosLike(s, gathered));
  return g;
}

// Max and Min send the gradient of a segment to the elements equal to its result, split
// evenly among them (TF's _UnsortedSegmentMinOrMaxGrad).
Status UnsortedSegmentMinOrMaxGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  Output data = op.input(0), ids = op.input(1), num = op.input(2);
  Gathered out = GatherDropNegatives(s, op.output(0), ids);
  Output selected = ops::LogicalAnd(s, ops::Equal(s, data, out.values), out.kept);
  Output num_selected = ops::UnsortedSegmentSum(s, ops::Cast(s, selected, dy[0].dtype()), ids, num);
  Output spread = GatherDropNegatives(s, ops::Div(s, dy[0], num_selected), ids).values;
  dx->push_back(ops::SelectV2(s, selected, spread, ops::ZerosLike(s, spread)));
  dx->push_back(Output());
  dx->push_back(Output());
  return s.status();
}

// d prod / d x_j = the product of the segment's other elements: prod / x_j where x_j != 0, the
// product of the non-zero elements where x_j is the segment's only zero, 0 where the segment
// has two zeros or more (TF's _UnsortedSegmentProdGrad; `sum`, `prod` and `gather` are the
// unsorted or the sorted variants).
template <typename SumFn, typename ProdFn, typename GatherFn>
Output SegmentProdGradOf(const Scope& s, const Operation& op, const Output& dy, const SumFn& sum,
                         const ProdFn& prod, const GatherFn& gather) {
  Output data = op.input(0);
  Output is_zero = ops::Equal(s, data, ops::ZerosLike(s, data));
  Output num_zeros = sum(ops::Cast(s, is_zero, DT_INT32));
  Output grad = ops::SelectV2(s, ops::Greater(s, num_zeros, 1), ops::ZerosLike(s, dy), dy);
  Output non_zero_prod = prod(ops::SelectV2(s, is_zero, ops::OnesLike(s, data), data));
  Output by_element = ops::Div(s, gather(op.output(0)), data);
  Output partial = ops::SelectV2(s, is_zero, gather(non_zero_prod), by_element);
  return ops::Mul(s, gather(grad), partial);
}

Status UnsortedSegmentProdGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  Output ids = op.input(1), num = op.input(2);
  auto sum = [&](const Output& x) { return ops::UnsortedSegmentSum(s, x, ids, num); };
  auto prod = [&](const Output& x) { return ops::UnsortedSegmentProd(s, x, ids, num); };
  auto gather = [&](const Output& x) { return GatherDropNegatives(s, x, ids).values; };
  dx->push_back(SegmentProdGradOf(s, op, dy[0], sum, prod, gather));
  dx->push_back(Output());
  dx->push_back(Output());
  return s.status();
}

Status SegmentSumGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  dx->push_back(ops::GatherV2(s, dy[0], op.input(1), 0));
  dx->push_back(Output());
  return s.status();
}

// Each row gets its segment's gradient divided by the segment's size.
Status SegmentMeanGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  Output data = op.input(0), ids = op.input(1);
  Output ones_shape = ops::ConcatV2(
      s, {ops::Shape(s, ids), ops::Fill(s, ops::ExpandDims(s, ops::Sub(s, ops::Rank(s, data), 1), 0), 1)}, 0);
  Output counts = ops::SegmentSum(s, ops::Fill(s, ones_shape, ops::Cast(s, 1, data.dtype())), ids);
  dx->push_back(ops::GatherV2(s, ops::Div(s, dy[0], counts), ids, 0));
  dx->push_back(Output());
  return s.status();
}

Status SegmentMinOrMaxGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  Output data = op.input(0), ids = op.input(1);
  Output selected = ops::Equal(s, data, ops::GatherV2(s, op.output(0), ids, 0));
  Output num_selected = ops::SegmentSum(s, ops::Cast(s, selected, dy[0].dtype()), ids);
  Output spread = ops::GatherV2(s, ops::Div(s, dy[0], num_selected), ids, 0);
  dx->push_back(ops::SelectV2(s, selected, spread, ops::ZerosLike(s, data)));
  dx->push_back(Output());
  return s.status();
}

Status SegmentProdGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  Output ids = op.input(1);
  auto sum = [&](const Output& x) { return ops::SegmentSum(s, x, ids); };
  auto prod = [&](const Output& x) { return ops::SegmentProd(s, x, ids); };
  auto gather = [&](const Output& x) { return ops::GatherV2(s, x, ids, 0); };
  dx->push_back(SegmentProdGradOf(s, op, dy[0], sum, prod, gather));
  dx->push_back(Output());
  return s.status();
}

// data's dim 0 as an int32 scalar (a constant when it is known while building).
Output Dim0(const Scope& s, const Output& data) {
  const TensorShape& shape = data.shape();
  if (!shape.unknown_rank() && shape.rank() > 0 && shape.dim(0) >= 0) {
    return ops::Const(s, static_cast<int32_t>(shape.dim(0)));
  }
  return ops::GatherV2(s, ops::Shape(s, data), 0, 0);
}

// TF's: the rows of dy each index came from, summed back into data's rows.
Status SparseSegmentSumGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  Output data = op.input(0), indices = op.input(1), ids = op.input(2);
  dx->push_back(ops::UnsortedSegmentSum(s, ops::GatherV2(s, dy[0], ids, 0), indices, Dim0(s, data)));
  for (int i = 1; i < op.num_inputs(); ++i) dx->push_back(Output());  // (the WithNumSegments op has 4)
  return s.status();
}

template <bool kSqrtN>
Status SparseSegmentScaledGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  Output data = op.input(0), indices = op.input(1), ids = op.input(2);
  dx->push_back(kSqrtN ? ops::SparseSegmentSqrtNGrad(s, dy[0], indices, ids, Dim0(s, data))
                       : ops::SparseSegmentMeanGrad(s, dy[0], indices, ids, Dim0(s, data)));
  for (int i = 1; i < op.num_inputs(); ++i) dx->push_back(Output());
  return s.status();
}

// TF's: the gradients of the partitions stitched back at the positions their slices came from.
Status DynamicPartitionGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  Output data = op.input(0), partitions = op.input(1);
  Output positions = ops::Reshape(s, ops::Range(s, 0, ops::Size(s, partitions), 1), ops::Shape(s, partitions));
  std::vector<Output> parts = ops::DynamicPartition(s, positions, partitions, op.num_outputs());
  std::vector<Output> grads;
  for (int i = 0; i < op.num_outputs(); ++i) grads.push_back(dy[i].valid() ? dy[i] : ops::ZerosLike(s, op.output(i)));
  dx->push_back(ops::Reshape(s, ops::ParallelDynamicStitch(s, parts, grads), ops::Shape(s, data)));
  dx->push_back(Output());
  return s.status();
}

// TF's: each data[m] gets the merged gradient at its indices (repeated indices all get it).
Status DynamicStitchGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  const int n = op.num_inputs() / 2;
  for (int m = 0; m < n; ++m) dx->push_back(Output());
  for (int m = 0; m < n; ++m) dx->push_back(ops::GatherV2(s, dy[0], op.input(m), 0));
  return s.status();
}

REGISTER_GRADIENT("UnsortedSegmentMax", UnsortedSegmentMinOrMaxGrad);
REGISTER_GRADIENT("UnsortedSegmentMin", UnsortedSegmentMinOrMaxGrad);
REGISTER_GRADIENT("UnsortedSegmentProd", UnsortedSegmentProdGrad);
REGISTER_GRADIENT("SegmentSum", SegmentSumGrad);
REGISTER_GRADIENT("SegmentMean", SegmentMeanGrad);
REGISTER_GRADIENT("SegmentMax", SegmentMinOrMaxGrad);
REGISTER_GRADIENT("SegmentMin", SegmentMinOrMaxGrad);
REGISTER_GRADIENT("SegmentProd", SegmentProdGrad);
REGISTER_GRADIENT("SparseSegmentSum", SparseSegmentSumGrad);
REGISTER_GRADIENT("SparseSegmentMean", SparseSegmentScaledGrad<false>);
REGISTER_GRADIENT("SparseSegmentSqrtN", SparseSegmentScaledGrad<true>);
REGISTER_GRADIENT("SparseSegmentSumWithNumSegments", SparseSegmentSumGrad);
REGISTER_GRADIENT("SparseSegmentMeanWithNumSegments", SparseSegmentScaledGrad<false>);
REGISTER_GRADIENT("SparseSegmentSqrtNWithNumSegments", SparseSegmentScaledGrad<true>);
REGISTER_GRADIENT("DynamicPartition", DynamicPartitionGrad);
REGISTER_GRADIENT("DynamicStitch", DynamicStitchGrad);
REGISTER_GRADIENT("ParallelDynamicStitch", DynamicStitchGrad);
REGISTER_NO_GRADIENT("Unique");

Output Build(const Scope& s, const char* op, std::initializer_list<Input> inputs) {
  NodeBuilder b(s, op);
  for (const Input& in : inputs) b.Input(in.ToOutput(s));
  return b.Finalize();
}

Output SparseSegmentGradOf(const Scope& s, const char* op, const Input& grad, const Input& indices,
                           const Input& segment_ids, const Input& output_dim0) {
  return NodeBuilder(s, op)
      .Input(grad.ToOutput(s))
      .Input(indices.ToOutput(s))
      .Input(segment_ids.ToOutput(s))
      .Input(output_dim0.ToOutput(s, DT_INT32))
      .Finalize();
}

ops::SparseSegmentGradV2Outputs SparseSegmentGradV2Of(const Scope& s, const char* op, const Input& grad,
                                                      const Input& indices, const Input& segment_ids,
                                                      const Input& output_dim0) {
  Operation node = NodeBuilder(s, op)
                       .Input(grad.ToOutput(s))
                       .Input(indices.ToOutput(s))
                       .Input(segment_ids.ToOutput(s))
                       .Input(output_dim0.ToOutput(s, DT_INT32))
                       .Finalize();
  if (!node.valid()) return {};
  return {node.output(0), node.output(1)};
}

// tf.math.unsorted_segment_mean (sqrt_n): UnsortedSegmentSum divided by max(count, 1) (its
// square root), the count of each segment's ids.
Output UnsortedSegmentScaledSum(const Scope& s, const Input& data, const Input& segment_ids,
                                const Input& num_segments, bool sqrt) {
  Output d = data.ToOutput(s), ids = segment_ids.ToOutput(s), num = num_segments.ToOutput(s);
  if (!s.status().ok()) return Output();
  const DataType dt = BaseType(d.dtype());
  Output ones = ops::Fill(s, ops::Shape(s, ids), ops::Cast(s, 1, dt));
  Output counts = ops::Maximum(s, ops::UnsortedSegmentSum(s, ones, ids, num), ops::Cast(s, 1, dt));
  if (sqrt) counts = ops::Sqrt(s, counts);
  Output sums = ops::UnsortedSegmentSum(s, d, ids, num);
  // counts as [num_segments, 1, ...], to broadcast over the sums' rows.
  Output counts_shape;
  if (sums.valid() && !sums.shape().unknown_rank()) {
    std::vector<int32_t> dims(sums.shape().rank(), 1);
    dims[0] = -1;
    counts_shape = ops::Const(s, Tensor::FromVector(dims));
  } else {
    counts_shape = MaskShape(s, counts, sums);
  }
  return ops::Div(s, sums, ops::Reshape(s, counts, counts_shape));
}

}  // namespace

namespace ops {

Output UnsortedSegmentMax(const Scope& s, const Input& data, const Input& segment_ids, const Input& num_segments) {
  return Build(s, "UnsortedSegmentMax", {data, segment_ids, num_segments});
}
Output UnsortedSegmentMin(const Scope& s, const Input& data, const Input& segment_ids, const Input& num_segments) {
  return Build(s, "UnsortedSegmentMin", {data, segment_ids, num_segments});
}
Output UnsortedSegmentProd(const Scope& s, const Input& data, const Input& segment_ids, const Input& num_segments) {
  return Build(s, "UnsortedSegmentProd", {data, segment_ids, num_segments});
}

Output UnsortedSegmentMean(const Scope& scope, const Input& data, const Input& segment_ids,
                           const Input& num_segments) {
  return UnsortedSegmentScaledSum(scope.NewSubScope("unsorted_segment_mean"), data, segment_ids, num_segments,
                                  /*sqrt=*/false);
}
Output UnsortedSegmentSqrtN(const Scope& scope, const Input& data, const Input& segment_ids,
                            const Input& num_segments) {
  return UnsortedSegmentScaledSum(scope.NewSubScope("unsorted_segment_sqrt_n"), data, segment_ids, num_segments,
                                  /*sqrt=*/true);
}

Output SegmentSum(const Scope& s, const Input& data, const Input& segment_ids) {
  return Build(s, "SegmentSum", {data, segment_ids});
}
Output SegmentMean(const Scope& s, const Input& data, const Input& segment_ids) {
  return Build(s, "SegmentMean", {data, segment_ids});
}
Output SegmentMax(const Scope& s, const Input& data, const Input& segment_ids) {
  return Build(s, "SegmentMax", {data, segment_ids});
}
Output SegmentMin(const Scope& s, const Input& data, const Input& segment_ids) {
  return Build(s, "SegmentMin", {data, segment_ids});
}
Output SegmentProd(const Scope& s, const Input& data, const Input& segment_ids) {
  return Build(s, "SegmentProd", {data, segment_ids});
}

Output SparseSegmentSum(const Scope& s, const Input& data, const Input& indices, const Input& segment_ids) {
  return Build(s, "SparseSegmentSum", {data, indices, segment_ids});
}
Output SparseSegmentMean(const Scope& s, const Input& data, const Input& indices, const Input& segment_ids) {
  return Build(s, "SparseSegmentMean", {data, indices, segment_ids});
}
Output SparseSegmentSqrtN(const Scope& s, const Input& data, const Input& indices, const Input& segment_ids) {
  return Build(s, "SparseSegmentSqrtN", {data, indices, segment_ids});
}
Output SparseSegmentSumWithNumSegments(const Scope& s, const Input& data, const Input& indices,
                                       const Input& segment_ids, const Input& num_segments) {
  return Build(s, "SparseSegmentSumWithNumSegments", {data, indices, segment_ids, num_segments});
}
Output SparseSegmentMeanWithNumSegments(const Scope& s, const Input& data, const Input& indices,
                                        const Input& segment_ids, const Input& num_segments) {
  return Build(s, "SparseSegmentMeanWithNumSegments", {data, indices, segment_ids, num_segments});
}
Output SparseSegmentSqrtNWithNumSegments(const Scope& s, const Input& data, const Input& indices,
                                         const Input& segment_ids, const Input& num_segments) {
  return Build(s, "SparseSegmentSqrtNWithNumSegments", {data, indices, segment_ids, num_segments});
}
Output SparseSegmentSumGrad(const Scope& s, const Input& grad, const Input& indices, const Input& segment_ids,
                            const Input& output_dim0) {
  return SparseSegmentGradOf(s, "SparseSegmentSumGrad", grad, indices, segment_ids, output_dim0);
}
SparseSegmentGradV2Outputs SparseSegmentSumGradV2(const Scope& s, const Input& grad, const Input& indices,
                                                  const Input& segment_ids, const Input& dense_output_dim0) {
  return SparseSegmentGradV2Of(s, "SparseSegmentSumGradV2", grad, indices, segment_ids, dense_output_dim0);
}
SparseSegmentGradV2Outputs SparseSegmentMeanGradV2(const Scope& s, const Input& grad, const Input& indices,
                                                   const Input& segment_ids, const Input& dense_output_dim0) {
  return SparseSegmentGradV2Of(s, "SparseSegmentMeanGradV2", grad, indices, segment_ids, dense_output_dim0);
}
SparseSegmentGradV2Outputs SparseSegmentSqrtNGradV2(const Scope& s, const Input& grad, const Input& indices,
                                                    const Input& segment_ids, const Input& dense_output_dim0) {
  return SparseSegmentGradV2Of(s, "SparseSegmentSqrtNGradV2", grad, indices, segment_ids, dense_output_dim0);
}
Output SparseSegmentMeanGrad(const Scope& s, const Input& grad, const Input& indices, const Input& segment_ids,
                             const Input& output_dim0) {
  return SparseSegmentGradOf(s, "SparseSegmentMeanGrad", grad, indices, segment_ids, output_dim0);
}
Output SparseSegmentSqrtNGrad(const Scope& s, const Input& grad, const Input& indices, const Input& segment_ids,
                              const Input& output_dim0) {
  return SparseSegmentGradOf(s, "SparseSegmentSqrtNGrad", grad, indices, segment_ids, output_dim0);
}

std::vector<Output> DynamicPartition(const Scope& s, const Input& data, const Input& partitions,
                                     int64_t num_partitions) {
  Operation op = NodeBuilder(s, "DynamicPartition")
                     .Input(data.ToOutput(s))
                     .Input(partitions.ToOutput(s, DT_INT32))
                     .Attr("num_partitions", num_partitions)
                     .Finalize();
  std::vector<Output> outs;
  if (!op.valid()) return outs;
  for (int i = 0; i < op.num_outputs(); ++i) outs.push_back(op.output(i));
  return outs;
}

Output DynamicStitch(const Scope& s, const std::vector<Output>& indices, const std::vector<Output>& data) {
  return NodeBuilder(s, "DynamicStitch").InputList(indices).InputList(data).Finalize();
}
Output ParallelDynamicStitch(const Scope& s, const std::vector<Output>& indices, const std::vector<Output>& data) {
  return NodeBuilder(s, "ParallelDynamicStitch").InputList(indices).InputList(data).Finalize();
}

UniqueOutputs Unique(const Scope& s, const Input& x, DataType out_idx) {
  Operation op = NodeBuilder(s, "Unique").Input(x.ToOutput(s)).Attr("out_idx", out_idx).Finalize();
  if (!op.valid()) return {};
  return {op.output(0), op.output(1)};
}

}  // namespace ops
}  // namespace sluice
