#include "ops/resource_variable_ops.h"

#include "ops/gradients.h"

namespace sluice {

// TF's _ReadGrad: the gradient of a read is the gradient of the variable, passed on to the
// handle (AddSymbolicGradients with respect to a handle sums those of its reads).
REGISTER_GRADIENT("ReadVariableOp", [](const Scope& scope, const Operation& op, const std::vector<Output>& dy,
                                       std::vector<Output>* dx) -> Status {
  *dx = {dy[0]};
  return absl::OkStatus();
});
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
