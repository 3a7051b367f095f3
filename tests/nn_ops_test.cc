// NN ops: hand-computed values (NHWC and NCHW bias, activations, softmax, cross-entropy, L2
// loss), numerical stability with large logits, the sparse label range error, the large-tensor
// (OpenMP) paths against naive loops, and numeric gradient checks (double) for every
// differentiable op.
#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/gradient_checker.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

Tensor F(std::vector<float> v, TensorShape shape) { return Tensor::FromVector(v, shape); }

using test::Doubles;

// Values in [-3, 9] that stay at least 0.05 away from the kinks at 0 and 6.
Tensor AwayFromKinks(TensorShape shape) {
  Tensor t(DT_DOUBLE, shape);
  for (int64_t i = 0; i < t.NumElements(); ++i) {
    double v = -3.0 + std::fmod(1.37 * i + 0.2, 12.0);
    if (std::fabs(v) < 0.05 || std::fabs(v - 6) < 0.05) v += 0.1;
    t.data<double>()[i] = v;
  }
  return t;
}

// Rows of positive values summing to 1 (a label distribution per row).
Tensor Distributions(int rows, int cols) {
  Tensor t(DT_DOUBLE, {rows, cols});
  for (int r = 0; r < rows; ++r) {
    double total = 0;
    for (int j = 0; j < cols; ++j) total += t.data<double>()[r * cols + j] = 1.5 + std::sin(2.1 * (r * cols + j));
    for (int j = 0; j < cols; ++j) t.data<double>()[r * cols + j] /= total;
  }
  return t;
}

void ExpectGradientOk(const Scope& root, const std::vector<Output>& xs,
                      const std::vector<Tensor>& values, const Output& y, double tol = 1e-8) {
  ASSERT_TRUE(root.ok()) << root.status();
  auto err = test::ComputeGradientError(root, xs, values, y);
  ASSERT_TRUE(err.ok()) << err.status();
  EXPECT_LT(*err, tol);
}

// ---- BiasAdd ---------------------------------------------------------------------------------

TEST(BiasAddTest, NhwcAddsAlongTheLastDim) {
  Scope root = Scope::NewRootScope();
  auto y = ops::BiasAdd(root, ops::Const(root, {1.f, 2.f, 3.f, 4.f, 5.f, 6.f}, {2, 3}),
                        ops::Const(root, {10.f, 20.f, 30.f}));
  test::ExpectTensorEqual(test::RunOne(root, y), F({11, 22, 33, 14, 25, 36}, {2, 3}));
}

TEST(BiasAddTest, NchwAddsAlongDimOne) {
  Scope root = Scope::NewRootScope();
  // value [1, 2, 2, 2]: channel 0 holds 1..4, channel 1 holds 5..8.
  auto v = ops::Const(root, {1.f, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f, 8.f}, {1, 2, 2, 2});
  auto y = ops::BiasAdd(root, v, ops::Const(root, {100.f, 200.f}), "NCHW");
  EXPECT_EQ(y.shape().DebugString(), "[1,2,2,2]");
  test::ExpectTensorEqual(test::RunOne(root, y),
                          F({101, 102, 103, 104, 205, 206, 207, 208}, {1, 2, 2, 2}));
  auto g = ops::BiasAddGrad(root, v, "NCHW");
  EXPECT_EQ(g.shape().DebugString(), "[2]");
  test::ExpectTensorEqual(test::RunOne(root, g), F({10, 26}, {2}));
}

TEST(BiasAddTest, BiasAddGradSumsAllButTheChannel) {
  Scope root = Scope::NewRootScope();
  auto g = ops::BiasAddGrad(root, ops::Const(root, {1.f, 2.f, 3.f, 4.f, 5.f, 6.f}, {2, 3}));
  test::ExpectTensorEqual(test::RunOne(root, g), F({5, 7, 9}, {3}));
}

TEST(BiasAddTest, MismatchedBiasIsABuildAndARunError) {
  Scope root = Scope::NewRootScope();
  ops::BiasAdd(root.WithOpName("b"), ops::Const(root, {1.f, 2.f, 3.f, 4.f}, {2, 2}),
               ops::Const(root, {1.f, 2.f, 3.f}));
  EXPECT_THAT(root.status().message(), HasSubstr("node 'b' (op BiasAdd)"));
  EXPECT_THAT(root.status().message(),
              HasSubstr("bias of shape [3] must match the channel dimension (1) of value of shape [2,2]"));
  Scope root2 = Scope::NewRootScope();
  auto x = ops::Placeholder(root2, DT_FLOAT);
  auto y = ops::BiasAdd(root2, x, ops::Const(root2, {1.f, 2.f, 3.f}));
  auto out = test::RunGraph(root2, {{x, F({1, 2, 3, 4}, {2, 2})}}, {y});
  EXPECT_THAT(out.status().message(), HasSubstr("bias of shape [3] must match"));
}

TEST(BiasAddTest, LargeMatchesNaive) {
  Scope root = Scope::NewRootScope();
  const int rows = 517, cols = 256;
  Tensor v(DT_FLOAT, {rows, cols}), b(DT_FLOAT, {cols});
  for (int i = 0; i < rows * cols; ++i) v.data<float>()[i] = std::sin(0.01f * i);
  for (int j = 0; j < cols; ++j) b.data<float>()[j] = 0.5f * j;
  auto x = ops::Placeholder(root, DT_FLOAT, {-1, cols});
  auto bias = ops::Placeholder(root, DT_FLOAT, {cols});
  auto y = ops::BiasAdd(root, x, bias);
  auto g = ops::BiasAddGrad(root, x);
  auto out = test::RunGraph(root, {{x, v}, {bias, b}}, {y, g});
  ASSERT_TRUE(out.ok()) << out.status();
  Tensor want_y(DT_FLOAT, {rows, cols}), want_g(DT_FLOAT, {cols});
  for (int j = 0; j < cols; ++j) {
    double s = 0;
    for (int i = 0; i < rows; ++i) {
      want_y.data<float>()[i * cols + j] = v.data<float>()[i * cols + j] + b.data<float>()[j];
      s += v.data<float>()[i * cols + j];
    }
    want_g.data<float>()[j] = static_cast<float>(s);
  }
  test::ExpectTensorEqual((*out)[0], want_y);
  test::ExpectTensorNear((*out)[1], want_g, 1e-4);
}

// ---- Activations -----------------------------------------------------------------------------

TEST(ActivationTest, ForwardValues) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, {-2.f, -0.5f, 0.f, 3.f, 7.f});
  auto out = test::RunGraph(root, {}, {ops::Relu(root, x), ops::Relu6(root, x), ops::Elu(root, x),
                                       ops::LeakyRelu(root, x), ops::LeakyRelu(root, x, 0.5f),
                                       ops::Softplus(root, x)});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], F({0, 0, 0, 3, 7}, {5}));
  test::ExpectTensorEqual((*out)[1], F({0, 0, 0, 3, 6}, {5}));
  test::ExpectTensorNear((*out)[2], F({std::expm1(-2.f), std::expm1(-0.5f), 0, 3, 7}, {5}), 1e-6);
  test::ExpectTensorNear((*out)[3], F({-0.4f, -0.1f, 0, 3, 7}, {5}), 1e-6);
  test::ExpectTensorNear((*out)[4], F({-1.f, -0.25f, 0, 3, 7}, {5}), 1e-6);
  test::ExpectTensorNear((*out)[5], F({std::log1p(std::exp(-2.f)), std::log1p(std::exp(-0.5f)),
                                       std::log(2.f), std::log1p(std::exp(3.f)),
                                       std::log1p(std::exp(7.f))}, {5}),
                         1e-6);
}

TEST(ActivationTest, SoftplusDoesNotOverflow) {
  Scope root = Scope::NewRootScope();
  Tensor out = test::RunOne(root, ops::Softplus(root, ops::Const(root, {-100.f, 100.f, 1000.f})));
  test::ExpectTensorNear(out, F({std::exp(-100.f), 100.f, 1000.f}, {3}), 1e-6);
}

TEST(ActivationTest, GradientKernels) {
  Scope root = Scope::NewRootScope();
  auto g = ops::Const(root, {1.f, 2.f, 3.f, 4.f, 5.f});
  auto x = ops::Const(root, {-2.f, -0.5f, 0.f, 3.f, 7.f});
  auto out = test::RunGraph(root, {}, {ops::ReluGrad(root, g, x), ops::Relu6Grad(root, g, x),
                                       ops::LeakyReluGrad(root, g, x), ops::EluGrad(root, g, x),
                                       ops::SoftplusGrad(root, g, x)});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], F({0, 0, 0, 4, 5}, {5}));
  test::ExpectTensorEqual((*out)[1], F({0, 0, 0, 4, 0}, {5}));
  test::ExpectTensorNear((*out)[2], F({0.2f, 0.4f, 0.6f, 4, 5}, {5}), 1e-6);
  // EluGrad takes Elu's outputs y: g * (y + 1) where y < 0.
  test::ExpectTensorNear((*out)[3], F({1 * -1.f, 2 * 0.5f, 3, 4, 5}, {5}), 1e-6);
  auto sigmoid = [](float v) { return 1 / (1 + std::exp(-v)); };
  test::ExpectTensorNear((*out)[4], F({sigmoid(-2), 2 * sigmoid(-0.5f), 1.5f, 4 * sigmoid(3),
                                       5 * sigmoid(7)}, {5}),
                         1e-6);
}

TEST(ActivationTest, MismatchedGradientShapesFail) {
  Scope root = Scope::NewRootScope();
  ops::ReluGrad(root, ops::Const(root, {1.f, 2.f}), ops::Const(root, {1.f, 2.f, 3.f}));
  EXPECT_THAT(root.status().message(), HasSubstr("must have the same shape, got [2] and [3]"));
  Scope root2 = Scope::NewRootScope();
  auto a = ops::Placeholder(root2, DT_FLOAT);
  auto out = test::RunGraph(root2, {{a, F({1, 2}, {2})}}, {ops::ReluGrad(root2, a, {1.f, 2.f, 3.f})});
  EXPECT_THAT(out.status().message(), HasSubstr("gradients and features must have the same shape"));
}

TEST(ActivationTest, LargeReluMatchesNaive) {
  Scope root = Scope::NewRootScope();
  const int n = (1 << 17) + 3;
  Tensor v(DT_FLOAT, {n});
  for (int i = 0; i < n; ++i) v.data<float>()[i] = std::sin(0.37f * i);
  auto x = ops::Placeholder(root, DT_FLOAT, {n});
  auto out = test::RunGraph(root, {{x, v}}, {ops::Relu(root, x), ops::ReluGrad(root, x, x)});
  ASSERT_TRUE(out.ok()) << out.status();
  int bad = 0;
  for (int i = 0; i < n; ++i) {
    float want = std::max(v.data<float>()[i], 0.f);
    bad += (*out)[0].data<float>()[i] != want || (*out)[1].data<float>()[i] != want;
  }
  EXPECT_EQ(bad, 0);
}

// ---- Softmax, LogSoftmax ---------------------------------------------------------------------

TEST(SoftmaxTest, RowsSumToOneAndLargeLogitsAreStable) {
  Scope root = Scope::NewRootScope();
  auto logits = ops::Const(root, {1.f, 2.f, 3.f, 1000.f, 1000.f, 0.f}, {2, 3});
  auto out = test::RunGraph(root, {}, {ops::Softmax(root, logits), ops::LogSoftmax(root, logits)});
  ASSERT_TRUE(out.ok()) << out.status();
  const float z = std::exp(1.f) + std::exp(2.f) + std::exp(3.f);
  test::ExpectTensorNear((*out)[0], F({std::exp(1.f) / z, std::exp(2.f) / z, std::exp(3.f) / z,
                                       0.5f, 0.5f, 0.f}, {2, 3}),
                         1e-6);
  test::ExpectTensorNear((*out)[1], F({1 - std::log(z), 2 - std::log(z), 3 - std::log(z),
                                       -std::log(2.f), -std::log(2.f), -1000 - std::log(2.f)}, {2, 3}),
                         1e-6);
}

TEST(SoftmaxTest, LargeMatchesNaive) {
  Scope root = Scope::NewRootScope();
  const int rows = 2003, cols = 10;
  Tensor v(DT_FLOAT, {rows, cols});
  for (int i = 0; i < rows * cols; ++i) v.data<float>()[i] = 5 * std::sin(0.7f * i);
  auto x = ops::Placeholder(root, DT_FLOAT, {-1, cols});
  Tensor out = test::RunOne(root, ops::Softmax(root, x), {{x, v}});
  Tensor want(DT_FLOAT, {rows, cols});
  for (int r = 0; r < rows; ++r) {
    double z = 0;
    for (int j = 0; j < cols; ++j) z += std::exp(static_cast<double>(v.data<float>()[r * cols + j]));
    for (int j = 0; j < cols; ++j) {
      want.data<float>()[r * cols + j] = static_cast<float>(std::exp(v.data<float>()[r * cols + j]) / z);
    }
  }
  test::ExpectTensorNear(out, want, 1e-6);
}

// ---- Cross-entropy ---------------------------------------------------------------------------

TEST(SoftmaxXentTest, DenseLossAndBackprop) {
  Scope root = Scope::NewRootScope();
  auto logits = ops::Const(root, {1.f, 2.f, 3.f, 0.f, 0.f, 0.f}, {2, 3});
  auto labels = ops::Const(root, {0.f, 0.f, 1.f, 0.5f, 0.5f, 0.f}, {2, 3});
  auto xent = ops::SoftmaxCrossEntropyWithLogits(root, logits, labels);
  EXPECT_EQ(xent.loss.shape().DebugString(), "[2]");
  EXPECT_EQ(xent.backprop.shape().DebugString(), "[2,3]");
  auto out = test::RunGraph(root, {}, {xent.loss, xent.backprop});
  ASSERT_TRUE(out.ok()) << out.status();
  const float z = std::exp(1.f) + std::exp(2.f) + std::exp(3.f);
  test::ExpectTensorNear((*out)[0], F({std::log(z) - 3, std::log(3.f)}, {2}), 1e-6);
  test::ExpectTensorNear((*out)[1], F({std::exp(1.f) / z, std::exp(2.f) / z, std::exp(3.f) / z - 1,
                                       1.f / 3 - 0.5f, 1.f / 3 - 0.5f, 1.f / 3}, {2, 3}),
                         1e-6);
}

TEST(SoftmaxXentTest, LargeLogitsAreStable) {
  Scope root = Scope::NewRootScope();
  auto logits = ops::Const(root, {1000.f, 0.f, -1000.f, 1000.f}, {2, 2});
  auto dense = ops::SoftmaxCrossEntropyWithLogits(root, logits, ops::Const(root, {0.f, 1.f, 0.f, 1.f}, {2, 2}));
  auto sparse = ops::SparseSoftmaxCrossEntropyWithLogits(root, logits, ops::Const(root, {1, 1}));
  auto out = test::RunGraph(root, {}, {dense.loss, dense.backprop, sparse.loss, sparse.backprop});
  ASSERT_TRUE(out.ok()) << out.status();
  for (int k : {0, 2}) test::ExpectTensorNear((*out)[k], F({1000.f, 0.f}, {2}), 1e-6);
  for (int k : {1, 3}) test::ExpectTensorNear((*out)[k], F({1.f, -1.f, 0.f, 0.f}, {2, 2}), 1e-6);
}

TEST(SoftmaxXentTest, SparseMatchesDenseForInt32AndInt64Labels) {
  Scope root = Scope::NewRootScope();
  auto logits = ops::Const(root, {0.5f, -1.f, 2.f, 0.f, 3.f, 1.f}, {2, 3});
  auto s32 = ops::SparseSoftmaxCrossEntropyWithLogits(root, logits, ops::Const(root, {2, 0}));
  auto s64 = ops::SparseSoftmaxCrossEntropyWithLogits(
      root, logits, ops::Const(root, Tensor::FromVector<int64_t>({2, 0})));
  auto dense = ops::SoftmaxCrossEntropyWithLogits(root, logits,
                                                  ops::Const(root, {0.f, 0.f, 1.f, 1.f, 0.f, 0.f}, {2, 3}));
  auto out = test::RunGraph(root, {}, {s32.loss, s32.backprop, s64.loss, s64.backprop, dense.loss,
                                       dense.backprop});
  ASSERT_TRUE(out.ok()) << out.status();
  for (int k : {0, 2}) test::ExpectTensorNear((*out)[k], (*out)[4], 1e-6);
  for (int k : {1, 3}) test::ExpectTensorNear((*out)[k], (*out)[5], 1e-6);
}

TEST(SoftmaxXentTest, SparseLabelOutOfRangeNamesValueAndIndex) {
  Scope root = Scope::NewRootScope();
  auto logits = ops::Placeholder(root, DT_FLOAT, {-1, 10});
  auto labels = ops::Placeholder(root, DT_INT64, {-1});
  auto loss = ops::SparseSoftmaxCrossEntropyWithLogits(root, logits, labels).loss;
  Tensor l(DT_FLOAT, {4, 10});
  std::fill_n(l.data<float>(), 40, 0.f);
  auto out = test::RunGraph(root, {{logits, l}, {labels, Tensor::FromVector<int64_t>({1, 0, 9, 12})}}, {loss});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(),
              HasSubstr("Received a label value of 12 which is outside the valid range of [0, 10) at index 3"));
  out = test::RunGraph(root, {{logits, l}, {labels, Tensor::FromVector<int64_t>({-1, 0, 0, 0})}}, {loss});
  EXPECT_THAT(out.status().message(), HasSubstr("Received a label value of -1"));
}

TEST(SoftmaxXentTest, ShapeErrors) {
  Scope root = Scope::NewRootScope();
  ops::SparseSoftmaxCrossEntropyWithLogits(root, ops::Const(root, {1.f, 2.f, 3.f, 4.f}, {2, 2}),
                                           ops::Const(root, {1, 0, 1}));
  EXPECT_THAT(root.status().message(), HasSubstr("logits shape [2,2] and labels shape [3]"));
  Scope root2 = Scope::NewRootScope();
  ops::SoftmaxCrossEntropyWithLogits(root2, ops::Const(root2, {1.f, 2.f, 3.f, 4.f}, {2, 2}),
                                     ops::Const(root2, {1.f, 0.f, 0.f}, {1, 3}));
  EXPECT_THAT(root2.status().message(), HasSubstr("logits shape [2,2] and labels shape [1,3]"));
}

TEST(L2LossTest, HalfTheSumOfSquares) {
  Scope root = Scope::NewRootScope();
  Tensor out = test::RunOne(root, ops::L2Loss(root, ops::Const(root, {1.f, -2.f, 3.f}, {3, 1})));
  test::ExpectTensorNear(out, Tensor::Scalar(7.f), 1e-6);
}

// ---- Gradients -------------------------------------------------------------------------------

TEST(NnGradTest, BiasAddBothFormats) {
  for (const char* format : {"NHWC", "NCHW"}) {
    Scope root = Scope::NewRootScope();
    auto v = ops::Placeholder(root, DT_DOUBLE, {2, 3, 2});
    auto b = ops::Placeholder(root, DT_DOUBLE, {std::string(format) == "NHWC" ? 2 : 3});
    auto y = ops::BiasAdd(root, v, b, format);
    ExpectGradientOk(root, {v, b}, {Doubles({2, 3, 2}), Doubles(b.shape(), 2)}, y * y);
  }
}

TEST(NnGradTest, BiasAddGradBothFormats) {
  for (const char* format : {"NHWC", "NCHW"}) {
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root, DT_DOUBLE, {2, 3, 2});
    auto g = ops::BiasAddGrad(root, x, format);
    ExpectGradientOk(root, {x}, {Doubles({2, 3, 2})}, g * g);
  }
}

TEST(NnGradTest, PiecewiseActivations) {
  using Builder = Output (*)(const Scope&, const Input&);
  for (Builder op : {Builder(ops::Relu), Builder(ops::Relu6), Builder(ops::Elu), Builder(ops::Softplus)}) {
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root, DT_DOUBLE, {3, 5});
    ExpectGradientOk(root, {x}, {AwayFromKinks({3, 5})}, op(root, x), 1e-7);
  }
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_DOUBLE, {3, 5});
  ExpectGradientOk(root, {x}, {AwayFromKinks({3, 5})}, ops::LeakyRelu(root, x, 0.3f));
}

TEST(NnGradTest, GradientOfGradientKernels) {
  Scope root = Scope::NewRootScope();
  auto g = ops::Placeholder(root, DT_DOUBLE, {3, 5});
  auto x = ops::Const(root, AwayFromKinks({3, 5}));
  auto y = ops::ReluGrad(root, g, x) + ops::Relu6Grad(root, g, x) * 2.0 +
           ops::LeakyReluGrad(root, g, x, 0.1f) * 3.0;
  ExpectGradientOk(root, {g}, {Doubles({3, 5})}, y);
}

TEST(NnGradTest, SoftmaxAndLogSoftmax) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_DOUBLE, {3, 4});
  auto w = ops::Const(root, Doubles({3, 4}, 1.0, 0.5));
  ExpectGradientOk(root, {x}, {Doubles({3, 4}, 2)}, ops::Softmax(root, x) * w);
  ExpectGradientOk(root, {x}, {Doubles({3, 4}, 2)}, ops::LogSoftmax(root, x) * w);
}

TEST(NnGradTest, SoftmaxCrossEntropyLogitsAndLabels) {
  Scope root = Scope::NewRootScope();
  auto logits = ops::Placeholder(root, DT_DOUBLE, {3, 4});
  auto labels = ops::Placeholder(root, DT_DOUBLE, {3, 4});
  auto xent = ops::SoftmaxCrossEntropyWithLogits(root, logits, labels);
  // TF's logits gradient (softmax - labels) assumes each row of labels sums to 1.
  std::vector<Tensor> values = {Doubles({3, 4}, 2), Distributions(3, 4)};
  ExpectGradientOk(root, {logits, labels}, values, xent.loss);
  // Through the backprop output too (the second-order term of the gradient).
  ExpectGradientOk(root, {logits, labels}, values, xent.backprop);
}

TEST(NnGradTest, SparseSoftmaxCrossEntropy) {
  Scope root = Scope::NewRootScope();
  auto logits = ops::Placeholder(root, DT_DOUBLE, {3, 4});
  auto loss = ops::SparseSoftmaxCrossEntropyWithLogits(root, logits, ops::Const(root, {3, 0, 2})).loss;
  ExpectGradientOk(root, {logits}, {Doubles({3, 4}, 2)}, loss);
}

TEST(NnGradTest, L2Loss) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_DOUBLE, {2, 3});
  ExpectGradientOk(root, {x}, {Doubles({2, 3})}, ops::L2Loss(root, x));
}

TEST(NnGradTest, FloatMlpLossGradientIsClose) {
  // The float path of the training hot loop: relu(x W + b) -> sparse softmax xent.
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_FLOAT, {4, 3});
  auto b = ops::Placeholder(root, DT_FLOAT, {3});
  auto h = ops::Relu(root, ops::BiasAdd(root, x, b));
  auto loss = ops::Sum(root, ops::SparseSoftmaxCrossEntropyWithLogits(root, h, ops::Const(root, {0, 1, 2, 1})).loss, {0});
  Tensor xv(DT_FLOAT, {4, 3});
  for (int i = 0; i < 12; ++i) xv.data<float>()[i] = 0.3f + std::sin(1.1f * i);
  auto err = test::ComputeGradientError(root, {x, b}, {xv, F({0.1f, 0.2f, 0.4f}, {3})}, loss);
  ASSERT_TRUE(err.ok()) << err.status();
  EXPECT_LT(*err, 1e-2);
}

}  // namespace
}  // namespace sluice
