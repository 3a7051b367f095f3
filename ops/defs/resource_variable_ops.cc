// Resource-variable op schemas and shape functions, with TensorFlow's signatures (the client
// builders are in ops/resource_variable_ops.cc; ResourceApply* sit with the Apply ops in
// training_ops.cc). A VarHandleOp outputs a handle (a DT_RESOURCE scalar) that records the
// variable's dtype and shape for shape inference; the other ops take that handle.
//
// Every op here is stateful, also those TF leaves unmarked (ReadVariableOp, AssignVariableOp,
// ...): TF's graph passes know that an op with a resource input touches state, sluice's passes
// only look at is_stateful, so that is what keeps them from folding, merging or pruning reads
// and writes of variables.
#include "core/op_registry.h"
#include "core/type_lists.h"

namespace sluice {
namespace {

Status VarHandleShape(InferenceContext* c) {
  HandleShapeAndType handle;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("dtype", &handle.dtype));
  SLUICE_RETURN_IF_ERROR(c->GetAttr("shape", &handle.shape));
  c->set_output_handle_shape_and_type(0, std::move(handle));
  return shape_fn::ScalarShape(c);
}

// The shape of the variable behind resource input 0, checked against the op's `dtype` attr:
// unknown when the handle's producer did not record it.
StatusOr<TensorShape> VariableShape(InferenceContext* c) {
  const HandleShapeAndType* handle = c->input_handle_shape_and_type(0);
  if (handle == nullptr) return TensorShape::UnknownRank();
  DataType dtype;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("dtype", &dtype));
  if (handle->dtype != dtype) {
    return errors::InvalidArgument("the variable is ", DataTypeString(handle->dtype), ", but dtype is ",
                                   DataTypeString(dtype));
  }
  return handle->shape;
}

Status ReadVariableShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape shape, VariableShape(c));
  c->set_output(0, std::move(shape));
  return absl::OkStatus();
}

// The value must fit the variable's declared shape (as TF's shape function checks, whatever
// validate_shape says).
Status AssignVariableShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape shape, VariableShape(c));
  if (!shape.Merge(c->input(1)).ok()) {
    return errors::InvalidArgument("the variable's shape ", shape.DebugString(), " and the value's shape ",
                                   c->input(1).DebugString(), " must match");
  }
  return absl::OkStatus();
}

// indices.shape + var.shape[1:] (batch_dims 0).
Status ResourceGatherShape(InferenceContext* c) {
  int64_t batch_dims = 0;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("batch_dims", &batch_dims));
  if (batch_dims != 0) return errors::Unimplemented("ResourceGather with batch_dims = ", batch_dims, " (only 0)");
  SLUICE_ASSIGN_OR_RETURN(TensorShape var, VariableShape(c));
  const TensorShape& indices = c->input(1);
  if (var.unknown_rank() || indices.unknown_rank()) {
    c->set_output(0, TensorShape::UnknownRank());
    return absl::OkStatus();
  }
  if (var.rank() < 1) return errors::InvalidArgument("ResourceGather needs a variable of rank >= 1, got a scalar");
  TensorShape out(indices.dims());
  for (int d = 1; d < var.rank(); ++d) out.AddDim(var.dim(d));
  c->set_output(0, std::move(out));
  return absl::OkStatus();
}

Status VariableShapeShape(InferenceContext* c) {
  const HandleShapeAndType* handle = c->input_handle_shape_and_type(0);
  c->set_output(0, TensorShape{handle == nullptr || handle->shape.unknown_rank() ? -1 : handle->shape.rank()});
  return absl::OkStatus();
}

}  // namespace

REGISTER_OP("ResourceGather")
    .Input("resource: resource")
    .Input("indices: Tindices")
    .Output("output: dtype")
    .Attr("batch_dims: int = 0")
    .Attr("validate_indices: bool = true")
    .Attr("dtype: type")
    .Attr("Tindices: {int32, int64}")
    .SetIsStateful()
    .SetShapeFn(ResourceGatherShape)
    .Doc("The rows indices of the variable (tf.gather on a resource variable, reading only those rows).");

REGISTER_OP("VariableShape")
    .Input("input: resource")
    .Output("output: out_type")
    .Attr("out_type: {int32, int64} = DT_INT32")
    .SetIsStateful()
    .SetShapeFn(VariableShapeShape)
    .Doc("The shape of the variable's current value.");

REGISTER_OP("VarHandleOp")
    .Output("resource: resource")
    .Attr("container: string = ''")
    .Attr("shared_name: string = ''")
    .Attr("dtype: type")
    .Attr("shape: shape")
    .Attr("allowed_devices: list(string) = []")
    .SetIsStateful()
    .SetShapeFn(VarHandleShape)
    .Doc("A handle to the resource variable (container, shared_name); an empty shared_name is the node's name.");

REGISTER_OP("ReadVariableOp")
    .Input("resource: resource")
    .Output("value: dtype")
    .Attr("dtype: type")
    .SetIsStateful()
    .SetShapeFn(ReadVariableShape)
    .Doc("The variable's value; later assignments do not change the returned tensor.");

REGISTER_OP("AssignVariableOp")
    .Input("resource: resource")
    .Input("value: dtype")
    .Attr("dtype: type")
    .Attr("validate_shape: bool = false")
    .SetIsStateful()
    .SetShapeFn(AssignVariableShape)
    .Doc("variable = value (creating the variable on first assignment).");

REGISTER_OP("AssignAddVariableOp")
    .Input("resource: resource")
    .Input("value: dtype")
    .Attr(NumberTypes::Attr("dtype"))
    .SetIsStateful()
    .SetShapeFn(AssignVariableShape)
    .Doc("variable += value.");

REGISTER_OP("AssignSubVariableOp")
    .Input("resource: resource")
    .Input("value: dtype")
    .Attr(NumberTypes::Attr("dtype"))
    .SetIsStateful()
    .SetShapeFn(AssignVariableShape)
    .Doc("variable -= value.");

REGISTER_OP("VarIsInitializedOp")
    .Input("resource: resource")
    .Output("is_initialized: bool")
    .SetIsStateful()
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("Whether the variable behind the handle has been assigned.");

REGISTER_OP("DestroyResourceOp")
    .Input("resource: resource")
    .Attr("ignore_lookup_error: bool = true")
    .SetIsStateful()
    .Doc("Removes the resource behind the handle from the session (holders keep it until released).");

}  // namespace sluice
