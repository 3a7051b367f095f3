// The fused optimizer updates of TF1 (training_ops): each updates its variable and slot
// variables in place, under their locks, and returns the variable's ref. The ResourceApply*
// twins do the same to resource variables (their handles, ResourceVariable::handle()) and
// return the op, which has no outputs. Optimizers in ops/training.h build these; use them
// directly for hand-written update rules.
//
// Scalar hyperparameters (lr, momentum, ...) may be literals, converted to the variable's dtype.
// The update formulas are TensorFlow's (tensorflow/core/kernels/training_ops.cc).
#ifndef SLUICE_OPS_TRAINING_OPS_H_
#define SLUICE_OPS_TRAINING_OPS_H_

#include "ops/scope.h"

namespace sluice {
namespace ops {

// var -= alpha * delta.
Output ApplyGradientDescent(const Scope& scope, const Output& var, const Input& alpha,
                            const Input& delta);
// accum = accum * momentum + grad;
// var -= lr * accum, or with Nesterov var -= lr * grad + lr * momentum * accum.
Output ApplyMomentum(const Scope& scope, const Output& var, const Output& accum, const Input& lr,
                     const Input& grad, const Input& momentum, bool use_nesterov = false);
// lr_t = lr * sqrt(1 - beta2_power) / (1 - beta1_power);
// m += (grad - m) * (1 - beta1); v += (grad^2 - v) * (1 - beta2);
// var -= lr_t * m / (sqrt(v) + epsilon), or with Nesterov
// var -= lr_t * (m * beta1 + (1 - beta1) * grad) / (sqrt(v) + epsilon).
Output ApplyAdam(const Scope& scope, const Output& var, const Output& m, const Output& v,
                 const Input& beta1_power, const Input& beta2_power, const Input& lr,
                 const Input& beta1, const Input& beta2, const Input& epsilon, const Input& grad,
                 bool use_nesterov = false);
// accum += grad^2 (when update_slots); var -= lr * grad / sqrt(accum).
Output ApplyAdagrad(const Scope& scope, const Output& var, const Output& accum, const Input& lr,
                    const Input& grad, bool update_slots = true);
// ms = rho * ms + (1 - rho) * grad^2; mom = momentum * mom + lr * grad / sqrt(ms + epsilon);
// var -= mom.
Output ApplyRMSProp(const Scope& scope, const Output& var, const Output& ms, const Output& mom,
                    const Input& lr, const Input& rho, const Input& momentum, const Input& epsilon,
                    const Input& grad);

// The same updates of resource variables, with the same inputs in the same order.
Operation ResourceApplyGradientDescent(const Scope& scope, const Output& var, const Input& alpha,
                                       const Input& delta);
Operation ResourceApplyMomentum(const Scope& scope, const Output& var, const Output& accum, const Input& lr,
                                const Input& grad, const Input& momentum, bool use_nesterov = false);
Operation ResourceApplyAdam(const Scope& scope, const Output& var, const Output& m, const Output& v,
                            const Input& beta1_power, const Input& beta2_power, const Input& lr, const Input& beta1,
                            const Input& beta2, const Input& epsilon, const Input& grad, bool use_nesterov = false);
Operation ResourceApplyAdagrad(const Scope& scope, const Output& var, const Output& accum, const Input& lr,
                               const Input& grad, bool update_slots = true);
Operation ResourceApplyRMSProp(const Scope& scope, const Output& var, const Output& ms, const Output& mom,
                               const Input& lr, const Input& rho, const Input& momentum, const Input& epsilon,
                               const Input& grad);

}  // namespace ops
}  // namespace sluice

#endif  // SLUICE_OPS_TRAINING_OPS_H_
