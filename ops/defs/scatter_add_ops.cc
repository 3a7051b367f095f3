// ScatterAdd, ScatterSub (ref variables) and ResourceScatterAdd, ResourceScatterSub (resource
// variables) schemas and shape functions, with TensorFlow's signatures: ref[indices[i], ...] +=
// updates[i, ...], duplicate indices accumulating. The builders are in ops/scatter_add_ops.cc.
#include "core/op_registry.h"
#include "core/type_lists.h"

namespace sluice {
namespace {

// updates.shape must be indices.shape + var.shape[1:] (TF's ScatterUpdateShape); a scalar
// update is broadcast (TF allows it for the resource forms, and for the ref forms too).
Status CheckScatterShapes(const TensorShape& var, const TensorShape& indices, const TensorShape& updates) {
  if (var.unknown_rank() || indices.unknown_rank() || updates.unknown_rank()) return absl::OkStatus();
  if (updates.rank() == 0) return absl::OkStatus();
  if (var.rank() < 1) return errors::InvalidArgument("the variable must be at least a vector, got a scalar");
  TensorShape expected(indices.dims());
  for (int d = 1; d < var.rank(); ++d) expected.AddDim(var.dim(d));
  if (!expected.IsCompatibleWith(updates)) {
    return errors::InvalidArgument("updates shape ", updates.DebugString(),
                                   " must be indices.shape + var.shape[1:] = ", expected.DebugString());
  }
  return absl::OkStatus();
}

Status ScatterRefShape(InferenceContext* c) {
  SLUICE_RETURN_IF_ERROR(CheckScatterShapes(c->input(0), c->input(1), c->input(2)));
  c->set_output(0, c->input(0));
  return absl::OkStatus();
}

Status ScatterResourceShape(InferenceContext* c) {
  const HandleShapeAndType* handle = c->input_handle_shape_and_type(0);
  if (handle == nullptr) return absl::OkStatus();
  DataType dtype;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("dtype", &dtype));
  if (handle->dtype != dtype) {
    return errors::InvalidArgument("the variable is ", DataTypeString(handle->dtype), ", but dtype is ",
                                   DataTypeString(dtype));
  }
  return CheckScatterShapes(handle->shape, c->input(1), c->input(2));
}

}  // namespace

#define SLUICE_SCATTER_REF_OP(name, doc)  \
  REGISTER_OP(name)                       \
      .Input("ref: Ref(T)")               \
      .Input("indices: Tindices")         \
      .Input("updates: T")                \
      .Output("output_ref: Ref(T)")       \
      .Attr(NumberTypes::Attr("T"))       \
      .Attr(IndexTypes::Attr("Tindices")) \
      .Attr("use_locking: bool = false")  \
      .SetShapeFn(ScatterRefShape)        \
      .Doc(doc)
SLUICE_SCATTER_REF_OP("ScatterAdd", "ref[indices[i], ...] += updates[i, ...]; duplicate indices accumulate.");
SLUICE_SCATTER_REF_OP("ScatterSub", "ref[indices[i], ...] -= updates[i, ...]; duplicate indices accumulate.");
#undef SLUICE_SCATTER_REF_OP

#define SLUICE_SCATTER_RESOURCE_OP(name, doc) \
  REGISTER_OP(name)                           \
      .Input("resource: resource")            \
      .Input("indices: Tindices")             \
      .Input("updates: dtype")                \
      .Attr(NumberTypes::Attr("dtype"))       \
      .Attr(IndexTypes::Attr("Tindices"))     \
      .SetIsStateful()                        \
      .SetShapeFn(ScatterResourceShape)       \
      .Doc(doc)
SLUICE_SCATTER_RESOURCE_OP("ResourceScatterAdd",
                           "variable[indices[i], ...] += updates[i, ...]; duplicate indices accumulate.");
SLUICE_SCATTER_RESOURCE_OP("ResourceScatterSub",
                           "variable[indices[i], ...] -= updates[i, ...]; duplicate indices accumulate.");
#undef SLUICE_SCATTER_RESOURCE_OP

}  // namespace sluice
