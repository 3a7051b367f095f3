// Neural-network ops: bias addition, activations and their gradients, softmax, cross-entropy
// losses, L2 loss, 2-D convolution and pooling. Names, inputs, attrs and semantics are
// TensorFlow 1.x's; float and double.
//
//   auto h = ops::Relu(scope, ops::BiasAdd(scope, ops::MatMul(scope, x, w), b));
//   auto loss = ops::SparseSoftmaxCrossEntropyWithLogits(scope, logits, labels).loss;
//   auto c = ops::Conv2D(scope, x, w, {1, 1, 1, 1}, "SAME");   // x NHWC, w [kh, kw, in, out]
//   auto p = ops::MaxPool(scope, ops::Relu(scope, c), {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID");
//
// Builders record shape and dtype errors on the scope (naming the node and the shapes) and return
// invalid Outputs; kernels check again at run time.
#ifndef SLUICE_OPS_NN_OPS_H_
#define SLUICE_OPS_NN_OPS_H_

#include <string>
#include <vector>

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

// ---- Convolution and pooling -----------------------------------------------------------------
// Images are [batch, height, width, channels] with data_format "NHWC" (the default) or
// [batch, channels, height, width] with "NCHW"; filters are [height, width, in_channels,
// out_channels] in both. `strides`, `ksize` and `dilations` have one entry per image dim, in
// data_format order, 1 on the batch and channel dims. `padding` is "SAME" (output size
// ceil(in / stride), zero padding split evenly, the extra one behind), "VALID" (no padding) or,
// for convolutions, "EXPLICIT" with Conv2DOptions::explicit_paddings.

struct Conv2DOptions {
  std::string data_format = "NHWC";
  std::vector<int> dilations = {1, 1, 1, 1};
  // With padding "EXPLICIT": a (before, after) pair per image dim in data_format order, zeros
  // on the batch and channel dims.
  std::vector<int> explicit_paddings;
  bool use_cudnn_on_gpu = true;  // kept for TensorFlow graphs; sluice ignores it
};

// The cross-correlation of `input` with `filter` (TF's conv2d): output channel o at (y, x) sums
// input(y * stride + i * dilation - pad_top, x * stride + j * dilation - pad_left, c) *
// filter(i, j, c, o).
Output Conv2D(const Scope& scope, const Input& input, const Input& filter,
              const std::vector<int>& strides, const std::string& padding,
              const Conv2DOptions& options = {});
// The gradient of Conv2D with respect to its input, of shape `input_sizes` (an int32 vector of
// 4), given the filter and the gradient of Conv2D's output: also the transposed convolution
// (conv2d_transpose) of a decoder.
Output Conv2DBackpropInput(const Scope& scope, const Input& input_sizes, const Input& filter,
                           const Input& out_backprop, const std::vector<int>& strides,
                           const std::string& padding, const Conv2DOptions& options = {});
// The gradient of Conv2D with respect to its filter, of shape `filter_sizes` (an int32 vector
// of 4), given Conv2D's input and the gradient of its output.
Output Conv2DBackpropFilter(const Scope& scope, const Input& input, const Input& filter_sizes,
                            const Input& out_backprop, const std::vector<int>& strides,
                            const std::string& padding, const Conv2DOptions& options = {});

// The maximum over each `ksize` window (padding, with SAME, never wins).
Output MaxPool(const Scope& scope, const Input& input, const std::vector<int>& ksize,
               const std::vector<int>& strides, const std::string& padding,
               const std::string& data_format = "NHWC");
// MaxPool's input gradient: each window's `grad` goes to the first maximum of the window in
// orig_input (row-major order within the window), as TensorFlow routes it.
Output MaxPoolGrad(const Scope& scope, const Input& orig_input, const Input& orig_output,
                   const Input& grad, const std::vector<int>& ksize,
                   const std::vector<int>& strides, const std::string& padding,
                   const std::string& data_format = "NHWC");
// The mean over each `ksize` window; with SAME, over the window's elements inside the input.
Output AvgPool(const Scope& scope, const Input& value, const std::vector<int>& ksize,
               const std::vector<int>& strides, const std::string& padding,
               const std::string& data_format = "NHWC");
// AvgPool's input gradient, of shape `orig_input_shape` (an int32 vector of 4): each window's
// `grad` spread evenly over the elements it averaged.
Output AvgPoolGrad(const Scope& scope, const Input& orig_input_shape, const Input& grad,
                   const std::vector<int>& ksize, const std::vector<int>& strides,
                   const std::string& padding, const std::string& data_format = "NHWC");

// Whether targets[i] (int32 or int64) is among the k largest of predictions[i] (float
// [batch, classes]): fewer than k classes have a strictly greater prediction. False for a
// target out of range or a row with a non-finite prediction. op InTopKV2 (k an input).
Output InTopK(const Scope& scope, const Input& predictions, const Input& targets, const Input& k);

// scale * x for x > 0, scale * alpha * (e^x - 1) otherwise (SELU's scale and alpha).
Output Selu(const Scope& scope, const Input& features);
// Selu's gradient from its outputs.
Output SeluGrad(const Scope& scope, const Input& gradients, const Input& outputs);
// x / (1 + |x|).
Output Softsign(const Scope& scope, const Input& features);
// gradients / (1 + |features|)^2.
Output SoftsignGrad(const Scope& scope, const Input& gradients, const Input& features);

// The elementwise logistic loss of logits against labels in [0, 1], built as TensorFlow's
// tf.nn.sigmoid_cross_entropy_with_logits builds it (no op of its own), stable for any logit.
Output SigmoidCrossEntropyWithLogits(const Scope& scope, const Input& labels, const Input& logits);
// x / sqrt(max(sum(x^2 over axis), epsilon)), as TensorFlow's tf.math.l2_normalize builds it.
Output L2Normalize(const Scope& scope, const Input& x, const Input& axis, double epsilon = 1e-12);

}  // namespace sluice::ops

#endif  // SLUICE_OPS_NN_OPS_H_
