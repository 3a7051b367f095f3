// Embedding lookups: the graphs tf.nn.embedding_lookup and tf.nn.embedding_lookup_sparse
// (TensorFlow 1.x's embedding_ops.py) build, node for node where sluice has the ops.
#include "ops/embedding_ops.h"

#include "ops/array_ops.h"
#include "ops/clip_ops.h"
#include "ops/math_ops.h"
#include "ops/segment_ops.h"

namespace sluice {
namespace {

// TF's _clip: rows (the dims after ids') of `x` scaled down to L2 norm max_norm.
Output ClipRows(const Scope& s, const Output& x, const Output& ids, std::optional<float> max_norm) {
  if (!max_norm.has_value() || !x.valid()) return x;
  const TensorShape& xs = x.shape();
  const TensorShape& is = ids.shape();
  if (xs.unknown_rank() || is.unknown_rank()) {
    s.UpdateStatus(errors::InvalidArgument("EmbeddingLookup with max_norm needs ids and params of known rank, got ",
                                           is.DebugString(), " and ", xs.DebugString()));
    return Output();
  }
  Output norm = ops::Cast(s, *max_norm, BaseType(x.dtype()));
  if (xs.rank() == is.rank()) return ops::ClipByValue(s, x, ops::Neg(s, norm), norm);
  std::vector<int> axes;
  for (int d = is.rank(); d < xs.rank(); ++d) axes.push_back(d);
  return ops::ClipByNorm(s, x, norm, axes);
}

// The partition of each flat id and its row there (TF's "mod" and "div" strategies).
struct Assignment {
  Output partition;  // int32
  Output row;        // the ids' dtype
};

StatusOr<Assignment> AssignPartitions(const Scope& s, const std::vector<Output>& params, const Output& flat_ids,
                            const std::string& strategy) {
  const int64_t np = static_cast<int64_t>(params.size());
  const DataType dt = BaseType(flat_ids.dtype());
  Output n = ops::Cast(s, static_cast<int>(np), dt);
  Assignment a;
  if (strategy == "mod") {
    a.partition = ops::FloorMod(s, flat_ids, n);
    a.row = ops::FloorDiv(s, flat_ids, n);
  } else {
    int64_t total = 0;
    for (const Output& p : params) {
      const TensorShape& shape = p.shape();
      if (total < 0 || shape.unknown_rank() || shape.rank() == 0 || shape.dim(0) < 0) {
        total = -1;
      } else {
        total += shape.dim(0);
      }
    }
    Output num_total;
    if (total >= 0) {
      num_total = ops::Cast(s, Tensor::Scalar<int64_t>(total), dt);
    } else {
      std::vector<Output> dims;
      for (const Output& p : params) dims.push_back(ops::GatherV2(s, ops::Shape(s, p, dt), 0, 0));
      num_total = ops::Sum(s, ops::Pack(s, dims), {0});
    }
    Output per = ops::FloorDiv(s, num_total, n);
    Output extras = ops::FloorMod(s, num_total, n);
    Output per1 = ops::Add(s, per, ops::Cast(s, 1, dt));
    Output shifted = ops::Sub(s, flat_ids, extras);
    a.partition = ops::Maximum(s, ops::FloorDiv(s, flat_ids, per1), ops::FloorDiv(s, shifted, per));
    a.row = ops::SelectV2(s, ops::Less(s, a.partition, extras), ops::FloorMod(s, flat_ids, per1),
                          ops::FloorMod(s, shifted, per));
  }
  a.partition = ops::Cast(s, a.partition, DT_INT32);
  SLUICE_RETURN_IF_ERROR(s.status());
  return a;
}

Status CheckParams(const std::vector<Output>& params, const std::string& strategy) {
  if (params.empty()) return errors::InvalidArgument("EmbeddingLookup needs at least one params tensor");
  if (strategy != "mod" && strategy != "div") {
    return errors::InvalidArgument("partition_strategy must be \"mod\" or \"div\", got \"", strategy, "\"");
  }
  for (size_t p = 0; p < params.size(); ++p) {
    if (!params[p].valid()) return errors::InvalidArgument("params[", p, "] is not a valid tensor");
    if (BaseType(params[p].dtype()) != BaseType(params[0].dtype())) {
      return errors::InvalidArgument("params[", p, "] is ", DataTypeString(BaseType(params[p].dtype())),
                                     ", params[0] ", DataTypeString(BaseType(params[0].dtype())));
    }
  }
  return absl::OkStatus();
}

}  // namespace

namespace ops {

Output EmbeddingLookup(const Scope& scope, const std::vector<Output>& params, const Input& ids_in,
                       const std::string& partition_strategy, std::optional<float> max_norm) {
  Scope s = scope.NewSubScope("embedding_lookup");
  Status checked = CheckParams(params, partition_strategy);
  if (!checked.ok()) {
    s.UpdateStatus(checked);
    return Output();
  }
  Output ids = ids_in.ToOutput(s);
  if (!s.status().ok()) return Output();
  if (BaseType(ids.dtype()) != DT_INT32 && BaseType(ids.dtype()) != DT_INT64) {
    s.UpdateStatus(errors::InvalidArgument("EmbeddingLookup: ids must be int32 or int64, got ",
                                           DataTypeString(BaseType(ids.dtype()))));
    return Output();
  }
  if (params.size() == 1) {
    return ops::Identity(s, ClipRows(s, ops::GatherV2(s, params[0], ids, 0), ids, max_norm));
  }
  const int64_t np = static_cast<int64_t>(params.size());
  Output flat_ids = ops::Reshape(s, ids, {-1});
  Output original_indices = ops::Range(s, 0, ops::Size(s, flat_ids), 1);
  auto assignment = AssignPartitions(s, params, flat_ids, partition_strategy);
  if (!assignment.ok()) return Output();
  std::vector<Output> gather_ids = ops::DynamicPartition(s, assignment->row, assignment->partition, np);
  std::vector<Output> positions = ops::DynamicPartition(s, original_indices, assignment->partition, np);
  if (static_cast<int64_t>(gather_ids.size()) != np || static_cast<int64_t>(positions.size()) != np) {
    return Output();
  }
  std::vector<Output> parts;
  for (int64_t p = 0; p < np; ++p) parts.push_back(ops::GatherV2(s, params[p], gather_ids[p], 0));
  Output stitched = ops::ParallelDynamicStitch(s, positions, parts);
  // The element shape: static when params[0]'s is, else read from params[0] at run time.
  const TensorShape& p0 = params[0].shape();
  Output element_shape;
  if (!p0.unknown_rank() && p0.rank() >= 1) {
    TensorShape rest;
    for (int d = 1; d < p0.rank(); ++d) rest.AddDim(p0.dim(d));
    if (rest.IsFullyDefined()) {
      std::vector<int32_t> dims(rest.dims().begin(), rest.dims().end());
      element_shape = ops::Const(s, Tensor::FromVector(dims, TensorShape({static_cast<int64_t>(dims.size())})));
    }
  }
  if (!element_shape.valid()) element_shape = ops::Slice(s, ops::Shape(s, params[0]), {1}, {-1});
  Output out = ops::Reshape(s, stitched, ops::ConcatV2(s, {ops::Shape(s, ids), element_shape}, 0));
  return ClipRows(s, out, ids, max_norm);
}

Output EmbeddingLookupSparse(const Scope& scope, const std::vector<Output>& params, const SparseIds& sp_ids,
                             const std::optional<Output>& weights, const std::string& combiner,
                             const std::string& partition_strategy, std::optional<float> max_norm) {
  Scope s = scope.NewSubScope("embedding_lookup_sparse");
  if (combiner != "sum" && combiner != "mean" && combiner != "sqrtn") {
    s.UpdateStatus(errors::InvalidArgument("combiner must be \"sum\", \"mean\" or \"sqrtn\", got \"", combiner, "\""));
    return Output();
  }
  if (!sp_ids.indices.valid() || !sp_ids.values.valid()) {
    s.UpdateStatus(errors::InvalidArgument("EmbeddingLookupSparse needs the ids' indices and values"));
    return Output();
  }
  const TensorShape& ishape = sp_ids.indices.shape();
  if (!ishape.unknown_rank() && (ishape.rank() != 2 || (ishape.dim(1) >= 0 && ishape.dim(1) != 2))) {
    s.UpdateStatus(errors::InvalidArgument("the ids' indices must be an [N, 2] matrix, got shape ",
                                           ishape.DebugString()));
    return Output();
  }
  if (weights.has_value() && !weights->valid()) {
    s.UpdateStatus(errors::InvalidArgument("EmbeddingLookupSparse: the weights are not a valid tensor"));
    return Output();
  }
  Output segment_ids = ops::Cast(s, ops::Reshape(s, ops::Slice(s, sp_ids.indices, {0, 0}, {-1, 1}), {-1}), DT_INT32);
  UniqueOutputs unique = ops::Unique(s, sp_ids.values);
  if (!unique.y.valid()) return Output();
  Output embeddings = ops::EmbeddingLookup(s, params, unique.y, partition_strategy, max_norm);
  if (!embeddings.valid()) return Output();
  if (!weights.has_value()) {
    if (combiner == "sum") return ops::SparseSegmentSum(s, embeddings, unique.idx, segment_ids);
    if (combiner == "mean") return ops::SparseSegmentMean(s, embeddings, unique.idx, segment_ids);
    return ops::SparseSegmentSqrtN(s, embeddings, unique.idx, segment_ids);
  }
  Output w = *weights;
  if (BaseType(w.dtype()) != BaseType(embeddings.dtype())) w = ops::Cast(s, w, BaseType(embeddings.dtype()));
  embeddings = ops::GatherV2(s, embeddings, unique.idx, 0);
  // The weights reshaped to [N, 1, ...] to broadcast over each embedding.
  Output ones = ops::Fill(s, ops::ExpandDims(s, ops::Sub(s, ops::Rank(s, embeddings), 1), 0), 1);
  w = ops::Reshape(s, w, ops::ConcatV2(s, {ops::Shape(s, w), ones}, 0));
  embeddings = ops::Mul(s, embeddings, w);
  Output sum = ops::SegmentSum(s, embeddings, segment_ids);
  if (combiner == "sum") return sum;
  // DivNoNan, as TensorFlow's: a row without ids (its weights sum to 0) is 0, not NaN.
  if (combiner == "mean") return ops::DivNoNan(s, sum, ops::SegmentSum(s, w, segment_ids));
  return ops::DivNoNan(s, sum, ops::Sqrt(s, ops::SegmentSum(s, ops::Square(s, w), segment_ids)));
}

}  // namespace ops
}  // namespace sluice
