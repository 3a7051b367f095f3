// Variable: a TF1 ref variable as tf.Variable builds it: a VariableV2 node "<name>", an Assign
// initializer "<name>/Assign" and an Identity "<name>/read" through which the value is used.
// Graphs built this way load in TensorFlow and checkpoints name the variable "<name>".
//
// ResourceVariable: a resource variable as TF2's tf.Variable (or TF1 with use_resource=True)
// builds it in a graph: a VarHandleOp "<name>" (shared_name "<name>"), an AssignVariableOp
// initializer "<name>/Assign" and a ReadVariableOp "<name>/Read/ReadVariableOp" through which the
// value is used. It is a Variable: the collections, GlobalVariablesInitializer and the
// optimizers (which update it with ResourceApply* ops) take both kinds.
//
//   ResourceVariable kernel(root.WithOpName("kernel"), {784, 10}, init::GlorotUniform());
//   auto out = ops::MatMul(root, x, kernel);                // reads it through kernel.value()
#ifndef SLUICE_OPS_VARIABLES_H_
#define SLUICE_OPS_VARIABLES_H_

#include <functional>
#include <string>

#include "ops/scope.h"

namespace sluice {

// Builds the initial value of a variable of a given shape and dtype, in `scope`
// ("<var>/Initializer"). See ops/initializers.h.
using Initializer = std::function<Output(const Scope& scope, const TensorShape& shape, DataType dtype)>;

class Variable {
 public:
  Variable() = default;
  // A variable initialized to `initial_value`, whose dtype and (fully defined) shape it takes.
  // The variable is named by the scope (use scope.WithOpName("W")).
  Variable(const Scope& scope, const Input& initial_value, bool trainable = true);
  // A variable of `shape` and `dtype` initialized by `init` (built under "<name>/Initializer").
  Variable(const Scope& scope, const TensorShape& shape, const Initializer& init,
           DataType dtype = DT_FLOAT, bool trainable = true);

  // A Variable over existing nodes: the VariableV2 (or VarHandleOp), its read and its initializer.
  static Variable FromParts(Output ref, Output value, Operation initializer);

  bool valid() const { return ref_.valid(); }
  // Whether this is a resource variable (a VarHandleOp) rather than a ref variable (VariableV2).
  bool is_resource() const { return ref_.valid() && ref_.dtype() == DT_RESOURCE; }
  // The variable's node's output: for a ref variable the VariableV2's ref, what Assign and Apply*
  // ops take; for a resource variable the same as handle().
  const Output& ref() const { return ref_; }
  // A resource variable's VarHandleOp output (DT_RESOURCE), what AssignVariableOp and
  // ResourceApply* ops take; invalid for a ref variable.
  Output handle() const { return is_resource() ? ref_ : Output(); }
  // The value other ops use: "<name>/read" (an Identity of the ref) or, for a resource
  // variable, "<name>/Read/ReadVariableOp".
  const Output& value() const { return value_; }
  // The "<name>/Assign" op that sets the initial value.
  const Operation& initializer() const { return initializer_; }
  // The variable's node name, which is also its checkpoint key.
  const std::string& name() const { return ref_.node()->name(); }
  DataType dtype() const { return is_resource() ? value_.dtype() : BaseType(ref_.dtype()); }
  const TensorShape& shape() const { return is_resource() ? value_.shape() : ref_.shape(); }

 protected:
  // Builds the nodes of a ref variable or, with `resource`, of a resource variable.
  void Build(const Scope& scope, const TensorShape& shape, DataType dtype,
             const std::function<Output(const Scope&)>& make_initial_value, bool trainable, bool resource);

 private:
  Output ref_;
  Output value_;
  Operation initializer_;
};

// The variables a collection of node names holds ("local_variables", "metric_variables", ...,
// filled by Scope::AddToCollection with variable names): each name's VariableV2 with its
// "<name>/read" and "<name>/Assign", or VarHandleOp with its "<name>/Read/ReadVariableOp" and
// "<name>/Assign". A name that is no such variable is an error naming it.
StatusOr<std::vector<Variable>> VariablesOfCollection(const Scope& scope, const std::string& key);

// A resource variable (see the top of this file); it adds no state to Variable, so it can be
// passed and stored as one.
class ResourceVariable : public Variable {
 public:
  ResourceVariable() = default;
  // As Variable's constructors, but the variable is a VarHandleOp.
  ResourceVariable(const Scope& scope, const Input& initial_value, bool trainable = true);
  ResourceVariable(const Scope& scope, const TensorShape& shape, const Initializer& init, DataType dtype = DT_FLOAT,
                   bool trainable = true);
};

}  // namespace sluice

#endif  // SLUICE_OPS_VARIABLES_H_
