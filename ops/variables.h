// Variable: a TF1 ref variable as tf.Variable builds it: a VariableV2 node "<name>", an Assign
// initializer "<name>/Assign" and an Identity "<name>/read" through which the value is used.
// Graphs built this way load in TensorFlow and checkpoints name the variable "<name>".
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

  // A Variable over existing nodes: the VariableV2, its read and its initializer.
  static Variable FromParts(Output ref, Output value, Operation initializer);

  bool valid() const { return ref_.valid(); }
  // The VariableV2 output (ref-typed): what Assign and Apply* ops take.
  const Output& ref() const { return ref_; }
  // The "<name>/read" Identity: the value other ops use.
  const Output& value() const { return value_; }
  // The "<name>/Assign" op that sets the initial value.
  const Operation& initializer() const { return initializer_; }
  // The variable's node name, which is also its checkpoint key.
  const std::string& name() const { return ref_.node()->name(); }
  DataType dtype() const { return BaseType(ref_.dtype()); }
  const TensorShape& shape() const { return ref_.shape(); }

 private:
  void Build(const Scope& scope, const TensorShape& shape, DataType dtype,
             const std::function<Output(const Scope&)>& make_initial_value, bool trainable);
  Output ref_;
  Output value_;
  Operation initializer_;
};

}  // namespace sluice

#endif  // SLUICE_OPS_VARIABLES_H_
