#include "ops/resource_variable_ops.h"

#include "ops/array_ops.h"
#include "ops/gradients.h"

namespace sluice {

// TF's _ReadGrad: the gradient of a read is the gradient of the variable, passed on to the
// handle (AddSymbolicGradients with respect to a handle sums those of its reads).
REGISTER_GRADIENT("ReadVariableOp", [](const Scope& scope, const Operation& op, const std::vector<Output>& dy,
                                       std::vector<Output>* dx) -> Status {
  *dx = {dy[0]};
  return absl::OkStatus();
});
REGISTER_SPARSE_GRADIENT("ReadVariableOp",
                         [](const Scope& scope, const Operation& op, const std::vector<GradientValue>& dy,
                            std::vector<GradientValue>* dx) -> Status {
                           *dx = {dy[0]};
                           return absl::OkStatus();
                         });

// TF's _GatherGrad for ResourceGather: an IndexedSlices of dy's rows, of the variable's shape
// (a constant when the handle records a fully defined one, else VariableShape, as TF's
// variable_shape).
REGISTER_SPARSE_GRADIENT(
    "ResourceGather",
    [](const Scope& s, const Operation& op, const std::vector<GradientValue>& dy,
       std::vector<GradientValue>* dx) -> Status {
      Output handle = op.input(0);
      const HandleShapeAndType* recorded = handle.node()->output_handle_shape_and_type(handle.index());
      Output params_shape;
      if (recorded != nullptr && !recorded->shape.unknown_rank() && recorded->shape.IsFullyDefined()) {
        std::vector<int32_t> dims(recorded->shape.dims().begin(), recorded->shape.dims().end());
        params_shape = ops::Const(s, Tensor::FromVector(dims));
      } else {
        params_shape = ops::VariableShape(s, handle);
      }
      Output inner = ops::Slice(s, params_shape, {1}, {-1});
      Output values =
          ops::Reshape(s, ToDense(s, dy[0]),
                       ops::ConcatV2(s, {ops::Const(s, Tensor::FromVector(std::vector<int32_t>{-1})), inner}, 0));
      *dx = {IndexedSlices{values, ops::Reshape(s, op.input(1), {-1}), params_shape}, GradientValue()};
      return s.status();
    });
REGISTER_NO_GRADIENT("VariableShape");
REGISTER_NO_GRADIENT("VarHandleOp");
REGISTER_NO_GRADIENT("AssignVariableOp");
REGISTER_NO_GRADIENT("AssignAddVariableOp");
REGISTER_NO_GRADIENT("AssignSubVariableOp");
REGISTER_NO_GRADIENT("VarIsInitializedOp");
REGISTER_NO_GRADIENT("DestroyResourceOp");

namespace ops {
namespace {

Operation UpdateOp(const Scope& scope, const std::string& op, const Output& resource, const Input& value) {
  if (!scope.ok() || !resource.valid()) return Operation();
  Output v = value.ToOutput(scope, HandleDtype(resource));
  if (!v.valid()) return Operation();
  return NodeBuilder(scope, op).Input(resource).Input(v).Finalize();
}

}  // namespace

DataType HandleDtype(const Output& resource) {
  if (!resource.valid()) return DT_INVALID;
  const HandleShapeAndType* handle = resource.node()->output_handle_shape_and_type(resource.index());
  return handle != nullptr ? handle->dtype : DT_INVALID;
}

Output VarHandleOp(const Scope& scope, DataType dtype, const TensorShape& shape, const std::string& container,
                   const std::string& shared_name) {
  return NodeBuilder(scope, "VarHandleOp")
      .Attr("dtype", dtype)
      .Attr("shape", shape)
      .Attr("container", container)
      .Attr("shared_name", shared_name)
      .Finalize();
}

Output ReadVariableOp(const Scope& scope, const Output& resource, DataType dtype) {
  if (!scope.ok() || !resource.valid()) return Output();
  return NodeBuilder(scope, "ReadVariableOp").Input(resource).Attr("dtype", dtype).Finalize();
}

Operation AssignVariableOp(const Scope& scope, const Output& resource, const Input& value) {
  return UpdateOp(scope, "AssignVariableOp", resource, value);
}

Operation AssignAddVariableOp(const Scope& scope, const Output& resource, const Input& value) {
  return UpdateOp(scope, "AssignAddVariableOp", resource, value);
}

Operation AssignSubVariableOp(const Scope& scope, const Output& resource, const Input& value) {
  return UpdateOp(scope, "AssignSubVariableOp", resource, value);
}

Output ResourceGather(const Scope& scope, const Output& resource, const Input& indices, DataType dtype) {
  if (!scope.ok() || !resource.valid()) return Output();
  if (dtype == DT_INVALID) dtype = HandleDtype(resource);
  if (dtype == DT_INVALID) {
    scope.UpdateStatus(
        errors::InvalidArgument("ResourceGather: the handle ", resource.name(), " records no dtype; pass one"));
    return Output();
  }
  return NodeBuilder(scope, "ResourceGather")
      .Input(resource)
      .Input(indices.ToOutput(scope))
      .Attr("dtype", dtype)
      .Finalize();
}

Output VariableShape(const Scope& scope, const Output& resource, DataType out_type) {
  if (!scope.ok() || !resource.valid()) return Output();
  return NodeBuilder(scope, "VariableShape").Input(resource).Attr("out_type", out_type).Finalize();
}

Output VarIsInitializedOp(const Scope& scope, const Output& resource) {
  if (!scope.ok() || !resource.valid()) return Output();
  return NodeBuilder(scope, "VarIsInitializedOp").Input(resource).Finalize();
}

Operation DestroyResourceOp(const Scope& scope, const Output& resource, bool ignore_lookup_error) {
  if (!scope.ok() || !resource.valid()) return Operation();
  return NodeBuilder(scope, "DestroyResourceOp")
      .Input(resource)
      .Attr("ignore_lookup_error", ignore_lookup_error)
      .Finalize();
}

}  // namespace ops
}  // namespace sluice
