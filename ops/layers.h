// Layers, as TF1's tf.layers: each builds its variables and ops in the scope it is given, so
// `layers::Dense(root.NewSubScope("hidden"), x, 256, ops::Relu)` makes the variables
// "hidden/kernel" and "hidden/bias" (the names tf.layers.dense uses, so checkpoints match).
// Variables come from GetVariable (ops/variable_scope.h): a layer built again under a variable
// scope entered with reuse shares them.
//
//   auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 28, 28, 1});
//   auto training = ops::PlaceholderWithDefault(root.WithOpName("training"), false, {});
//   auto c = layers::Conv2D(root.NewSubScope("conv2d"), x, 16, {3, 3}, {.padding = "same"});
//   auto b = layers::BatchNormalization(root.NewSubScope("batch_normalization"), c, training);
//   auto p = layers::MaxPooling2D(root.NewSubScope("max_pooling2d"), ops::Relu(root, b), {2, 2});
//   auto logits = layers::Dense(root.NewSubScope("dense"), layers::Flatten(root, p), 10);
//   // The moving averages of batch normalization update with the training step:
//   Scope with_updates = root.WithControlDependencies(layers::UpdateOps(root));
//
// Sequential stacks layers as a Keras model does, naming each after its kind:
//
//   layers::Sequential model;
//   model.Add("conv2d", [](const Scope& s, const Output& in) { return layers::Conv2D(s, in, 8, {3, 3}); })
//       .Add("flatten", [](const Scope& s, const Output& in) { return layers::Flatten(s, in); })
//       .Add("dense", [](const Scope& s, const Output& in) { return layers::Dense(s, in, 10); });
//   Output out = model.Apply(root, x);        // variables "conv2d/kernel", ..., "dense/bias"
#ifndef SLUICE_OPS_LAYERS_H_
#define SLUICE_OPS_LAYERS_H_

#include <functional>
#include <string>
#include <vector>

#include "ops/initializers.h"
#include "ops/scope.h"
#include "ops/variable_scope.h"
#include "ops/variables.h"

namespace sluice {
namespace layers {

using Activation = std::function<Output(const Scope&, const Input&)>;
// A weight penalty (e.g. an L2 penalty of the kernel): its scalar loss, which the layer adds to
// the "regularization_losses" collection when it creates the weights.
using Regularizer = std::function<Output(const Scope&, const Output& weights)>;

// activation(x · kernel + bias) for x of shape [batch, in] (in known when building), with the
// trainable variables "kernel" [in, units] and "bias" [units] of x's dtype. A null activation
// leaves the output linear; a kernel_regularizer's loss goes to "regularization_losses".
Output Dense(const Scope& scope, const Input& x, int64_t units, Activation activation = nullptr,
             const Initializer& kernel_init = init::GlorotUniform(),
             const Initializer& bias_init = init::Zeros(), const Regularizer& kernel_regularizer = nullptr);

// Inverted dropout (tf.layers.dropout): while training, each element is zeroed with
// probability `rate` and the kept ones are scaled by 1 / (1 - rate); otherwise x unchanged.
// Requires 0 <= rate < 1. `seed` as for the random initializers.
Output Dropout(const Scope& scope, const Input& x, float rate, bool training, int64_t seed = 0);
// The same with `training` a bool scalar decided at run time (e.g. a PlaceholderWithDefault).
Output Dropout(const Scope& scope, const Input& x, float rate, const Output& training, int64_t seed = 0);

// activation(x), in the scope (Keras' Activation layer).
Output ActivationLayer(const Scope& scope, const Input& x, const Activation& activation);

// ---- Convolution and pooling -----------------------------------------------------------------
// Images are [batch, height, width, channels] ("channels_last") or [batch, channels, height,
// width] ("channels_first"); the batch may be unknown, the channels must be known when building.
// Sizes (kernel_size, strides, dilation_rate, pool_size) are one entry (both dims) or two
// (height, width). padding is "valid" or "same" (either case).

struct Conv2DOptions {
  std::vector<int> strides = {1, 1};
  std::string padding = "valid";
  std::string data_format = "channels_last";
  std::vector<int> dilation_rate = {1, 1};
  Activation activation = nullptr;
  bool use_bias = true;
  Initializer kernel_initializer = init::GlorotUniform();
  Initializer bias_initializer = init::Zeros();
  Regularizer kernel_regularizer = nullptr;
  Regularizer bias_regularizer = nullptr;
};

// tf.layers.conv2d: activation(conv2d(x, kernel) + bias) with "kernel" [kh, kw, in, filters]
// and "bias" [filters]. Strides above 1 together with a dilation above 1 are an error (as in
// Keras).
Output Conv2D(const Scope& scope, const Input& x, int64_t filters, const std::vector<int>& kernel_size,
              const Conv2DOptions& options = {});

// tf.layers.conv2d_transpose: the transposed convolution (Conv2DBackpropInput) with "kernel"
// [kh, kw, filters, in] and "bias" [filters]. The output's size is computed at run time from x's
// shape as tf.layers computes it (so any batch size works): per spatial dim, with k the dilated
// kernel size, in * stride for "same" and in * stride + max(k - stride, 0) for "valid". The
// options as Conv2D's.
Output Conv2DTranspose(const Scope& scope, const Input& x, int64_t filters, const std::vector<int>& kernel_size,
                       const Conv2DOptions& options = {});

// tf.layers.max_pooling2d and average_pooling2d; empty strides means pool_size (as in Keras).
Output MaxPooling2D(const Scope& scope, const Input& x, const std::vector<int>& pool_size,
                    const std::vector<int>& strides = {}, const std::string& padding = "valid",
                    const std::string& data_format = "channels_last");
Output AveragePooling2D(const Scope& scope, const Input& x, const std::vector<int>& pool_size,
                        const std::vector<int>& strides = {}, const std::string& padding = "valid",
                        const std::string& data_format = "channels_last");

// Keras' Flatten: x [batch, d1, d2, ...] reshaped to [batch, d1 * d2 * ...] (a rank-1 x becomes
// [batch, 1]). The Reshape's shape is a Const [-1, d1 * d2 * ...] when those dims are known,
// [batch, -1] when only the batch is, else built from x's runtime Shape; with "channels_first" x
// is first transposed to channels last, so the flattened order matches channels_last.
Output Flatten(const Scope& scope, const Input& x, const std::string& data_format = "channels_last");

// ---- Batch normalization ---------------------------------------------------------------------

struct BatchNormalizationOptions {
  int axis = -1;  // the channel (feature) axis
  double momentum = 0.99;
  double epsilon = 1e-3;  // added to the variance in x's dtype
  bool center = true;  // add "beta"
  bool scale = true;   // multiply by "gamma"
  Initializer beta_initializer = init::Zeros();
  Initializer gamma_initializer = init::Ones();
  Initializer moving_mean_initializer = init::Zeros();
  Initializer moving_variance_initializer = init::Ones();
  Regularizer beta_regularizer = nullptr;
  Regularizer gamma_regularizer = nullptr;
};

// tf.layers.batch_normalization, built as TF1's non-fused path: with the trainable "gamma" and
// "beta" and the non-trainable "moving_mean" and "moving_variance" (each [channels], x's dtype,
// float or double),
//   y = x * gamma * rsqrt(variance + epsilon) + (beta - mean * gamma * rsqrt(variance + epsilon))
// (nn.batch_normalization, under "batchnorm/"). Training uses the batch's moments over every
// axis but `axis` (nn.moments, under "moments/") and builds the updates
//   moving -= (moving - batch_value) * (1 - momentum)
// (AssignSub ops "AssignMovingAvg" and "AssignMovingAvg_1"), added to the "update_ops"
// collection: run them with the training step (UpdateOps). Inference uses the moving averages
// and builds no updates.
Output BatchNormalization(const Scope& scope, const Input& x, bool training,
                          const BatchNormalizationOptions& options = {});
// The same with `training` a bool scalar decided at run time: SelectV2 ops pick the batch or the
// moving statistics, and the updates subtract (moving - selected) * (1 - momentum), which is
// exactly 0 when not training (and when the batch is empty).
Output BatchNormalization(const Scope& scope, const Input& x, const Output& training,
                          const BatchNormalizationOptions& options = {});

// The ops of the "update_ops" collection (tf.GraphKeys.UPDATE_OPS), for
// scope.WithControlDependencies(UpdateOps(scope)) around the training step. An entry that names
// no node of the graph is an error recorded on the scope.
std::vector<Operation> UpdateOps(const Scope& scope);
inline constexpr char kUpdateOpsCollection[] = "update_ops";

// ---- Sequential ------------------------------------------------------------------------------

// A layer of a Sequential: builds on `x` in `scope`, the layer's own (variable) scope.
using LayerFn = std::function<Output(const Scope& scope, const Output& x)>;

// A stack of layers applied in order, as a Keras Sequential model. Each layer is built in a
// variable scope of its own named after its kind as Keras names layers ("dense", "dense_1",
// "conv2d", ...: the first name not yet used under the scope Apply is given, see
// UniqueVariableScope). Layers that need the training flag capture it:
//   model.Add("dropout", [training](const Scope& s, const Output& in) { return layers::Dropout(s, in, 0.5f, training); });
class Sequential {
 public:
  // Appends a layer; `base_name` is its kind in Keras' snake case ("conv2d", "max_pooling2d").
  Sequential& Add(const std::string& base_name, LayerFn layer);
  // Builds the layers on x and returns the last one's output. The first call creates the
  // variables; later calls (on other inputs, in any scope) reenter the same variable scopes with
  // reuse, so they share the weights as a Keras model called twice does.
  Output Apply(const Scope& scope, const Input& x);
  // The layers' variable scopes from the first Apply ("dense", "dense_1", ...); empty before.
  const std::vector<std::string>& layer_scopes() const { return layer_scopes_; }

 private:
  std::vector<std::pair<std::string, LayerFn>> layers_;
  std::vector<std::string> layer_scopes_;
};

}  // namespace layers
}  // namespace sluice

#endif  // SLUICE_OPS_LAYERS_H_
