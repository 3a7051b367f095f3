#include "core/shape_inference.h"

namespace sluice {

InferenceContext::InferenceContext(const NodeDef* node, std::vector<InputInfo> inputs,
                                   int num_outputs)
    : node_(node), inputs_(std::move(inputs)), outputs_(num_outputs, TensorShape::UnknownRank()) {}

void InferenceContext::set_output_handle_shape_and_type(int i, HandleShapeAndType handle) {
  if (output_handles_.empty()) output_handles_.resize(outputs_.size());
  output_handles_[i] = std::move(handle);
}

StatusOr<TensorShape> InferenceContext::InputAsShape(int i) const {
  const InputInfo& in = inputs_[i];
  if (in.value != nullptr) {
    const Tensor& t = *in.value;
    if (t.dims() > 1) {
      return errors::InvalidArgument("shape tensor must be a vector, got shape ",
                                     t.shape().DebugString());
    }
    if (t.dims() == 0) {
      // A scalar -1 means "unknown rank" (TensorFlow's convention).
      int64_t v = t.dtype() == DT_INT32 ? t.scalar<int32_t>() : t.scalar<int64_t>();
      if (v == -1) return TensorShape::UnknownRank();
      return errors::InvalidArgument("shape tensor must be a vector, got scalar ", v);
    }
    return TensorShape::FromDims(Int64Values(t));
  }
  if (in.as_shape.has_value()) return *in.as_shape;
  if (in.shape.rank() == 1 && in.shape.dim(0) >= 0) {
    return TensorShape::UnknownDims(static_cast<int>(in.shape.dim(0)));
  }
  return TensorShape::UnknownRank();
}

StatusOr<TensorShape> InferenceContext::WithRank(int i, int rank) const {
  const TensorShape& s = inputs_[i].shape;
  if (s.unknown_rank()) return TensorShape::UnknownDims(rank);
  if (s.rank() != rank) {
    return errors::InvalidArgument("input ", i, " must have rank ", rank, ", got shape ",
                                   s.DebugString());
  }
  return s;
}

StatusOr<TensorShape> InferenceContext::WithRankAtLeast(int i, int rank) const {
  const TensorShape& s = inputs_[i].shape;
  if (s.unknown_rank()) return s;
  if (s.rank() < rank) {
    return errors::InvalidArgument("input ", i, " must have rank at least ", rank, ", got shape ",
                                   s.DebugString());
  }
  return s;
}

namespace shape_fn {

Status UnchangedShape(InferenceContext* c) {
  const HandleShapeAndType* handle = c->input_handle_shape_and_type(0);
  for (int i = 0; i < c->num_outputs(); ++i) {
    c->set_output(i, c->input(0));
    if (handle != nullptr) c->set_output_handle_shape_and_type(i, *handle);
  }
  return absl::OkStatus();
}

Status ScalarShape(InferenceContext* c) {
  const TensorShape scalar;
  for (int i = 0; i < c->num_outputs(); ++i) c->set_output(i, scalar);
  return absl::OkStatus();
}

Status UnknownShape(InferenceContext* c) { return absl::OkStatus(); }

StatusOr<TensorShape> BroadcastShapes(const TensorShape& a, const TensorShape& b) {
  if (a.unknown_rank() || b.unknown_rank()) return TensorShape::UnknownRank();
  int rank = std::max(a.rank(), b.rank());
  TensorShape out = TensorShape::UnknownDims(rank);
  for (int k = 0; k < rank; ++k) {
    int ia = a.rank() - rank + k, ib = b.rank() - rank + k;
    int64_t da = ia >= 0 ? a.dim(ia) : 1;
    int64_t db = ib >= 0 ? b.dim(ib) : 1;
    int64_t d;
    if (da == 1) {
      d = db;
    } else if (db == 1) {
      d = da;
    } else if (da < 0 || db < 0) {
      d = da < 0 ? db : da;  // unknown vs n (n != 1): must be n, or an error at run time
    } else if (da == db) {
      d = da;
    } else {
      return errors::InvalidArgument("shapes ", a.DebugString(), " and ", b.DebugString(),
                                     " are not broadcast-compatible");
    }
    out.set_dim(k, d);
  }
  return out;
}

Status BroadcastBinaryOpShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape s, BroadcastShapes(c->input(0), c->input(1)));
  c->set_output(0, s);
  return absl::OkStatus();
}

StatusOr<std::vector<bool>> ReducedAxes(const Tensor& axes, int rank) {
  std::vector<bool> reduced(rank, false);
  for (int64_t a : Int64Values(axes)) {
    if (a < -rank || a >= rank) {
      return errors::InvalidArgument("Invalid reduction dimension ", a, " for input with ", rank,
                                     " dimension(s)");
    }
    reduced[a < 0 ? a + rank : a] = true;
  }
  return reduced;
}

}  // namespace shape_fn
}  // namespace sluice
