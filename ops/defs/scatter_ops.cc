// Scatter and gather-by-index op schemas and shape functions, with TensorFlow 1.x's names,
// attrs and defaults (the client builders and gradients are in ops/scatter_ops.cc):
//   ref variables:      ScatterUpdate, ScatterMul, ScatterDiv, ScatterMin, ScatterMax,
//                       ScatterNdUpdate, ScatterNdAdd
//   resource variables: ResourceScatterUpdate
//   values:             ScatterNd, TensorScatterUpdate, TensorScatterAdd, GatherNd
//
// Row scatters (Scatter*): updates has shape indices.shape + ref.shape[1:] (or is a scalar,
// applied to every indexed row). N-d scatters and gathers: indices has shape [..., K] and
// names slices of the first K dims; updates has shape indices.shape[:-1] + shape[K:].
#include "absl/strings/str_cat.h"
#include "core/op_registry.h"
#include "core/type_lists.h"

namespace sluice {
namespace {

// `prefix` + `suffix` as one shape; unknown rank if either is.
TensorShape ConcatShapes(const TensorShape& prefix, const TensorShape& suffix) {
  if (prefix.unknown_rank() || suffix.unknown_rank()) return TensorShape::UnknownRank();
  TensorShape out = prefix;
  for (int64_t d : suffix.dims()) out.AddDim(d);
  return out;
}

// dims [begin, end) of a shape of known rank.
TensorShape SubShape(const TensorShape& s, int begin, int end) {
  TensorShape out;
  for (int i = begin; i < end; ++i) out.AddDim(s.dim(i));
  return out;
}

// updates (input `u`) of shape indices.shape + params.shape[1:], or a scalar.
Status CheckRowUpdates(const TensorShape& params, const TensorShape& indices, const TensorShape& updates) {
  if (params.rank() == 0) return errors::InvalidArgument("the variable must be at least a vector, got a scalar");
  if (updates.rank() == 0 || params.unknown_rank()) return absl::OkStatus();
  TensorShape expected = ConcatShapes(indices, SubShape(params, 1, params.rank()));
  if (!expected.IsCompatibleWith(updates)) {
    return errors::InvalidArgument("updates must have shape indices.shape + params.shape[1:] = ",
                                   expected.DebugString(), " (indices ", indices.DebugString(), ", params ",
                                   params.DebugString(), "), got ", updates.DebugString());
  }
  return absl::OkStatus();
}

Status RefScatterShape(InferenceContext* c) {
  SLUICE_RETURN_IF_ERROR(CheckRowUpdates(c->input(0), c->input(1), c->input(2)));
  c->set_output(0, c->input(0));
  return absl::OkStatus();
}

Status ResourceScatterShape(InferenceContext* c) {
  const HandleShapeAndType* handle = c->input_handle_shape_and_type(0);
  if (handle == nullptr) return absl::OkStatus();
  DataType dtype;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("dtype", &dtype));
  if (handle->dtype != dtype) {
    return errors::InvalidArgument("the variable is ", DataTypeString(handle->dtype), ", but dtype is ",
                                   DataTypeString(dtype));
  }
  return CheckRowUpdates(handle->shape, c->input(1), c->input(2));
}

// indices [..., K] into `params`; the shape of the slices it names, indices.shape[:-1] +
// params.shape[K:] (unknown rank when K or a rank is unknown).
StatusOr<TensorShape> NdSliceShape(const TensorShape& params, const TensorShape& indices,
                                   absl::string_view params_name) {
  if (indices.rank() == 0) return errors::InvalidArgument("indices must be at least a vector, got a scalar");
  if (indices.unknown_rank() || params.unknown_rank()) return TensorShape::UnknownRank();
  const int64_t k = indices.dim(indices.rank() - 1);
  if (k < 0) return TensorShape::UnknownRank();
  if (k > params.rank()) {
    return errors::InvalidArgument("indices.shape[-1] = ", k, " must be <= the rank of ", params_name, " ",
                                   params.DebugString(), " (indices ", indices.DebugString(), ")");
  }
  return ConcatShapes(SubShape(indices, 0, indices.rank() - 1), SubShape(params, static_cast<int>(k), params.rank()));
}

Status CheckNdUpdates(const TensorShape& params, const TensorShape& indices, const TensorShape& updates,
                      absl::string_view params_name) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape expected, NdSliceShape(params, indices, params_name));
  if (!expected.IsCompatibleWith(updates)) {
    return errors::InvalidArgument("updates must have shape indices.shape[:-1] + ", params_name,
                                   params_name == "shape" ? "" : ".shape", "[K:] = ",
                                   expected.DebugString(), " (indices ", indices.DebugString(), ", ", params_name,
                                   " ", params.DebugString(), "), got ", updates.DebugString());
  }
  return absl::OkStatus();
}

// Ref ScatterNd* and TensorScatter*: (params, indices, updates) -> params' shape.
Status NdUpdateShape(InferenceContext* c) {
  SLUICE_RETURN_IF_ERROR(CheckNdUpdates(c->input(0), c->input(1), c->input(2), "params"));
  c->set_output(0, c->input(0));
  return absl::OkStatus();
}

Status ScatterNdShape(InferenceContext* c) {
  if (c->input(2).rank() > 1) {
    return errors::InvalidArgument("shape must be a vector, got shape ", c->input(2).DebugString());
  }
  SLUICE_ASSIGN_OR_RETURN(TensorShape shape, c->InputAsShape(2));
  SLUICE_RETURN_IF_ERROR(CheckNdUpdates(shape, c->input(0), c->input(1), "shape"));
  c->set_output(0, shape);
  return absl::OkStatus();
}

Status GatherNdShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape out, NdSliceShape(c->input(0), c->input(1), "params"));
  c->set_output(0, std::move(out));
  return absl::OkStatus();
}

// The ref row scatters: name, allowed T, use_locking's default, summary.
void RegisterRefScatter(const char* name, const std::string& t_attr, const char* use_locking, const char* doc) {
  OpRegistry::Global()->Register(OpDefBuilder(name)
                                     .Input("ref: Ref(T)")
                                     .Input("indices: Tindices")
                                     .Input("updates: T")
                                     .Output("output_ref: Ref(T)")
                                     .Attr(t_attr)
                                     .Attr("Tindices: {int32, int64}")
                                     .Attr(absl::StrCat("use_locking: bool = ", use_locking))
                                     .SetShapeFn(RefScatterShape)
                                     .Doc(doc));
}

const bool kRegistered [[maybe_unused]] = [] {
  RegisterRefScatter("ScatterUpdate", "T: type", "true", "ref[indices[i], ...] = updates[i, ...].");
  RegisterRefScatter("ScatterMul", NumberTypes::Attr("T"), "false", "ref[indices[i], ...] *= updates[i, ...].");
  RegisterRefScatter("ScatterDiv", NumberTypes::Attr("T"), "false", "ref[indices[i], ...] /= updates[i, ...].");
  RegisterRefScatter("ScatterMin", NumberTypes::Attr("T"), "false",
                     "ref[indices[i], ...] = min(ref[indices[i], ...], updates[i, ...]).");
  RegisterRefScatter("ScatterMax", NumberTypes::Attr("T"), "false",
                     "ref[indices[i], ...] = max(ref[indices[i], ...], updates[i, ...]).");
  return true;
}();

}  // namespace

REGISTER_OP("ResourceScatterUpdate")
    .Input("resource: resource")
    .Input("indices: Tindices")
    .Input("updates: dtype")
    .Attr("dtype: type")
    .Attr("Tindices: {int32, int64}")
    .SetIsStateful()
    .SetShapeFn(ResourceScatterShape)
    .Doc("variable[indices[i], ...] = updates[i, ...] on a resource variable.");

REGISTER_OP("ScatterNdUpdate")
    .Input("ref: Ref(T)")
    .Input("indices: Tindices")
    .Input("updates: T")
    .Output("output_ref: Ref(T)")
    .Attr("T: type")
    .Attr("Tindices: {int32, int64}")
    .Attr("use_locking: bool = true")
    .SetShapeFn(NdUpdateShape)
    .Doc("ref[indices[i]] = updates[i] for the slices indices [..., K] name.");

REGISTER_OP("ScatterNdAdd")
    .Input("ref: Ref(T)")
    .Input("indices: Tindices")
    .Input("updates: T")
    .Output("output_ref: Ref(T)")
    .Attr(NumberTypes::Attr("T"))
    .Attr("Tindices: {int32, int64}")
    .Attr("use_locking: bool = false")
    .SetShapeFn(NdUpdateShape)
    .Doc("ref[indices[i]] += updates[i] for the slices indices [..., K] name.");

REGISTER_OP("ScatterNd")
    .Input("indices: Tindices")
    .Input("updates: T")
    .Input("shape: Tindices")
    .Output("output: T")
    .Attr(NumberTypes::Attr("T"))
    .Attr("Tindices: {int32, int64}")
    .SetShapeFn(ScatterNdShape)
    .Doc("Zeros of `shape` with updates[i] added at the slice indices[i] names (duplicates sum).");

REGISTER_OP("TensorScatterUpdate")
    .Input("tensor: T")
    .Input("indices: Tindices")
    .Input("updates: T")
    .Output("output: T")
    .Attr("T: type")
    .Attr("Tindices: {int32, int64}")
    .SetShapeFn(NdUpdateShape)
    .Doc("A copy of tensor with the slices indices names set to updates.");

REGISTER_OP("TensorScatterAdd")
    .Input("tensor: T")
    .Input("indices: Tindices")
    .Input("updates: T")
    .Output("output: T")
    .Attr(NumberTypes::Attr("T"))
    .Attr("Tindices: {int32, int64}")
    .SetShapeFn(NdUpdateShape)
    .Doc("A copy of tensor with updates added to the slices indices names.");

REGISTER_OP("GatherNd")
    .Input("params: Tparams")
    .Input("indices: Tindices")
    .Output("output: Tparams")
    .Attr("Tparams: type")
    .Attr("Tindices: {int32, int64}")
    .SetShapeFn(GatherNdShape)
    .Doc("output[i] = params[indices[i]], the slices indices [..., K] name.");

}  // namespace sluice
