// Segment ops: op schemas and shape functions (the builders and gradients are in
// ops/segment_ops.cc, the kernels in kernels/cpu/segment_ops.cc). TensorFlow 1.x's names, attrs
// and defaults: UnsortedSegment{Max,Min,Prod} (UnsortedSegmentSum is in math_ops.cc),
// Segment{Sum,Mean,Max,Min,Prod}, SparseSegment{Sum,Mean,SqrtN}(WithNumSegments),
// SparseSegment{Sum,Mean,SqrtN}Grad(V2), and the ops under embedding lookups: DynamicPartition,
// (Parallel)DynamicStitch, Unique.
#include "core/op_registry.h"
#include "core/type_lists.h"

namespace sluice {
namespace {

const std::string kNumeric = NumberTypes::Attr("T");
const std::string kFloating = FloatTypes::Attr("T");

// The dims of `data` from `from` on, appended to `out`; false when data's rank is unknown.
bool AppendDimsFrom(const TensorShape& data, int from, TensorShape* out) {
  if (data.unknown_rank()) return false;
  for (int i = from; i < data.rank(); ++i) out->AddDim(data.dim(i));
  return true;
}

Status ScalarOrUnknown(InferenceContext* c, int i, const char* what) {
  if (!c->input(i).unknown_rank() && c->input(i).rank() != 0) {
    return errors::InvalidArgument(what, " must be a scalar, got shape ", c->input(i).DebugString());
  }
  return absl::OkStatus();
}

Status VectorOrUnknown(InferenceContext* c, int i, const char* what) {
  if (!c->input(i).unknown_rank() && c->input(i).rank() != 1) {
    return errors::InvalidArgument(what, " must be a vector, got shape ", c->input(i).DebugString());
  }
  return absl::OkStatus();
}

// UnsortedSegment*: data.shape = segment_ids.shape + rest; the output is [num_segments] + rest.
Status UnsortedSegmentShape(InferenceContext* c) {
  const TensorShape& data = c->input(0);
  const TensorShape& ids = c->input(1);
  SLUICE_RETURN_IF_ERROR(ScalarOrUnknown(c, 2, "num_segments"));
  int64_t n = -1;
  if (const Tensor* t = c->input_tensor(2)) {
    n = Int64Values(*t)[0];
    if (n < 0) return errors::InvalidArgument("num_segments must be non-negative, got ", n);
  }
  if (data.unknown_rank() || ids.unknown_rank()) return absl::OkStatus();
  bool prefix = ids.rank() <= data.rank();
  for (int i = 0; prefix && i < ids.rank(); ++i) {
    prefix = data.dim(i) < 0 || ids.dim(i) < 0 || data.dim(i) == ids.dim(i);
  }
  if (!prefix) {
    return errors::InvalidArgument("data.shape = ", data.DebugString(),
                                   " does not start with segment_ids.shape = ", ids.DebugString());
  }
  TensorShape out;
  out.AddDim(n);
  AppendDimsFrom(data, ids.rank(), &out);
  c->set_output(0, out);
  return absl::OkStatus();
}

// Segment*: segment_ids is a vector of data's dim 0; the output is [last id + 1] + data[1:].
Status SortedSegmentShape(InferenceContext* c) {
  const TensorShape& data = c->input(0);
  const TensorShape& ids = c->input(1);
  SLUICE_RETURN_IF_ERROR(VectorOrUnknown(c, 1, "segment_ids"));
  if (data.rank() == 0) return errors::InvalidArgument("data must be at least a vector, got a scalar");
  if (!data.unknown_rank() && !ids.unknown_rank() && data.dim(0) >= 0 && ids.dim(0) >= 0 &&
      data.dim(0) != ids.dim(0)) {
    return errors::InvalidArgument("segment_ids (shape ", ids.DebugString(),
                                   ") must have as many entries as data's dim 0 (data shape ", data.DebugString(),
                                   ")");
  }
  if (data.unknown_rank()) return absl::OkStatus();
  TensorShape out;
  out.AddDim(-1);
  AppendDimsFrom(data, 1, &out);
  c->set_output(0, out);
  return absl::OkStatus();
}

#define SLUICE_SEGMENT_OPS(prefix, T)                                                                  \
  REGISTER_OP("UnsortedSegment" prefix)                                                              \
      .Input("data: T")                                                                              \
      .Input("segment_ids: Tindices")                                                                \
      .Input("num_segments: Tnumsegments")                                                           \
      .Output("output: T")                                                                           \
      .Attr(T)                                                                                       \
      .Attr("Tindices: {int32, int64}")                                                              \
      .Attr("Tnumsegments: {int32, int64} = DT_INT32")                                               \
      .SetShapeFn(UnsortedSegmentShape);                                                             \
  REGISTER_OP("Segment" prefix)                                                                      \
      .Input("data: T")                                                                              \
      .Input("segment_ids: Tindices")                                                                \
      .Output("output: T")                                                                           \
      .Attr(T)                                                                                       \
      .Attr("Tindices: {int32, int64}")                                                              \
      .SetShapeFn(SortedSegmentShape)
SLUICE_SEGMENT_OPS("Max", kNumeric);
SLUICE_SEGMENT_OPS("Min", kNumeric);
SLUICE_SEGMENT_OPS("Prod", kNumeric);
#undef SLUICE_SEGMENT_OPS

REGISTER_OP("SegmentSum")
    .Input("data: T")
    .Input("segment_ids: Tindices")
    .Output("output: T")
    .Attr(kNumeric)
    .Attr("Tindices: {int32, int64}")
    .SetShapeFn(SortedSegmentShape);

REGISTER_OP("SegmentMean")
    .Input("data: T")
    .Input("segment_ids: Tindices")
    .Output("output: T")
    .Attr(kNumeric)
    .Attr("Tindices: {int32, int64}")
    .SetShapeFn(SortedSegmentShape);

// SparseSegment*: rows data[indices[i]] reduced by the sorted segment_ids[i]; the output is
// [last segment id + 1] + data[1:].
Status SparseSegmentShape(InferenceContext* c) {
  const TensorShape& data = c->input(0);
  SLUICE_RETURN_IF_ERROR(VectorOrUnknown(c, 1, "indices"));
  SLUICE_RETURN_IF_ERROR(VectorOrUnknown(c, 2, "segment_ids"));
  const TensorShape& indices = c->input(1);
  const TensorShape& ids = c->input(2);
  if (!indices.unknown_rank() && !ids.unknown_rank() && indices.dim(0) >= 0 && ids.dim(0) >= 0 &&
      indices.dim(0) != ids.dim(0)) {
    return errors::InvalidArgument("indices (shape ", indices.DebugString(), ") and segment_ids (shape ",
                                   ids.DebugString(), ") must have the same length");
  }
  if (data.rank() == 0) return errors::InvalidArgument("data must be at least a vector, got a scalar");
  TensorShape out;
  out.AddDim(-1);
  if (AppendDimsFrom(data, 1, &out)) c->set_output(0, out);
  return absl::OkStatus();
}

#define SLUICE_SPARSE_SEGMENT_OP(name, T)                     \
  REGISTER_OP(name)                                          \
      .Input("data: T")                                      \
      .Input("indices: Tidx")                                \
      .Input("segment_ids: Tsegmentids")                     \
      .Output("output: T")                                   \
      .Attr(T)                                               \
      .Attr("Tidx: {int32, int64} = DT_INT32")               \
      .Attr("Tsegmentids: {int32, int64} = DT_INT32")        \
      .SetShapeFn(SparseSegmentShape)
SLUICE_SPARSE_SEGMENT_OP("SparseSegmentSum", kNumeric);
SLUICE_SPARSE_SEGMENT_OP("SparseSegmentMean", kFloating);
SLUICE_SPARSE_SEGMENT_OP("SparseSegmentSqrtN", kFloating);
#undef SLUICE_SPARSE_SEGMENT_OP

// SparseSegment*WithNumSegments: the output is [num_segments] + data[1:].
Status SparseSegmentWithNumSegmentsShape(InferenceContext* c) {
  SLUICE_RETURN_IF_ERROR(SparseSegmentShape(c));
  SLUICE_RETURN_IF_ERROR(ScalarOrUnknown(c, 3, "num_segments"));
  int64_t n = -1;
  if (const Tensor* t = c->input_tensor(3)) {
    n = Int64Values(*t)[0];
    if (n < 0) return errors::InvalidArgument("num_segments must be non-negative, got ", n);
  }
  TensorShape out;
  out.AddDim(n);
  if (AppendDimsFrom(c->input(0), 1, &out)) c->set_output(0, out);
  return absl::OkStatus();
}

#define SLUICE_SPARSE_SEGMENT_NUM_OP(name, T)                 \
  REGISTER_OP(name)                                          \
      .Input("data: T")                                      \
      .Input("indices: Tidx")                                \
      .Input("segment_ids: Tsegmentids")                     \
      .Input("num_segments: Tnumsegments")                   \
      .Output("output: T")                                   \
      .Attr(T)                                               \
      .Attr("Tidx: {int32, int64} = DT_INT32")               \
      .Attr("Tnumsegments: {int32, int64} = DT_INT32")       \
      .Attr("Tsegmentids: {int32, int64} = DT_INT32")        \
      .SetShapeFn(SparseSegmentWithNumSegmentsShape)
SLUICE_SPARSE_SEGMENT_NUM_OP("SparseSegmentSumWithNumSegments", kNumeric);
SLUICE_SPARSE_SEGMENT_NUM_OP("SparseSegmentMeanWithNumSegments", kFloating);
SLUICE_SPARSE_SEGMENT_NUM_OP("SparseSegmentSqrtNWithNumSegments", kFloating);
#undef SLUICE_SPARSE_SEGMENT_NUM_OP

// The gradient of SparseSegmentSum (Mean, SqrtN): [output_dim0] + grad[1:].
Status SparseSegmentGradShape(InferenceContext* c) {
  SLUICE_RETURN_IF_ERROR(VectorOrUnknown(c, 1, "indices"));
  SLUICE_RETURN_IF_ERROR(VectorOrUnknown(c, 2, "segment_ids"));
  SLUICE_RETURN_IF_ERROR(ScalarOrUnknown(c, 3, "output_dim0"));
  const TensorShape& grad = c->input(0);
  if (grad.rank() == 0) return errors::InvalidArgument("grad must be at least a vector, got a scalar");
  TensorShape out;
  int64_t n = -1;
  if (const Tensor* t = c->input_tensor(3)) {
    n = Int64Values(*t)[0];
    if (n < 0) return errors::InvalidArgument("output_dim0 must be non-negative, got ", n);
  }
  out.AddDim(n);
  if (AppendDimsFrom(grad, 1, &out)) c->set_output(0, out);
  return absl::OkStatus();
}

#define SLUICE_SPARSE_SEGMENT_GRAD_OP(name)                \
  REGISTER_OP(name)                                       \
      .Input("grad: T")                                   \
      .Input("indices: Tidx")                             \
      .Input("segment_ids: Tsegmentids")                  \
      .Input("output_dim0: int32")                        \
      .Output("output: T")                                \
      .Attr(kFloating)                                    \
      .Attr("Tidx: {int32, int64} = DT_INT32")            \
      .Attr("Tsegmentids: {int32, int64} = DT_INT32")     \
      .SetShapeFn(SparseSegmentGradShape)
// TensorFlow 2's gradient of SparseSegmentSum (TF1's, and sluice's, is an UnsortedSegmentSum);
// registered so that graphs TensorFlow 2 differentiated load.
SLUICE_SPARSE_SEGMENT_GRAD_OP("SparseSegmentSumGrad");
SLUICE_SPARSE_SEGMENT_GRAD_OP("SparseSegmentMeanGrad");
SLUICE_SPARSE_SEGMENT_GRAD_OP("SparseSegmentSqrtNGrad");
#undef SLUICE_SPARSE_SEGMENT_GRAD_OP

// TensorFlow 2's sparse gradients: the rows of the Grad op's output at the distinct indices
// only (output[i] for sorted_unique_indices[i]), [num distinct indices] + grad[1:].
#define SLUICE_SPARSE_SEGMENT_GRAD_V2_OP(name)                                                  \
  REGISTER_OP(name)                                                                            \
      .Input("grad: T")                                                                        \
      .Input("indices: Tidx")                                                                  \
      .Input("segment_ids: Tsegmentids")                                                       \
      .Input("dense_output_dim0: int32")                                                       \
      .Output("output: T")                                                                     \
      .Output("sorted_unique_indices: Tidx")                                                   \
      .Attr(kFloating)                                                                         \
      .Attr("Tidx: {int32, int64} = DT_INT32")                                                 \
      .Attr("Tsegmentids: {int32, int64} = DT_INT32")                                          \
      .SetShapeFn([](InferenceContext* c) {                                                    \
        SLUICE_RETURN_IF_ERROR(SparseSegmentGradShape(c));                                     \
        TensorShape out;                                                                       \
        out.AddDim(-1);                                                                        \
        if (AppendDimsFrom(c->input(0), 1, &out)) c->set_output(0, out);                       \
        c->set_output(1, TensorShape::UnknownDims(1));                                         \
        return absl::OkStatus();                                                               \
      })
SLUICE_SPARSE_SEGMENT_GRAD_V2_OP("SparseSegmentSumGradV2");
SLUICE_SPARSE_SEGMENT_GRAD_V2_OP("SparseSegmentMeanGradV2");
SLUICE_SPARSE_SEGMENT_GRAD_V2_OP("SparseSegmentSqrtNGradV2");
#undef SLUICE_SPARSE_SEGMENT_GRAD_V2_OP

// ---- DynamicPartition, DynamicStitch, Unique -------------------------------------------------

// Each output is [?] + data.shape[partitions.rank:].
Status DynamicPartitionShape(InferenceContext* c) {
  const TensorShape& data = c->input(0);
  const TensorShape& partitions = c->input(1);
  TensorShape out = TensorShape::UnknownRank();
  if (!data.unknown_rank() && !partitions.unknown_rank()) {
    bool prefix = partitions.rank() <= data.rank();
    for (int i = 0; prefix && i < partitions.rank(); ++i) {
      prefix = data.dim(i) < 0 || partitions.dim(i) < 0 || data.dim(i) == partitions.dim(i);
    }
    if (!prefix) {
      return errors::InvalidArgument("data.shape = ", data.DebugString(),
                                     " does not start with partitions.shape = ", partitions.DebugString());
    }
    out = TensorShape();
    out.AddDim(-1);
    AppendDimsFrom(data, partitions.rank(), &out);
  }
  for (int i = 0; i < c->num_outputs(); ++i) c->set_output(i, out);
  return absl::OkStatus();
}

REGISTER_OP("DynamicPartition")
    .Input("data: T")
    .Input("partitions: int32")
    .Output("outputs: num_partitions * T")
    .Attr("num_partitions: int >= 1")
    .Attr("T: type")
    .SetShapeFn(DynamicPartitionShape);

// [max index + 1] (when every index is a constant) + data[0].shape[indices[0].rank:].
Status DynamicStitchShape(InferenceContext* c) {
  const int n = c->num_inputs() / 2;
  int64_t max_index = -1;
  bool known = true;
  TensorShape rest = TensorShape::UnknownRank();
  for (int i = 0; i < n; ++i) {
    const TensorShape& indices = c->input(i);
    const TensorShape& data = c->input(n + i);
    if (const Tensor* t = c->input_tensor(i)) {
      for (int64_t v : Int64Values(*t)) max_index = std::max(max_index, v);
    } else {
      known = false;
    }
    if (indices.unknown_rank() || data.unknown_rank()) continue;
    bool prefix = indices.rank() <= data.rank();
    for (int d = 0; prefix && d < indices.rank(); ++d) {
      prefix = data.dim(d) < 0 || indices.dim(d) < 0 || data.dim(d) == indices.dim(d);
    }
    if (!prefix) {
      return errors::InvalidArgument("data[", i, "].shape = ", data.DebugString(), " does not start with indices[",
                                     i, "].shape = ", indices.DebugString());
    }
    TensorShape r;
    AppendDimsFrom(data, indices.rank(), &r);
    if (rest.unknown_rank()) {
      rest = r;
      continue;
    }
    auto merged = rest.Merge(r);
    if (!merged.ok()) {
      return errors::InvalidArgument("data[", i, "] has element shape ", r.DebugString(), ", the others ",
                                     rest.DebugString());
    }
    rest = *merged;
  }
  if (rest.unknown_rank()) return absl::OkStatus();
  TensorShape out;
  out.AddDim(known ? max_index + 1 : -1);
  AppendDimsFrom(rest, 0, &out);
  c->set_output(0, out);
  return absl::OkStatus();
}

REGISTER_OP("DynamicStitch")
    .Input("indices: N * int32")
    .Input("data: N * T")
    .Output("merged: T")
    .Attr("N: int >= 1")
    .Attr("T: type")
    .SetShapeFn(DynamicStitchShape);

// DynamicStitch whose winner among repeated indices TensorFlow leaves unspecified (sluice's is
// DynamicStitch's: the last); tf.nn.embedding_lookup builds this one.
REGISTER_OP("ParallelDynamicStitch")
    .Input("indices: N * int32")
    .Input("data: N * T")
    .Output("merged: T")
    .Attr("N: int >= 1")
    .Attr("T: type")
    .SetShapeFn(DynamicStitchShape);

REGISTER_OP("Unique")
    .Input("x: T")
    .Output("y: T")
    .Output("idx: out_idx")
    .Attr("T: {float, double, int32, int64, uint8, bool}")
    .Attr("out_idx: {int32, int64} = DT_INT32")
    .SetShapeFn([](InferenceContext* c) {
      SLUICE_RETURN_IF_ERROR(VectorOrUnknown(c, 0, "x"));
      c->set_output(0, TensorShape::UnknownDims(1));
      c->set_output(1, c->input(0).unknown_rank() ? TensorShape::UnknownDims(1) : c->input(0));
      return absl::OkStatus();
    });

}  // namespace
}  // namespace sluice
