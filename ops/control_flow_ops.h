// Functional control flow from C++: If and While build their branches, condition and body as
// functions of the graph's library (DefineFunction) and one node that calls them, TF2's
// tf.cond / tf.while_loop in graph form:
//
//   auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {});
//   // x^5 by repeated multiplication: loop variables (i, p, x).
//   std::vector<Output> out = ops::While(root, {ops::Const(root, 0), ops::Const(root, 1.0f), x},
//       [](const Scope& s, const std::vector<Output>& v) { return ops::Less(s, v[0], 5); },
//       [](const Scope& s, const std::vector<Output>& v) {
//         return std::vector<Output>{ops::Add(s, v[0], 1), ops::Mul(s, v[1], v[2]), v[2]};
//       });
//   std::vector<Output> y = ops::If(root, ops::Greater(root, x, 0.0f), {x},
//       [](const Scope& s, const std::vector<Output>& in) { return std::vector<Output>{ops::Sqrt(s, in[0])}; },
//       [](const Scope& s, const std::vector<Output>& in) { return std::vector<Output>{ops::Neg(s, in[0])}; });
//
// The functions see only their arguments: a value from outside goes in as an input (a loop
// variable that the body returns unchanged). Both are differentiable (ops/gradients.h): the
// gradient of a While runs a backward loop over the values that the forward loop stacked in
// TensorLists, one per iteration; an If's gradient is an If over the branches' gradients.
#ifndef SLUICE_OPS_CONTROL_FLOW_OPS_H_
#define SLUICE_OPS_CONTROL_FLOW_OPS_H_

#include <functional>
#include <vector>

#include "ops/function.h"
#include "ops/scope.h"

namespace sluice::ops {

// then_branch(inputs) when `cond` is true (a nonzero scalar, or a non-empty tensor), else
// else_branch(inputs). The branches must return the same number of values, of the same dtypes;
// where their shapes differ the output's shape is the most specific one compatible with both.
// The node is a StatelessIf when neither branch has side effects, else an If.
std::vector<Output> If(const Scope& scope, const Output& cond, const std::vector<Output>& inputs,
                       const FunctionBody& then_branch, const FunctionBody& else_branch);

using LoopCondition = std::function<Output(const Scope&, const std::vector<Output>&)>;

struct WhileOptions {
  // The shapes the loop variables keep across iterations (may have unknown dims or rank);
  // empty: the shapes they enter with, which the body must then keep.
  std::vector<TensorShape> shape_invariants;
  int parallel_iterations = 10;  // recorded (TF's attr); iterations run one after another
};

// Runs loop_vars = body(loop_vars) while cond(loop_vars) is true and returns the last values.
// The body returns one value per loop variable, of its dtype and of a shape compatible with its
// invariant; otherwise the error names the variable and both shapes. A StatelessWhile when
// neither function has side effects, else a While.
std::vector<Output> While(const Scope& scope, const std::vector<Output>& loop_vars, const LoopCondition& cond,
                          const FunctionBody& body, const WhileOptions& options = {});

}  // namespace sluice::ops

#endif  // SLUICE_OPS_CONTROL_FLOW_OPS_H_
