// Neural-network ops: bias addition, activations and their gradients, softmax, cross-entropy
// losses and L2 loss. Names, inputs, attrs and semantics are TensorFlow 1.x's; float and double.
//
//   auto h = ops::Relu(scope, ops::BiasAdd(scope, ops::MatMul(scope, x, w), b));
//   auto loss = ops::SparseSoftmaxCrossEntropyWithLogits(scope, logits, labels).loss;
//
// Builders record shape and dtype errors on the scope (naming the node and the shapes) and return
// invalid Outputs; kernels check again at run time.
#ifndef SLUICE_OPS_NN_OPS_H_
#define SLUICE_OPS_NN_OPS_H_

#include <string>

#include "ops/scope.h"

namespace sluice::ops {

// value + bias, with the 1-D `bias` added along the channel dimension of `value` (rank >= 2):
// the last dim for "NHWC", dim 1 for "NCHW".
Output BiasAdd(const Scope& scope, const Input& value, const Input& bias,
               const std::string& data_format = "NHWC");
// The gradient of BiasAdd with respect to bias: out_backprop summed over all but the channel dim.
Output BiasAddGrad(const Scope& scope, const Input& out_backprop,
                   const std::string& data_format = "NHWC");

// max(features, 0).
Output Relu(const Scope& scope, const Input& features);
// gradients where features > 0, else 0.
Output ReluGrad(const Scope& scope, const Input& gradients, const Input& features);
// min(max(features, 0), 6).
Output Relu6(const Scope& scope, const Input& features);
// gradients where 0 < features < 6, else 0.
Output Relu6Grad(const Scope& scope, const Input& gradients, const Input& features);
// features if > 0, else exp(features) - 1.
Output Elu(const Scope& scope, const Input& features);
// Given Elu's outputs: gradients * (outputs + 1) where outputs < 0, else gradients.
Output EluGrad(const Scope& scope, const Input& gradients, const Input& outputs);
// log(1 + exp(features)), computed without overflow.
Output Softplus(const Scope& scope, const Input& features);
// gradients * sigmoid(features).
Output SoftplusGrad(const Scope& scope, const Input& gradients, const Input& features);
// features if > 0, else alpha * features.
Output LeakyRelu(const Scope& scope, const Input& features, float alpha = 0.2f);
// gradients where features > 0, else alpha * gradients.
Output LeakyReluGrad(const Scope& scope, const Input& gradients, const Input& features,
                     float alpha = 0.2f);

// softmax over the last dimension (rank >= 1), computed with the row maximum subtracted.
Output Softmax(const Scope& scope, const Input& logits);
// log(softmax) over the last dimension, without overflow or log(0).
Output LogSoftmax(const Scope& scope, const Input& logits);

struct SoftmaxCrossEntropyResult {
  Output loss;      // [batch]: the cross-entropy of each row
  Output backprop;  // [batch, classes]: its gradient with respect to the logits
};
// features (logits) and labels (a probability distribution per row) of shape [batch, classes].
SoftmaxCrossEntropyResult SoftmaxCrossEntropyWithLogits(const Scope& scope, const Input& features,
                                                        const Input& labels);
// features [batch, classes]; labels [batch] int32 or int64 class indices in [0, classes). A label
// outside that range fails the run with an error naming the value and its index.
SoftmaxCrossEntropyResult SparseSoftmaxCrossEntropyWithLogits(const Scope& scope,
                                                              const Input& features,
                                                              const Input& labels);

// sum(t^2) / 2, a scalar.
Output L2Loss(const Scope& scope, const Input& t);

}  // namespace sluice::ops

#endif  // SLUICE_OPS_NN_OPS_H_
