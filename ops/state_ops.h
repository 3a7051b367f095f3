// TF1 ref-variable ops: VariableV2, Assign, AssignAdd, AssignSub, IsVariableInitialized, and the
// initializer groups that run every variable's Assign.
//
//   Variable w(root.WithOpName("W"), {784, 10}, init::GlorotUniform());
//   auto step = ops::AssignAdd(root, w.ref(), delta);      // takes the ref, not the value
//   auto init = ops::GlobalVariablesInitializer(root);     // NoOp "init"
//
// Ops that take a variable take its ref (Variable::ref()), and return the ref again (TF's
// output_ref), so updates can be chained.
#ifndef SLUICE_OPS_STATE_OPS_H_
#define SLUICE_OPS_STATE_OPS_H_

#include <string>
#include <vector>

#include "ops/scope.h"
#include "ops/variables.h"

namespace sluice {
namespace ops {

// A variable of `dtype` (a ref of it) with the declared `shape`, uninitialized until assigned.
// Shared by name across sessions' steps: the session keeps it in its ResourceMgr.
Output VariableV2(const Scope& scope, const TensorShape& shape, DataType dtype);

// Sets the variable behind `ref` to `value` and returns the ref. With `validate_shape` an
// initialized variable keeps its shape: another shape is an error naming both.
Output Assign(const Scope& scope, const Output& ref, const Input& value, bool validate_shape = true);
// ref += value and ref -= value in place; the shapes must match and the variable be initialized.
Output AssignAdd(const Scope& scope, const Output& ref, const Input& value);
Output AssignSub(const Scope& scope, const Output& ref, const Input& value);
// A bool scalar: whether the variable behind `ref` has been assigned.
Output IsVariableInitialized(const Scope& scope, const Output& ref);

// A NoOp named "init" (or the scope's WithOpName name; "init_1" when taken) that runs the
// initializer of every variable in scope.global_variables() at the time of the call.
Operation GlobalVariablesInitializer(const Scope& scope);
// A NoOp named "init" that runs the initializers of `vars`.
Operation VariablesInitializer(const Scope& scope, const std::vector<Variable>& vars);

}  // namespace ops

namespace internal {
// TF's `with name_scope(name, default_name)` for an op with helper ops: `op` names its next op
// `name` and `helpers` puts ops under "<name>/". `name` is the scope's WithOpName name, else
// `default_name` made unique ("init", "init_1").
struct NameScope {
  std::string name;  // the full name
  Scope op;
  Scope helpers;
};
NameScope MakeNameScope(const Scope& scope, const std::string& default_name);
}  // namespace internal

}  // namespace sluice

#endif  // SLUICE_OPS_STATE_OPS_H_
