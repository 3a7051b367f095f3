#include "ops/state_ops.h"

#include "core/op_registry.h"
#include "ops/gradients.h"
#include "ops/scope_internal.h"

namespace sluice {

REGISTER_NO_GRADIENT("VariableV2");
REGISTER_NO_GRADIENT("Assign");
REGISTER_NO_GRADIENT("AssignAdd");
REGISTER_NO_GRADIENT("AssignSub");
REGISTER_NO_GRADIENT("IsVariableInitialized");

namespace internal {

NameScope MakeNameScope(const Scope& scope, const std::string& default_name) {
  std::optional<std::string> op_name = scope.data()->op_name;
  Scope helpers = scope.NewSubScope(op_name.value_or(default_name));
  const std::string& prefix = helpers.name_prefix();
  std::string name = prefix.substr(0, prefix.size() - 1);
  return {name, scope.WithOpName(name.substr(scope.name_prefix().size())), helpers};
}

}  // namespace internal

namespace ops {
namespace {

Output UpdateOp(const Scope& scope, const std::string& op, const Output& ref, const Input& value) {
  if (!scope.ok() || !ref.valid()) return Output();
  Output v = value.ToOutput(scope, BaseType(ref.dtype()));
  return NodeBuilder(scope, op).Input(ref).Input(v).Finalize();
}

}  // namespace

Output VariableV2(const Scope& scope, const TensorShape& shape, DataType dtype) {
  return NodeBuilder(scope, "VariableV2").Attr("shape", shape).Attr("dtype", dtype).Finalize();
}

Output Assign(const Scope& scope, const Output& ref, const Input& value, bool validate_shape) {
  if (!scope.ok() || !ref.valid()) return Output();
  Output v = value.ToOutput(scope, BaseType(ref.dtype()));
  return NodeBuilder(scope, "Assign")
      .Input(ref)
      .Input(v)
      .Attr("validate_shape", validate_shape)
      .Finalize();
}

Output AssignAdd(const Scope& scope, const Output& ref, const Input& value) {
  return UpdateOp(scope, "AssignAdd", ref, value);
}

Output AssignSub(const Scope& scope, const Output& ref, const Input& value) {
  return UpdateOp(scope, "AssignSub", ref, value);
}

Output IsVariableInitialized(const Scope& scope, const Output& ref) {
  return NodeBuilder(scope, "IsVariableInitialized").Input(ref).Finalize();
}

Operation VariablesInitializer(const Scope& scope, const std::vector<Variable>& vars) {
  NodeBuilder b(internal::MakeNameScope(scope, "init").op, "NoOp");
  for (const Variable& v : vars) b.ControlInput(v.initializer());
  return b.Finalize();
}

Operation GlobalVariablesInitializer(const Scope& scope) {
  return VariablesInitializer(scope, scope.global_variables());
}

}  // namespace ops
}  // namespace sluice
