// AddSymbolicGradients: sums over several paths, stops at StopGradient and non-differentiable
// ops, names the op whose gradient is missing, leaves unconnected xs without a gradient.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/gradient_checker.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

REGISTER_OP("GradTestOpaque").Input("x: float").Output("y: float").SetShapeFn(shape_fn::UnchangedShape);

TEST(GradientsTest, SumsGradientsArrivingByTwoPaths) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{});
  // y = x*x + 3x: dy/dx = 2x + 3.
  auto y = x * x + x * 3.0f;
  std::vector<Output> grads;
  ASSERT_TRUE(AddSymbolicGradients(root, {y}, {x}, &grads).ok());
  ASSERT_TRUE(grads[0].valid());
  Tensor g = test::RunOne(root, grads[0], {{x, Tensor::Scalar(2.0f)}});
  EXPECT_FLOAT_EQ(g.scalar<float>(), 7.0f);
  // Gradient nodes live under "gradients/".
  EXPECT_EQ(grads[0].node()->name().rfind("gradients/", 0), 0u);
}

TEST(GradientsTest, GradYsWeightTheOutputs) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{2});
  auto y = x * 5.0f;
  auto dy = ops::Const(root, {1.0f, -2.0f});
  std::vector<Output> grads;
  ASSERT_TRUE(AddSymbolicGradients(root, {y}, {x}, {dy}, &grads).ok());
  test::ExpectTensorNear(test::RunOne(root, grads[0], {{x, Tensor::FromVector<float>({1, 1})}}),
                         Tensor::FromVector<float>({5, -10}), 1e-6);
}

TEST(GradientsTest, StopGradientBlocksAPath) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{});
  auto y = x * x + ops::StopGradient(root, x * 10.0f);
  std::vector<Output> grads;
  ASSERT_TRUE(AddSymbolicGradients(root, {y}, {x}, &grads).ok());
  EXPECT_FLOAT_EQ(test::RunOne(root, grads[0], {{x, Tensor::Scalar(3.0f)}}).scalar<float>(), 6.0f);
}

TEST(GradientsTest, UnconnectedXHasNoGradient) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{});
  auto z = ops::Placeholder(root.WithOpName("z"), DT_FLOAT, TensorShape{});
  auto y = x * 2.0f;
  std::vector<Output> grads;
  ASSERT_TRUE(AddSymbolicGradients(root, {y}, {x, z}, &grads).ok());
  EXPECT_TRUE(grads[0].valid());
  EXPECT_FALSE(grads[1].valid());
}

TEST(GradientsTest, MissingGradientNamesTheOp) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{});
  auto o = NodeBuilder(root.WithOpName("mystery"), "GradTestOpaque").Input(x).Finalize();
  auto y = Output(o) * 2.0f;
  std::vector<Output> grads;
  Status s = AddSymbolicGradients(root, {y}, {x}, &grads);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("no gradient defined for op GradTestOpaque (node 'mystery')"));
}

TEST(GradientsTest, ChainThroughAnMlpMatchesNumericGradient) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, TensorShape{3, 4});
  auto w = ops::Placeholder(root.WithOpName("w"), DT_DOUBLE, TensorShape{4, 5});
  auto b = ops::Placeholder(root.WithOpName("b"), DT_DOUBLE, TensorShape{5});
  auto labels = ops::Const(root, Tensor::FromVector<int64_t>({0, 3, 4}));
  auto h = ops::Tanh(root, ops::BiasAdd(root, ops::MatMul(root, x, w), b));
  auto loss = ops::Mean(root, ops::SparseSoftmaxCrossEntropyWithLogits(root, h, labels).loss, {0});
  auto fill = [](TensorShape shape, double scale) {
    Tensor t(DT_DOUBLE, shape);
    for (int64_t i = 0; i < t.NumElements(); ++i) t.data<double>()[i] = scale * std::sin(1.7 * i + 0.3);
    return t;
  };
  auto err = test::ComputeGradientError(root, {x, w, b}, {fill({3, 4}, 1.0), fill({4, 5}, 0.5), fill({5}, 0.1)}, loss);
  ASSERT_TRUE(err.ok()) << err.status();
  EXPECT_LT(*err, 1e-7);
}

}  // namespace
}  // namespace sluice
