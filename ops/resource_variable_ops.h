// Resource-variable ops (TF2's variables, also in TF1 graphs with use_resource=True): a
// VarHandleOp outputs a handle (a DT_RESOURCE scalar) and the ops below read and update the
// variable behind it. ResourceVariable (ops/variables.h) builds them the way tf.Variable does:
//
//   ResourceVariable v(root.WithOpName("v"), {1.0f, 2.0f});   // v, v/Assign, v/Read/ReadVariableOp
//   auto bump = ops::AssignAddVariableOp(root, v.handle(), {0.5f, 0.5f});
//   auto now = ops::ReadVariableOp(root.WithControlDependencies({bump}), v.handle(), DT_FLOAT);
//
// Unlike a ref variable's uses, a read is an op of its own: order it after a write with a
// control dependency. What a read returns never changes afterwards (writes copy a buffer a
// reader still holds). The variable is created by its first AssignVariableOp; reading it before
// is FailedPrecondition naming it.
#ifndef SLUICE_OPS_RESOURCE_VARIABLE_OPS_H_
#define SLUICE_OPS_RESOURCE_VARIABLE_OPS_H_

#include <string>

#include "ops/scope.h"

namespace sluice {
namespace ops {

// A handle to the variable (container, shared_name) of `dtype` and (possibly partial) `shape`.
// An empty container is the session's default ("localhost"); an empty shared_name is the node's
// name.
Output VarHandleOp(const Scope& scope, DataType dtype, const TensorShape& shape, const std::string& container = "",
                   const std::string& shared_name = "");
// The variable's current value, of `dtype` (which must be the variable's).
Output ReadVariableOp(const Scope& scope, const Output& resource, DataType dtype);
// variable = value. A literal value takes the variable's dtype (when the handle records it).
Operation AssignVariableOp(const Scope& scope, const Output& resource, const Input& value);
// variable += value and variable -= value in place; the shapes must match.
Operation AssignAddVariableOp(const Scope& scope, const Output& resource, const Input& value);
Operation AssignSubVariableOp(const Scope& scope, const Output& resource, const Input& value);
// A bool scalar: whether the variable behind `resource` has been assigned.
Output VarIsInitializedOp(const Scope& scope, const Output& resource);
// Removes the resource from the session; with ignore_lookup_error a missing one is no error.
Operation DestroyResourceOp(const Scope& scope, const Output& resource, bool ignore_lookup_error = true);

// The rows `indices` (int32 or int64) of the variable (tf.gather of a resource variable, TF's
// ResourceGather): indices.shape + var.shape[1:], reading only those rows. Its gradient with
// respect to the handle is an IndexedSlices (ops/gradients.h), which the optimizers apply
// sparsely. `dtype` defaults to the one the handle records.
Output ResourceGather(const Scope& scope, const Output& resource, const Input& indices, DataType dtype = DT_INVALID);
// The shape of the variable's current value (int32 or int64).
Output VariableShape(const Scope& scope, const Output& resource, DataType out_type = DT_INT32);

// The dtype of the variable behind `resource` as its producer recorded it (a VarHandleOp,
// possibly through Identity), else DT_INVALID.
DataType HandleDtype(const Output& resource);

}  // namespace ops
}  // namespace sluice

#endif  // SLUICE_OPS_RESOURCE_VARIABLE_OPS_H_
