// TF1's variable scopes and tf.get_variable: variables named by a variable scope, created once
// and shared by name.
//
//   Scope root = Scope::NewRootScope();
//   Scope enc = VariableScope(root, "encoder");                      // ops under "encoder/"
//   Variable w = GetVariable(enc, "w", {784, 64});                   // creates "encoder/w"
//   Scope again = VariableScope(root, "encoder", VariableReuse::kReuse);  // ops under "encoder_1/"
//   Variable same = GetVariable(again, "w", {784, 64});              // the same "encoder/w"
//
// A Scope carries a variable scope besides its name scope. VariableScope(scope, name) opens
// both: the name scope "name" is made unique as NewSubScope makes it ("encoder_1" the second
// time), the variable scope is exactly "<parent variable scope>/name", so a scope entered again
// with reuse names the same variables. Sub-scopes opened with NewSubScope inside a variable scope
// extend it by their name-scope component (so a layer built in `again.NewSubScope("dense")`
// shares "encoder/dense/kernel" with the one built in `enc.NewSubScope("dense")`); a scope that
// never entered a variable scope names its variables by its name prefix, which is how
// `layers::Dense(root.NewSubScope("hidden"), ...)` makes "hidden/kernel".
//
// Reuse is inherited: under a scope opened with kReuse or kAutoReuse every nested scope reuses
// too (TF1's `reuse = reuse or parent.reuse`). Errors (a variable that exists where it should be
// created, one missing where it should be reused, a shape or dtype that differs from the stored
// variable's) are recorded on the Scope with TensorFlow's messages, and GetVariable returns an
// invalid Variable.
#ifndef SLUICE_OPS_VARIABLE_SCOPE_H_
#define SLUICE_OPS_VARIABLE_SCOPE_H_

#include <functional>
#include <optional>
#include <string>

#include "ops/scope.h"
#include "ops/variables.h"

namespace sluice {

// tf.variable_scope's reuse: kInherit (None/False) takes the parent's; kReuse (True) requires
// every GetVariable to find an existing variable; kAutoReuse (tf.AUTO_REUSE) creates a variable
// that is missing and returns one that exists.
enum class VariableReuse { kInherit, kReuse, kAutoReuse };

// A weight penalty: its scalar loss for the weights (e.g. an L2 penalty), built in `scope`.
using VariableRegularizer = std::function<Output(const Scope& scope, const Output& weights)>;

struct VariableScopeOptions {
  VariableReuse reuse = VariableReuse::kInherit;
  // Defaults for GetVariable calls in this scope (and nested ones) that give none; unset ones
  // are inherited from the parent variable scope.
  Initializer initializer;
  VariableRegularizer regularizer;
  // Whether GetVariable creates resource variables (VarHandleOp) rather than ref variables
  // (VariableV2, the default); unset: the parent's.
  std::optional<bool> use_resource;
};

// tf.variable_scope(name, reuse=...): a scope whose ops go under a fresh name scope "name"
// ("name_1", ... when taken) and whose variables go under "<variable scope>/name". `name` must
// be a valid node-name component (no '/').
Scope VariableScope(const Scope& scope, const std::string& name, VariableReuse reuse = VariableReuse::kInherit);
Scope VariableScope(const Scope& scope, const std::string& name, const VariableScopeOptions& options);

// tf.variable_scope(None, default_name=...): a variable scope named `default_name`, or
// "<default_name>_1", "_2", ... when a variable scope of that name has already been entered
// under the current one since the current one was last entered (TF1's rule, which makes default
// names repeat when a scope is entered again with reuse, so its layers share). Without reuse a
// name whose name scope or variables already exist in the graph is passed over too.
Scope UniqueVariableScope(const Scope& scope, const std::string& default_name);

// Enters the variable scope `full_name` (as tf.variable_scope(captured_scope) does) wherever
// `scope` is: variables go under "full_name/", ops under a fresh name scope named after the last
// component of full_name inside `scope`'s name scope.
Scope ReenterVariableScope(const Scope& scope, const std::string& full_name,
                           VariableReuse reuse = VariableReuse::kInherit);

// The variable scope's name, "a/b" ("" at the root): what GetVariable puts before "/<name>".
std::string VariableScopeName(const Scope& scope);
// The scope's effective reuse (kInherit where no enclosing scope asks for reuse).
VariableReuse GetVariableReuse(const Scope& scope);

// tf.get_variable: the variable "<variable scope>/<name>" of `shape` and `dtype`, created
// (initialized by `initializer`, else the scope's default, else GlorotUniform for floating
// types and Zeros for integer and bool ones) unless reuse is on, in which case the stored one
// is returned. On creation, a regularizer's (or the scope's default regularizer's) loss of the
// variable's value is built under "<full name>/Regularizer/" and added to the
// "regularization_losses" collection; trainable variables join trainable_variables(). On reuse,
// `shape` may be left unknown (TensorShape::UnknownRank()) or partial; a known dim that differs
// from the stored one, or a different dtype, is an error. Only variables made by GetVariable
// are found.
Variable GetVariable(const Scope& scope, const std::string& name, const TensorShape& shape,
                     DataType dtype = DT_FLOAT, const Initializer& initializer = nullptr,
                     const VariableRegularizer& regularizer = nullptr, bool trainable = true);

// The graph collection of regularizer losses (tf.GraphKeys.REGULARIZATION_LOSSES).
inline constexpr char kRegularizationLossesCollection[] = "regularization_losses";

namespace internal {

// A Scope's variable scope (ScopeData::variable_scope): immutable, shared by the scopes derived
// from the one VariableScope returned.
struct VariableScopeData {
  std::string name;         // "a/b", "" for the root
  std::string name_prefix;  // the name prefix of the scope VariableScope returned
  VariableReuse reuse = VariableReuse::kInherit;
  Initializer initializer;
  VariableRegularizer regularizer;
  std::optional<bool> use_resource;
};

}  // namespace internal
}  // namespace sluice

#endif  // SLUICE_OPS_VARIABLE_SCOPE_H_
