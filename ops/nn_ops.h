// Neural-network ops: bias addition, activations and their gradients, softmax, cross-entropy
// losses, L2 loss, 2-D and depthwise convolution, pooling, fused batch normalization and local
// response normalization. Names, inputs, attrs and semantics are TensorFlow 1.x's; float and
// double (batch normalization and LRN: float, as TensorFlow's CPU kernels).
//
//   auto h = ops::Relu(scope, ops::BiasAdd(scope, ops::MatMul(scope, x, w), b));
//   auto loss = ops::SparseSoftmaxCrossEntropyWithLogits(scope, logits, labels).loss;
//   auto c = ops::Conv2D(scope, x, w, {1, 1, 1, 1}, "SAME");   // x NHWC, w [kh, kw, in, out]
//   auto p = ops::MaxPool(scope, ops::Relu(scope, c), {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID");
//   auto bn = ops::FusedBatchNormV3(scope, p, a, b, ops::Const(scope, 0.0f, {0}),
//                                   ops::Const(scope, 0.0f, {0}), {.epsilon = 1e-3f});
//   auto n = ops::LRN(scope, bn.y, {.depth_radius = 2, .alpha = 1e-4f, .beta = 0.75f});
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

// ---- Depthwise convolution -------------------------------------------------------------------
// `filter` is [height, width, in_channels, channel_multiplier]; output channel c * multiplier + m
// is input channel c cross-correlated with filter(:, :, c, m). Strides, padding and
// Conv2DOptions (data_format, dilations, explicit_paddings; use_cudnn_on_gpu is not an attr of
// these ops and is ignored) as for Conv2D.
Output DepthwiseConv2dNative(const Scope& scope, const Input& input, const Input& filter,
                             const std::vector<int>& strides, const std::string& padding,
                             const Conv2DOptions& options = {});
// Its gradient with respect to the input, of shape `input_sizes` (an int32 vector of 4).
Output DepthwiseConv2dNativeBackpropInput(const Scope& scope, const Input& input_sizes,
                                          const Input& filter, const Input& out_backprop,
                                          const std::vector<int>& strides,
                                          const std::string& padding,
                                          const Conv2DOptions& options = {});
// Its gradient with respect to the filter, of shape `filter_sizes` (an int32 vector of 4).
Output DepthwiseConv2dNativeBackpropFilter(const Scope& scope, const Input& input,
                                           const Input& filter_sizes, const Input& out_backprop,
                                           const std::vector<int>& strides,
                                           const std::string& padding,
                                           const Conv2DOptions& options = {});

// ---- Batch normalization ---------------------------------------------------------------------
// FusedBatchNorm normalizes a float 4-D `x` per channel (the last dim with "NHWC", dim 1 with
// "NCHW"): y = scale * (x - m) / sqrt(v + epsilon) + offset.
//  - is_training: m and v are the batch's mean and biased variance (over all but the channel
//    dim). batch_mean / batch_variance are the running statistics to keep: with
//    exponential_avg_factor f, (1 - f) * mean + f * m and (1 - f) * variance + f * v * n / (n - 1)
//    (v Bessel-corrected, n the elements per channel); with f = 1 the inputs mean and variance
//    are not read and may be empty. reserve_space_1 and 2 are m and v (biased), which
//    FusedBatchNormGrad takes, as TensorFlow's CPU kernel keeps them.
//  - otherwise m and v are the inputs mean and variance; batch_mean, batch_variance and the
//    reserve spaces are copies of them.
// V3's reserve_space_3 is a scalar nobody reads (TF's CPU kernel makes the same). Empty x gives
// empty y and, in training, NaN batch statistics (as TF).
struct FusedBatchNormOptions {
  float epsilon = 0.0001f;
  float exponential_avg_factor = 1.0f;  // not an attr of the Grad ops
  std::string data_format = "NHWC";
  bool is_training = true;
};
struct FusedBatchNormResult {
  Output y, batch_mean, batch_variance, reserve_space_1, reserve_space_2;
  Output reserve_space_3;  // FusedBatchNormV3 only
};
FusedBatchNormResult FusedBatchNorm(const Scope& scope, const Input& x, const Input& scale,
                                    const Input& offset, const Input& mean,
                                    const Input& variance,
                                    const FusedBatchNormOptions& options = {});
FusedBatchNormResult FusedBatchNormV3(const Scope& scope, const Input& x, const Input& scale,
                                      const Input& offset, const Input& mean,
                                      const Input& variance,
                                      const FusedBatchNormOptions& options = {});

// The gradients of FusedBatchNorm's y with respect to x, scale and offset, given y's gradient,
// x, scale and the forward's reserve spaces (with is_training, its batch mean and biased
// variance; without, the mean and variance it was given, as TF's python passes them).
struct FusedBatchNormGradResult {
  Output x_backprop, scale_backprop, offset_backprop;
};
FusedBatchNormGradResult FusedBatchNormGrad(const Scope& scope, const Input& y_backprop,
                                            const Input& x, const Input& scale,
                                            const Input& reserve_space_1,
                                            const Input& reserve_space_2,
                                            const FusedBatchNormOptions& options = {});
FusedBatchNormGradResult FusedBatchNormGradV3(const Scope& scope, const Input& y_backprop,
                                              const Input& x, const Input& scale,
                                              const Input& reserve_space_1,
                                              const Input& reserve_space_2,
                                              const Input& reserve_space_3,
                                              const FusedBatchNormOptions& options = {});

// ---- Local response normalization ------------------------------------------------------------
// LRN of a float 4-D `input` across its last dim (TF's tf.nn.local_response_normalization):
// output[..., d] = input[..., d] / (bias + alpha * sum(input[..., k]^2))^beta over
// k in [d - depth_radius, d + depth_radius] inside the tensor. TF's alpha (not divided by the
// window size). depth_radius must be >= 0.
struct LRNOptions {
  int depth_radius = 5;
  float bias = 1.0f;
  float alpha = 1.0f;
  float beta = 0.5f;
};
Output LRN(const Scope& scope, const Input& input, const LRNOptions& options = {});
// LRN's input gradient given the gradient of its output, its input and its output, by TF's
// formula (which reads output_image as given).
Output LRNGrad(const Scope& scope, const Input& input_grads, const Input& input_image,
               const Input& output_image, const LRNOptions& options = {});

}  // namespace sluice::ops

#endif  // SLUICE_OPS_NN_OPS_H_
