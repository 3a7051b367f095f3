// Symbolic differentiation: gradients are built as graph nodes.
//
// Each differentiable op registers its gradient function next to its schema:
//
//   Status MulGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
//                  std::vector<Output>* dx) {     // d(x*y) = (dy*y, dy*x), before broadcasting
//     *dx = {ops::Mul(s, dy[0], op.input(1)), ops::Mul(s, dy[0], op.input(0))};
//     return absl::OkStatus();
//   }
//   REGISTER_GRADIENT("Mul", MulGrad);
//   REGISTER_NO_GRADIENT("ArgMax");   // not differentiable: gradients stop here
//
// A gradient function gets the op, the gradients of its outputs (zeros for floating-point
// outputs nothing depends on; an invalid Output for the others: integers, lists, handles carry
// no gradient) and must push one entry per data input; an invalid Output() means "no gradient
// to this input".
#ifndef SLUICE_OPS_GRADIENTS_H_
#define SLUICE_OPS_GRADIENTS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "ops/scope.h"

namespace sluice {

using GradFunc = std::function<Status(const Scope& scope, const Operation& op,
                                      const std::vector<Output>& grad_outputs,
                                      std::vector<Output>* grad_inputs)>;

class GradientRegistry {
 public:
  static GradientRegistry* Global();
  void Register(const std::string& op, GradFunc fn);
  // Marks `op` as not differentiable: backpropagation stops at it without error.
  void RegisterNoGradient(const std::string& op);
  // The gradient of `op`: *fn set (possibly null for a no-gradient op), or NotFound.
  Status Lookup(const std::string& op, const GradFunc** fn) const;

 private:
  absl::flat_hash_map<std::string, GradFunc> fns_;
};

// Builds the gradients of sum(ys[i] * grad_ys[i]) with respect to each of xs, under
// scope "gradients" (like tf.gradients). grad_ys may be empty (ones). Gradients arriving at a
// tensor by several paths are summed with AddN. Backpropagation stops at ops registered with
// no gradient (StopGradient among them) and fails with the op and node name for an op whose
// gradient is missing. An x that no y depends on gets an invalid Output. An x may be a resource
// variable's handle: its gradient is that of the variable's value (summed over its reads).
struct GradientOptions {
  // TF's gate_gradients (GATE_OP): the gradients an op's gradient function returns for its
  // inputs are made available together, after all of them are computed ("<op>_grad/tuple/
  // control_dependency", ...), so no update that uses one of them runs while another is still
  // being computed from the variable it changes. The optimizers set it, as TF1's
  // Optimizer.compute_gradients does by default; tf.gradients does not.
  bool gate_gradients = false;
};

Status AddSymbolicGradients(const Scope& scope, const std::vector<Output>& ys,
                            const std::vector<Output>& xs, const std::vector<Output>& grad_ys,
                            std::vector<Output>* grad_xs, const GradientOptions& options = {});
inline Status AddSymbolicGradients(const Scope& scope, const std::vector<Output>& ys,
                                   const std::vector<Output>& xs, std::vector<Output>* grad_xs) {
  return AddSymbolicGradients(scope, ys, xs, {}, grad_xs);
}

namespace internal {
struct GradientRegistrar {
  GradientRegistrar(const std::string& op, GradFunc fn) {
    GradientRegistry::Global()->Register(op, std::move(fn));
  }
  explicit GradientRegistrar(const std::string& op) { GradientRegistry::Global()->RegisterNoGradient(op); }
};
}  // namespace internal

}  // namespace sluice

#define SLUICE_GRAD_UNIQ(ctr, ...) \
  static ::sluice::internal::GradientRegistrar sluice_grad_registrar_##ctr [[maybe_unused]](__VA_ARGS__)
#define SLUICE_GRAD_HELPER(ctr, ...) SLUICE_GRAD_UNIQ(ctr, __VA_ARGS__)
#define REGISTER_GRADIENT(op, ...) SLUICE_GRAD_HELPER(__COUNTER__, op, __VA_ARGS__)
#define REGISTER_NO_GRADIENT(op) SLUICE_GRAD_HELPER(__COUNTER__, op)

#endif  // SLUICE_OPS_GRADIENTS_H_
