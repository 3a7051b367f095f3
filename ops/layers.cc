#include "ops/layers.h"

#include "ops/array_ops.h"
#include "ops/math_ops.h"
#include "ops/nn_ops.h"
#include "ops/random_ops.h"

namespace sluice {
namespace layers {
namespace {

// TF1's DEFAULT_GRAPH_SEED, paired with an op seed as in ops/initializers.cc.
constexpr int64_t kDefaultGraphSeed = 87654321;

// x with each element kept with probability 1 - rate and scaled by 1 / (1 - rate)
// (tf.nn.dropout: keep where uniform >= rate).
Output DropoutTraining(const Scope& scope, const Output& x, float rate, int64_t seed) {
  Output noise = ops::RandomUniform(scope, ops::Shape(scope, x), x.dtype(),
                                    seed == 0 ? 0 : kDefaultGraphSeed, seed);
  Output keep = ops::Cast(scope, ops::GreaterEqual(scope, noise, rate), x.dtype());
  return ops::Mul(scope, ops::Mul(scope, x, 1.0 / (1.0 - rate)), keep);
}

bool ValidRate(const Scope& scope, float rate) {
  if (rate >= 0.0f && rate < 1.0f) return true;
  scope.UpdateStatus(errors::InvalidArgument("Dropout: rate must be in [0, 1), got ", rate));
  return false;
}

}  // namespace

Output Dense(const Scope& scope, const Input& x, int64_t units, Activation activation,
             const Initializer& kernel_init, const Initializer& bias_init) {
  if (!scope.ok()) return Output();
  Output in = x.ToOutput(scope);
  if (!in.valid()) return Output();
  const TensorShape& shape = in.shape();
  if (shape.rank() != 2 || shape.dim(1) < 0) {
    scope.UpdateStatus(errors::InvalidArgument(
        "Dense layer '", scope.name_prefix(), "': the input must have shape [batch, features] with ",
        "features known when building, got ", shape.DebugString()));
    return Output();
  }
  if (units <= 0) {
    scope.UpdateStatus(errors::InvalidArgument("Dense layer '", scope.name_prefix(),
                                               "': units must be positive, got ", units));
    return Output();
  }
  Variable kernel(scope.WithOpName("kernel"), TensorShape{shape.dim(1), units}, kernel_init, in.dtype());
  Variable bias(scope.WithOpName("bias"), TensorShape{units}, bias_init, in.dtype());
  if (!kernel.valid() || !bias.valid()) return Output();
  Output out = ops::BiasAdd(scope, ops::MatMul(scope, in, kernel), bias);
  return activation ? activation(scope, out) : out;
}

Output Dropout(const Scope& scope, const Input& x, float rate, bool training, int64_t seed) {
  if (!scope.ok() || !ValidRate(scope, rate)) return Output();
  Output in = x.ToOutput(scope);
  if (!in.valid() || !training || rate == 0.0f) return in;
  return DropoutTraining(scope, in, rate, seed);
}

Output Dropout(const Scope& scope, const Input& x, float rate, const Output& training, int64_t seed) {
  if (!scope.ok() || !ValidRate(scope, rate)) return Output();
  Output in = x.ToOutput(scope);
  if (!in.valid() || !training.valid() || rate == 0.0f) return in;
  return ops::SelectV2(scope, training, DropoutTraining(scope, in, rate, seed), in);
}

}  // namespace layers
}  // namespace sluice
