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
  Function(std::string name, DataTypeVector output_types)
      : name_(std::move(name)), output_types_(std::move(output_types)) {}
  bool valid() const { return !name_.empty(); }
  const std::string& name() const { return name_; }
  const DataTypeVector& output_types() const { return output_types_; }
  // A node of `scope` calling the function with `args`; its outputs, in order.
  std::vector<Output> operator()(const Scope& scope, const std::vector<Output>& args) const;

 private:
  std::string name_;
  DataTypeVector output_types_;
};

using FunctionBody = std::function<std::vector<Output>(const Scope&, const std::vector<Output>&)>;

// Defines function `name` with one argument per entry of `input_types` in `scope`'s graph.
Function DefineFunction(const Scope& scope, const std::string& name, const DataTypeVector& input_types,
                        const FunctionBody& body);

namespace ops {
// PartitionedCall of function `f` (its name) with `args`; `output_types` as the function returns.
std::vector<Output> PartitionedCall(const Scope& scope, const std::vector<Output>& args, const std::string& f,
                                    const DataTypeVector& output_types);
}  // namespace ops

}  // namespace sluice

#endif  // SLUICE_OPS_FUNCTION_H_
