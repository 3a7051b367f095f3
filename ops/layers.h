// Layers, as TF1's tf.layers: each builds its variables and ops in the scope it is given, so
// `layers::Dense(root.NewSubScope("hidden"), x, 256, ops::Relu)` makes the variables
// "hidden/kernel" and "hidden/bias" (the names tf.layers.dense uses, so checkpoints match).
#ifndef SLUICE_OPS_LAYERS_H_
#define SLUICE_OPS_LAYERS_H_

#include <functional>

#include "ops/initializers.h"
#include "ops/scope.h"
#include "ops/variables.h"

namespace sluice {
namespace layers {

using Activation = std::function<Output(const Scope&, const Input&)>;

// activation(x · kernel + bias) for x of shape [batch, in] (in known when building), with the
// trainable variables "kernel" [in, units] and "bias" [units] of x's dtype. A null activation
// leaves the output linear.
Output Dense(const Scope& scope, const Input& x, int64_t units, Activation activation = nullptr,
             const Initializer& kernel_init = init::GlorotUniform(),
             const Initializer& bias_init = init::Zeros());

// Inverted dropout (tf.layers.dropout): while training, each element is zeroed with
// probability `rate` and the kept ones are scaled by 1 / (1 - rate); otherwise x unchanged.
// Requires 0 <= rate < 1. `seed` as for the random initializers.
Output Dropout(const Scope& scope, const Input& x, float rate, bool training, int64_t seed = 0);
// The same with `training` a bool scalar decided at run time (e.g. a PlaceholderWithDefault).
Output Dropout(const Scope& scope, const Input& x, float rate, const Output& training, int64_t seed = 0);

}  // namespace layers
}  // namespace sluice

#endif  // SLUICE_OPS_LAYERS_H_
