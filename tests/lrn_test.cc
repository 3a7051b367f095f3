// LRN and LRNGrad: a hand-computed case, the oneDNN kernel against a direct loop written here
// (TensorFlow's definition, alpha not divided by the window) for several radii, biases, alphas
// and betas, a numeric gradient check through LRNGrad, and errors naming the node.
#include <cmath>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/gradient_checker.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

Tensor ReferenceLRN(const Tensor& in, const ops::LRNOptions& o) {
  Tensor out(DT_FLOAT, in.shape());
  const int64_t depth = in.dim_size(3), pixels = in.NumElements() / depth;
  for (int64_t p = 0; p < pixels; ++p) {
    const float* x = in.data<float>() + p * depth;
    for (int64_t d = 0; d < depth; ++d) {
      double sum = 0;
      for (int64_t k = d - o.depth_radius; k <= d + o.depth_radius; ++k) {
        if (k >= 0 && k < depth) sum += double{x[k]} * x[k];
      }
      out.data<float>()[p * depth + d] = static_cast<float>(x[d] / std::pow(o.bias + o.alpha * sum, o.beta));
    }
  }
  return out;
}

TEST(LRNTest, HandComputed) {
  // Channels [1, 2, 3], radius 1, bias 1, alpha 1, beta 1:
  //   1 / (1 + 1 + 4) = 1/6, 2 / (1 + 1 + 4 + 9) = 2/15, 3 / (1 + 4 + 9) = 3/14.
  Scope root = Scope::NewRootScope();
  auto y = ops::LRN(root, ops::Const(root, {1.f, 2.f, 3.f}, {1, 1, 1, 3}), {.depth_radius = 1, .beta = 1.f});
  test::ExpectTensorNear(test::RunOne(root, y), Tensor::FromVector<float>({1.f / 6, 2.f / 15, 3.f / 14}, {1, 1, 1, 3}),
                         1e-6);
}

TEST(LRNTest, MatchesTheDirectLoop) {
  const std::vector<ops::LRNOptions> options = {
      {},  // TF's defaults: radius 5, bias 1, alpha 1, beta 0.5
      {.depth_radius = 2, .bias = 2.f, .alpha = 0.3f, .beta = 0.75f},  // AlexNet-like
      {.depth_radius = 0, .bias = 0.5f, .alpha = 2.f, .beta = 1.f},
      {.depth_radius = 40, .bias = 1.f, .alpha = 1e-2f, .beta = 0.6f},  // a window wider than the channels
  };
  for (const TensorShape& shape : {TensorShape{2, 3, 4, 7}, TensorShape{1, 5, 5, 32}, TensorShape{3, 1, 2, 1}}) {
    for (const ops::LRNOptions& o : options) {
      SCOPED_TRACE(shape.DebugString() + " radius " + std::to_string(o.depth_radius));
      Scope root = Scope::NewRootScope();
      Tensor x = test::Floats(shape, 2.0, 0.3);
      test::ExpectTensorNear(test::RunOne(root, ops::LRN(root, x, o)), ReferenceLRN(x, o), 2e-6);
    }
  }
}

TEST(LRNGradientTest, NumericGradientThroughLRNGrad) {
  for (const ops::LRNOptions& o :
       {ops::LRNOptions{}, ops::LRNOptions{.depth_radius = 1, .bias = 1.5f, .alpha = 0.5f, .beta = 0.75f}}) {
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root, DT_FLOAT, {2, 2, 1, 5});
    auto y = ops::Mul(root, ops::LRN(root, x, o), test::Floats({2, 2, 1, 5}, 1.0, 0.5));
    ASSERT_TRUE(root.ok()) << root.status();
    auto err = test::ComputeGradientError(root, {x}, {test::Floats({2, 2, 1, 5}, 1.0, 0.2)}, y);
    ASSERT_TRUE(err.ok()) << err.status();
    EXPECT_LT(*err, 2e-3);
  }
}

TEST(LRNGradientTest, LRNGradByTheFormula) {
  // One pixel, channels [1, 2], radius 1, bias 1, alpha 1, beta 1: norm = 6 for both outputs,
  // y = x / 6; dy_j/dx_k = [j == k] / 6 - 2 x_k y_j / 6. With grads [1, 0]: dx_0 = 1/6 - 2/36,
  // dx_1 = -2 * 2 * (1/6) / 6.
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, {1.f, 2.f}, {1, 1, 1, 2});
  ops::LRNOptions o{.depth_radius = 1, .beta = 1.f};
  auto dx = ops::LRNGrad(root, ops::Const(root, {1.f, 0.f}, {1, 1, 1, 2}), x, ops::LRN(root, x, o), o);
  test::ExpectTensorNear(test::RunOne(root, dx),
                         Tensor::FromVector<float>({1.f / 6 - 2.f / 36, -4.f / 36}, {1, 1, 1, 2}), 1e-6);
}

TEST(LRNErrorTest, BadInputsNameTheNode) {
  {
    Scope root = Scope::NewRootScope();
    ops::LRN(root.WithOpName("lrn"), ops::Placeholder(root, DT_FLOAT, {2, 3, 4}));
    EXPECT_THAT(root.status().message(), HasSubstr("'lrn'"));
  }
  {
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root, DT_FLOAT);
    auto y = ops::LRN(root.WithOpName("lrn"), x, {.depth_radius = -1});
    auto out = test::RunGraph(root, {{x, test::Floats({1, 1, 1, 2})}}, {y});
    ASSERT_FALSE(out.ok());
    EXPECT_THAT(out.status().message(), HasSubstr("lrn"));
    EXPECT_THAT(out.status().message(), HasSubstr("depth_radius must be >= 0, got -1"));
  }
  {
    Scope root = Scope::NewRootScope();
    auto a = ops::Placeholder(root, DT_FLOAT);
    auto b = ops::Placeholder(root, DT_FLOAT);
    auto dx = ops::LRNGrad(root.WithOpName("grad"), a, b, b);
    auto out = test::RunGraph(root, {{a, test::Floats({1, 1, 2, 2})}, {b, test::Floats({1, 2, 1, 2})}}, {dx});
    ASSERT_FALSE(out.ok());
    EXPECT_THAT(out.status().message(), HasSubstr("grad"));
    EXPECT_THAT(out.status().message(), HasSubstr("must have the same shape"));
    auto flat = test::RunGraph(root, {{a, test::Floats({4})}, {b, test::Floats({4})}}, {dx});
    ASSERT_FALSE(flat.ok());
    EXPECT_THAT(flat.status().message(), HasSubstr("input_grads must be 4-dimensional, got shape [4]"));
  }
}

}  // namespace
}  // namespace sluice
