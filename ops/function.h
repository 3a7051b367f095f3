// Functions from C++: DefineFunction records a body, built by a lambda on a scope of its own,
// as a FunctionDef in the graph's library (TF's format: GraphDef.library, so TensorFlow reads
// it too), and a Function is called like an op:
//
//   Function square_plus = DefineFunction(root, "SquarePlus", {DT_FLOAT, DT_FLOAT},
//       [](const Scope& s, const std::vector<Output>& args) {
//         return std::vector<Output>{ops::Add(s, ops::Mul(s, args[0], args[0]), args[1])};
//       });
//   std::vector<Output> y = square_plus(root, {x, b});   // a node whose op is "SquarePlus"
//
// The body may call functions defined before it. Errors (a failed builder in the body, a name
// already taken) are recorded on `scope` and make the Function's calls fail.
#ifndef SLUICE_OPS_FUNCTION_H_
#define SLUICE_OPS_FUNCTION_H_

#include <functional>
#include <string>
#include <vector>

#include "ops/scope.h"

namespace sluice {

class Function {
 public:
  Function() = default;
  Function(std::string name, DataTypeVector output_types, std::vector<TensorShape> output_shapes = {})
      : name_(std::move(name)), output_types_(std::move(output_types)), output_shapes_(std::move(output_shapes)) {}
  bool valid() const { return !name_.empty(); }
  const std::string& name() const { return name_; }
  const DataTypeVector& output_types() const { return output_types_; }
  // The shapes the body's results were inferred to have (empty when not known).
  const std::vector<TensorShape>& output_shapes() const { return output_shapes_; }
  // A node of `scope` calling the function with `args`; its outputs, in order.
  std::vector<Output> operator()(const Scope& scope, const std::vector<Output>& args) const;

 private:
  std::string name_;
  DataTypeVector output_types_;
  std::vector<TensorShape> output_shapes_;
};

using FunctionBody = std::function<std::vector<Output>(const Scope&, const std::vector<Output>&)>;

// Defines function `name` with one argument per entry of `input_types` in `scope`'s graph.
Function DefineFunction(const Scope& scope, const std::string& name, const DataTypeVector& input_types,
                        const FunctionBody& body);
// The same, with the shapes the arguments are known to have (shape inference in the body starts
// from them; unknown dims and ranks are allowed).
Function DefineFunction(const Scope& scope, const std::string& name, const DataTypeVector& input_types,
                        const std::vector<TensorShape>& input_shapes, const FunctionBody& body);

// The FunctionDef of function `name` whose arguments are the Placeholders `args` of `body` and
// whose results are `results`; every other node of `body` becomes a node of the function, its
// inputs written the FunctionDef way ("node:out_arg:i").
StatusOr<FunctionDef> GraphToFunctionDef(const std::string& name, const Graph& body, const std::vector<Endpoint>& args,
                                         const std::vector<Endpoint>& results);

// A function of `library` instantiated for func.attr() into the graph of `scope` (a root scope
// of its own, whose library receives `library`'s functions): its arguments as Placeholders, with
// `arg_shapes` when given, and its results. Gradients of functional ops build on it.
struct ImportedFunction {
  std::vector<Output> args, results;
};
StatusOr<ImportedFunction> ImportFunction(const Scope& scope, const FunctionLibraryDefinition& library,
                                          const NameAttrList& func, const std::vector<TensorShape>& arg_shapes = {});

// A function name that `library` does not have yet, from `base` (a node name: '/' and other
// characters a FunctionDef name may not hold become '_') and a process-wide sequence number, so
// that a function built inside another's body never takes the name its parent is about to get.
std::string UniqueFunctionName(const FunctionLibraryDefinition& library, const std::string& base);
// A func attr naming function `name`.
AttrValue FuncAttr(const std::string& name);

namespace ops {
// PartitionedCall of function `f` (its name) with `args`; `output_types` as the function returns.
std::vector<Output> PartitionedCall(const Scope& scope, const std::vector<Output>& args, const std::string& f,
                                    const DataTypeVector& output_types);
}  // namespace ops

}  // namespace sluice

#endif  // SLUICE_OPS_FUNCTION_H_
