#include "ops/variables.h"

#include "ops/resource_variable_ops.h"
#include "ops/scope_internal.h"
#include "ops/state_ops.h"

namespace sluice {

Variable Variable::FromParts(Output ref, Output value, Operation initializer) {
  Variable v;
  v.ref_ = std::move(ref);
  v.value_ = std::move(value);
  v.initializer_ = std::move(initializer);
  return v;
}

StatusOr<std::vector<Variable>> VariablesOfCollection(const Scope& scope, const std::string& key) {
  std::vector<Variable> vars;
  const Graph* graph = scope.graph();
  for (const std::string& name : scope.GetCollection(key)) {
    Node* ref = graph->FindNode(name);
    Node* read = graph->FindNode(name + "/read");
    if (read == nullptr) read = graph->FindNode(name + "/Read/ReadVariableOp");
    Node* assign = graph->FindNode(name + "/Assign");
    if (ref == nullptr || read == nullptr || assign == nullptr ||
        (ref->type_string() != "VariableV2" && ref->type_string() != "VarHandleOp")) {
      return errors::InvalidArgument("'", errors::Echo(name), "' of collection '", errors::Echo(key),
                                     "' is not a variable (a VariableV2 or VarHandleOp with its read and Assign nodes)");
    }
    vars.push_back(Variable::FromParts(Output(Operation(ref, scope.data()), 0),
                                       Output(Operation(read, scope.data()), 0), Operation(assign, scope.data())));
  }
  return vars;
}

Variable::Variable(const Scope& scope, const Input& initial_value, bool trainable) {
  Build(scope, TensorShape::UnknownRank(), DT_INVALID,
        [&](const Scope& s) { return initial_value.ToOutput(s); }, trainable, /*resource=*/false);
}

Variable::Variable(const Scope& scope, const TensorShape& shape, const Initializer& init,
                   DataType dtype, bool trainable) {
  Build(scope, shape, dtype,
        [&](const Scope& s) { return init(s.NewSubScope("Initializer"), shape, dtype); }, trainable,
        /*resource=*/false);
}

ResourceVariable::ResourceVariable(const Scope& scope, const Input& initial_value, bool trainable) {
  Build(scope, TensorShape::UnknownRank(), DT_INVALID,
        [&](const Scope& s) { return initial_value.ToOutput(s); }, trainable, /*resource=*/true);
}

ResourceVariable::ResourceVariable(const Scope& scope, const TensorShape& shape, const Initializer& init,
                                   DataType dtype, bool trainable) {
  Build(scope, shape, dtype,
        [&](const Scope& s) { return init(s.NewSubScope("Initializer"), shape, dtype); }, trainable,
        /*resource=*/true);
}

// Lays the nodes out as tf.Variable does: the name "<name>" is reserved as a name scope first,
// the initial value and helpers go under "<name>/", and the VariableV2 (or VarHandleOp) node
// takes the name itself.
// Variables are created outside any control dependencies (TF's init_scope). `shape` and `dtype`
// may be left unknown (UnknownRank, DT_INVALID) to take them from the initial value.
void Variable::Build(const Scope& outer, const TensorShape& shape, DataType dtype,
                     const std::function<Output(const Scope&)>& make_initial_value, bool trainable,
                     bool resource) {
  if (!outer.ok()) return;
  Scope scope = outer.WithNoControlDependencies();
  if (outer.data()->op_name.has_value()) scope = scope.WithOpName(*outer.data()->op_name);
  internal::NameScope names = internal::MakeNameScope(scope, "Variable");
  const std::string& var_name = names.name;
  const Scope& sub = names.helpers;
  Output initial = make_initial_value(sub);
  if (!initial.valid()) return;
  if (dtype != DT_INVALID && initial.dtype() != dtype) {
    scope.UpdateStatus(errors::InvalidArgument("variable '", var_name, "': the initial value is ",
                                               DataTypeString(initial.dtype()), ", expected ",
                                               DataTypeString(dtype)));
    return;
  }
  auto merged = shape.Merge(initial.shape());
  if (!merged.ok()) {
    scope.UpdateStatus(errors::InvalidArgument("variable '", var_name, "': the initial value's shape ",
                                               initial.shape().DebugString(), " does not match ",
                                               shape.DebugString()));
    return;
  }
  if (!merged->IsFullyDefined()) {
    scope.UpdateStatus(errors::InvalidArgument("variable '", var_name, "': the initial value's shape ",
                                               merged->DebugString(), " is not fully defined"));
    return;
  }

  Output ref, read;
  Operation assign;
  if (resource) {
    // The shared name is the node's (TF's graph-mode variables do the same), so that TensorFlow,
    // whose kernel does not fall back to the node name, finds the same variable.
    ref = ops::VarHandleOp(names.op, initial.dtype(), *merged, "", var_name);
    if (!ref.valid()) return;
    assign = ops::AssignVariableOp(sub.WithOpName("Assign"), ref, initial);
    read = ops::ReadVariableOp(sub.NewSubScope("Read").WithOpName("ReadVariableOp"), ref, initial.dtype());
  } else {
    ref = NodeBuilder(names.op, "VariableV2").Attr("shape", *merged).Attr("dtype", initial.dtype()).Finalize();
    if (!ref.valid()) return;
    assign = NodeBuilder(sub.WithOpName("Assign"), "Assign").Input(ref).Input(initial).Finalize();
    read = NodeBuilder(sub.WithOpName("read"), "Identity").Input(ref).Finalize();
  }
  if (!assign.valid() || !read.valid()) return;
  ref_ = ref;
  value_ = read;
  initializer_ = assign;
  scope.AddVariable(*this, trainable);
}

}  // namespace sluice
