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

// accum = rho * accum + (1 - rho) * grad^2;
// update = sqrt(accum_update + epsilon) / sqrt(accum + epsilon) * grad; var -= lr * update;
// accum_update = rho * accum_update + (1 - rho) * update^2.
Output ApplyAdadelta(const Scope& scope, const Output& var, const Output& accum, const Output& accum_update,
                     const Input& lr, const Input& rho, const Input& epsilon, const Input& grad);
// FOBOS with a fixed rate: prox = var - alpha * delta;
// var = sign(prox) * max(|prox| - alpha * l1, 0) / (1 + alpha * l2) (no thresholding unless l1 > 0).
Output ApplyProximalGradientDescent(const Scope& scope, const Output& var, const Input& alpha, const Input& l1,
                                    const Input& l2, const Input& delta);
// FOBOS with Adagrad's rate: accum += grad^2; lr_t = lr / sqrt(accum), then as
// ApplyProximalGradientDescent with alpha = lr_t. lr must be > 0, l1 and l2 >= 0.
Output ApplyProximalAdagrad(const Scope& scope, const Output& var, const Output& accum, const Input& lr,
                            const Input& l1, const Input& l2, const Input& grad);
// Adagrad dual averaging: g += grad; gg += grad^2; with t = global_step (an int64 scalar),
// var = -sign(g) * lr * max(|g| - l1 * t, 0) / (l2 * t * lr + sqrt(gg)) (no thresholding unless l1 > 0).
Output ApplyAdagradDA(const Scope& scope, const Output& var, const Output& gradient_accumulator,
                      const Output& gradient_squared_accumulator, const Input& grad, const Input& lr,
                      const Input& l1, const Input& l2, const Input& global_step);
// FTRL-proximal: accum_new = accum + grad^2;
// linear += grad - (accum_new^(-lr_power) - accum^(-lr_power)) / lr * var;
// var = (sign(linear) * l1 - linear) / (accum_new^(-lr_power) / lr + 2 * l2) if |linear| > l1, else 0;
// accum = accum_new. With multiply_linear_by_lr, linear holds lr times that (TF's variant).
// lr must be > 0 (>= 0 with multiply_linear_by_lr), l1 and l2 >= 0, lr_power <= 0.
Output ApplyFtrl(const Scope& scope, const Output& var, const Output& accum, const Output& linear,
                 const Input& grad, const Input& lr, const Input& l1, const Input& l2, const Input& lr_power,
                 bool multiply_linear_by_lr = false);
// ApplyFtrl whose linear term sees grad + 2 * l2_shrinkage * var (l2_shrinkage >= 0); accum
// still accumulates grad^2.
Output ApplyFtrlV2(const Scope& scope, const Output& var, const Output& accum, const Output& linear,
                   const Input& grad, const Input& lr, const Input& l1, const Input& l2, const Input& l2_shrinkage,
                   const Input& lr_power, bool multiply_linear_by_lr = false);

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

Operation ResourceApplyAdadelta(const Scope& scope, const Output& var, const Output& accum,
                                const Output& accum_update, const Input& lr, const Input& rho,
                                const Input& epsilon, const Input& grad);
Operation ResourceApplyProximalGradientDescent(const Scope& scope, const Output& var, const Input& alpha,
                                               const Input& l1, const Input& l2, const Input& delta);
Operation ResourceApplyProximalAdagrad(const Scope& scope, const Output& var, const Output& accum, const Input& lr,
                                       const Input& l1, const Input& l2, const Input& grad);
Operation ResourceApplyAdagradDA(const Scope& scope, const Output& var, const Output& gradient_accumulator,
                                 const Output& gradient_squared_accumulator, const Input& grad, const Input& lr,
                                 const Input& l1, const Input& l2, const Input& global_step);
Operation ResourceApplyFtrl(const Scope& scope, const Output& var, const Output& accum, const Output& linear,
                            const Input& grad, const Input& lr, const Input& l1, const Input& l2,
                            const Input& lr_power, bool multiply_linear_by_lr = false);
Operation ResourceApplyFtrlV2(const Scope& scope, const Output& var, const Output& accum, const Output& linear,
                              const Input& grad, const Input& lr, const Input& l1, const Input& l2,
                              const Input& l2_shrinkage, const Input& lr_power, bool multiply_linear_by_lr = false);

// The sparse updates (TF's SparseApply*): the update of the op without "Sparse" applied to the
// rows indices[k] of var and its slots with the gradient row grad[k] (grad is
// [len(indices)] + var.shape[1:]), one index after another, so a duplicate index is updated
// twice (the optimizers sum duplicates first). Other rows are not touched. Out-of-range indices
// are InvalidArgument before any row changes. The inputs are those of the dense op with
// `indices` (int32 or int64) after `grad`.
Output SparseApplyMomentum(const Scope& scope, const Output& var, const Output& accum, const Input& lr,
                           const Input& grad, const Input& indices, const Input& momentum, bool use_nesterov = false);
Operation ResourceSparseApplyMomentum(const Scope& scope, const Output& var, const Output& accum, const Input& lr,
                                      const Input& grad, const Input& indices, const Input& momentum,
                                      bool use_nesterov = false);
Output SparseApplyAdagrad(const Scope& scope, const Output& var, const Output& accum, const Input& lr,
                          const Input& grad, const Input& indices, bool update_slots = true);
Operation ResourceSparseApplyAdagrad(const Scope& scope, const Output& var, const Output& accum, const Input& lr,
                                     const Input& grad, const Input& indices, bool update_slots = true);
Output SparseApplyRMSProp(const Scope& scope, const Output& var, const Output& ms, const Output& mom, const Input& lr,
                          const Input& rho, const Input& momentum, const Input& epsilon, const Input& grad,
                          const Input& indices);
Operation ResourceSparseApplyRMSProp(const Scope& scope, const Output& var, const Output& ms, const Output& mom,
                                     const Input& lr, const Input& rho, const Input& momentum, const Input& epsilon,
                                     const Input& grad, const Input& indices);
Output SparseApplyAdadelta(const Scope& scope, const Output& var, const Output& accum, const Output& accum_update,
                           const Input& lr, const Input& rho, const Input& epsilon, const Input& grad,
                           const Input& indices);
Operation ResourceSparseApplyAdadelta(const Scope& scope, const Output& var, const Output& accum,
                                      const Output& accum_update, const Input& lr, const Input& rho,
                                      const Input& epsilon, const Input& grad, const Input& indices);
Output SparseApplyProximalGradientDescent(const Scope& scope, const Output& var, const Input& alpha, const Input& l1,
                                          const Input& l2, const Input& grad, const Input& indices);
Operation ResourceSparseApplyProximalGradientDescent(const Scope& scope, const Output& var, const Input& alpha,
                                                     const Input& l1, const Input& l2, const Input& grad,
                                                     const Input& indices);
Output SparseApplyProximalAdagrad(const Scope& scope, const Output& var, const Output& accum, const Input& lr,
                                  const Input& l1, const Input& l2, const Input& grad, const Input& indices);
Operation ResourceSparseApplyProximalAdagrad(const Scope& scope, const Output& var, const Output& accum,
                                             const Input& lr, const Input& l1, const Input& l2, const Input& grad,
                                             const Input& indices);
Output SparseApplyAdagradDA(const Scope& scope, const Output& var, const Output& gradient_accumulator,
                            const Output& gradient_squared_accumulator, const Input& grad, const Input& indices,
                            const Input& lr, const Input& l1, const Input& l2, const Input& global_step);
Operation ResourceSparseApplyAdagradDA(const Scope& scope, const Output& var, const Output& gradient_accumulator,
                                       const Output& gradient_squared_accumulator, const Input& grad,
                                       const Input& indices, const Input& lr, const Input& l1, const Input& l2,
                                       const Input& global_step);
Output SparseApplyFtrl(const Scope& scope, const Output& var, const Output& accum, const Output& linear,
                       const Input& grad, const Input& indices, const Input& lr, const Input& l1, const Input& l2,
                       const Input& lr_power, bool multiply_linear_by_lr = false);
Operation ResourceSparseApplyFtrl(const Scope& scope, const Output& var, const Output& accum, const Output& linear,
                                  const Input& grad, const Input& indices, const Input& lr, const Input& l1,
                                  const Input& l2, const Input& lr_power, bool multiply_linear_by_lr = false);
Output SparseApplyFtrlV2(const Scope& scope, const Output& var, const Output& accum, const Output& linear,
                         const Input& grad, const Input& indices, const Input& lr, const Input& l1, const Input& l2,
                         const Input& l2_shrinkage, const Input& lr_power, bool multiply_linear_by_lr = false);
Operation ResourceSparseApplyFtrlV2(const Scope& scope, const Output& var, const Output& accum, const Output& linear,
                                    const Input& grad, const Input& indices, const Input& lr, const Input& l1,
                                    const Input& l2, const Input& l2_shrinkage, const Input& lr_power,
                                    bool multiply_linear_by_lr = false);

}  // namespace ops
}  // namespace sluice

#endif  // SLUICE_OPS_TRAINING_OPS_H_
