#include "ops/scatter_add_ops.h"

#include "core/op_registry.h"
#include "ops/gradients.h"
#include "ops/resource_variable_ops.h"

namespace sluice {

// Updates of state, not functions of their inputs (TF registers no gradients for them).
REGISTER_NO_GRADIENT("ScatterAdd");
REGISTER_NO_GRADIENT("ScatterSub");
REGISTER_NO_GRADIENT("ResourceScatterAdd");
REGISTER_NO_GRADIENT("ResourceScatterSub");

namespace ops {
namespace {

Output ScatterRef(const Scope& scope, const char* op, const Output& ref, const Input& indices, const Input& updates,
                  bool use_locking) {
  if (!scope.ok() || !ref.valid()) return Output();
  return NodeBuilder(scope, op)
      .Input(ref)
      .Input(indices.ToOutput(scope))
      .Input(updates.ToOutput(scope, BaseType(ref.dtype())))
      .Attr("use_locking", use_locking)
      .Finalize();
}

Operation ScatterResource(const Scope& scope, const char* op, const Output& resource, const Input& indices,
                          const Input& updates) {
  if (!scope.ok() || !resource.valid()) return Operation();
  DataType dtype = HandleDtype(resource);
  Output u = dtype == DT_INVALID ? updates.ToOutput(scope) : updates.ToOutput(scope, dtype);
  return NodeBuilder(scope, op).Input(resource).Input(indices.ToOutput(scope)).Input(u).Finalize();
}

}  // namespace

Output ScatterAdd(const Scope& scope, const Output& ref, const Input& indices, const Input& updates, bool use_locking) {
  return ScatterRef(scope, "ScatterAdd", ref, indices, updates, use_locking);
}

Output ScatterSub(const Scope& scope, const Output& ref, const Input& indices, const Input& updates, bool use_locking) {
  return ScatterRef(scope, "ScatterSub", ref, indices, updates, use_locking);
}

Operation ResourceScatterAdd(const Scope& scope, const Output& resource, const Input& indices, const Input& updates) {
  return ScatterResource(scope, "ResourceScatterAdd", resource, indices, updates);
}

Operation ResourceScatterSub(const Scope& scope, const Output& resource, const Input& indices, const Input& updates) {
  return ScatterResource(scope, "ResourceScatterSub", resource, indices, updates);
}

}  // namespace ops
}  // namespace sluice
