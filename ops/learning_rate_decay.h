// Learning-rate schedules, as TF1's tf.compat.v1.train.*_decay: each builds, from a global
// step (usually train::CreateGlobalStep's variable), the scalar learning rate of that step, to
// pass to an optimizer as its Hyperparameter.
//
//   Variable step = train::CreateGlobalStep(root);
//   Output lr = train::ExponentialDecay(root, 0.1f, step, 1000, 0.96f, /*staircase=*/true);
//   auto train_op = train::GradientDescentOptimizer(lr).Minimize(root, loss, {}, &step);
//
// The result has the dtype of `learning_rate` (float for a number); the step and the other
// arguments are cast to it. Each schedule's ops sit under its TF1 name scope
// ("ExponentialDecay/") and the result is named like it ("ExponentialDecay"), or by the scope's
// WithOpName name. Errors are recorded on the scope.
#ifndef SLUICE_OPS_LEARNING_RATE_DECAY_H_
#define SLUICE_OPS_LEARNING_RATE_DECAY_H_

#include <vector>

#include "ops/scope.h"

namespace sluice {
namespace train {

// learning_rate * decay_rate ^ (global_step / decay_steps); the exponent is floored with
// `staircase`.
Output ExponentialDecay(const Scope& scope, const Input& learning_rate, const Input& global_step,
                        const Input& decay_steps, const Input& decay_rate, bool staircase = false);

// learning_rate / (1 + decay_rate * global_step / decay_steps); the quotient is floored with
// `staircase`.
Output InverseTimeDecay(const Scope& scope, const Input& learning_rate, const Input& global_step,
                        const Input& decay_steps, const Input& decay_rate, bool staircase = false);

// (learning_rate - end_learning_rate) * (1 - step / decay_steps) ^ power + end_learning_rate
// with step = min(global_step, decay_steps); with `cycle`, decay_steps is instead multiplied by
// ceil(global_step / decay_steps) (1 at step 0), so the decay restarts.
Output PolynomialDecay(const Scope& scope, const Input& learning_rate, const Input& global_step,
                       const Input& decay_steps, const Input& end_learning_rate = 0.0001, const Input& power = 1.0,
                       bool cycle = false);

// values[0] while x <= boundaries[0], values[i] while boundaries[i-1] < x <= boundaries[i],
// values.back() after boundaries.back(): a float scalar. `boundaries` (increasing, compared in
// x's dtype) has one element less than `values`.
Output PiecewiseConstant(const Scope& scope, const Input& x, const std::vector<double>& boundaries,
                         const std::vector<double>& values);

// learning_rate * ((1 - alpha) * 0.5 * (1 + cos(pi * step / decay_steps)) + alpha) with
// step = min(global_step, decay_steps).
Output CosineDecay(const Scope& scope, const Input& learning_rate, const Input& global_step,
                   const Input& decay_steps, const Input& alpha = 0.0);

}  // namespace train
}  // namespace sluice

#endif  // SLUICE_OPS_LEARNING_RATE_DECAY_H_
