// FusedBatchNorm / FusedBatchNormV3 and their Grad ops: outputs against a reference computed
// here in double (batch mean, biased variance for the normalization, Bessel-corrected variance
// for the running statistic, the exponential_avg_factor blend, inference with given
// statistics), both layouts; the Grad ops against the textbook formulas; numeric gradient checks
// of the forward (x, scale, offset) and of the gradient itself (second order); shape inference;
// errors naming the node; a TensorFlow-written GraphDef node, and a TensorFlow graph of these and
// the LRN and depthwise ops with its gradients against TensorFlow's values; concurrent runs of a
// net of all of them (label "concurrency", run under ThreadSanitizer by tools/sanitize.sh).
#include <algorithm>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/gradient_checker.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

struct Layout {
  bool nchw;
  int64_t n, c, h, w;
  TensorShape Shape() const { return nchw ? TensorShape{n, c, h, w} : TensorShape{n, h, w, c}; }
  // The offset of (b, y, x, ch) in the layout.
  int64_t At(int64_t b, int64_t y, int64_t x, int64_t ch) const {
    return nchw ? ((b * c + ch) * h + y) * w + x : ((b * h + y) * w + x) * c + ch;
  }
  std::string Format() const { return nchw ? "NCHW" : "NHWC"; }
  // fn(channel, offset) for every element.
  template <typename Fn>
  void ForEach(const Fn& fn) const {
    for (int64_t b = 0; b < n; ++b)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x)
          for (int64_t ch = 0; ch < c; ++ch) fn(ch, At(b, y, x, ch));
  }
};

// Per channel: the mean and the biased variance, in double.
void Moments(const Layout& l, const Tensor& x, std::vector<double>* mean, std::vector<double>* var) {
  mean->assign(l.c, 0);
  var->assign(l.c, 0);
  const double count = static_cast<double>(l.n * l.h * l.w);
  l.ForEach([&](int64_t ch, int64_t i) { (*mean)[ch] += x.data<float>()[i] / count; });
  l.ForEach([&](int64_t ch, int64_t i) {
    const double d = x.data<float>()[i] - (*mean)[ch];
    (*var)[ch] += d * d / count;
  });
}

Tensor Vec(const std::vector<double>& v) {
  Tensor t(DT_FLOAT, {static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) t.data<float>()[i] = static_cast<float>(v[i]);
  return t;
}

// y = scale * (x - mean) / sqrt(var + eps) + offset.
Tensor Normalize(const Layout& l, const Tensor& x, const Tensor& scale, const Tensor& offset,
                 const std::vector<double>& mean, const std::vector<double>& var, double eps) {
  Tensor y(DT_FLOAT, x.shape());
  l.ForEach([&](int64_t ch, int64_t i) {
    y.data<float>()[i] =
        static_cast<float>(scale.data<float>()[ch] * (x.data<float>()[i] - mean[ch]) / std::sqrt(var[ch] + eps) +
                           offset.data<float>()[ch]);
  });
  return y;
}

std::vector<double> AsDoubles(const Tensor& t) {
  std::vector<double> v(t.NumElements());
  for (int64_t i = 0; i < t.NumElements(); ++i) v[i] = t.data<float>()[i];
  return v;
}

std::vector<Layout> Layouts() {
  return {{false, 3, 4, 5, 2}, {true, 3, 4, 5, 2}, {false, 2, 16, 7, 9}, {true, 2, 16, 7, 9}};
}

TEST(FusedBatchNormTest, TrainingUsesBatchStatisticsAndReportsTheUnbiasedVariance) {
  for (const Layout& l : Layouts()) {
    for (bool v3 : {false, true}) {
      SCOPED_TRACE(l.Format() + (v3 ? " V3" : " V1") + " " + l.Shape().DebugString());
      Scope root = Scope::NewRootScope();
      Tensor x = test::Floats(l.Shape(), 2.0, 0.5);
      Tensor scale = test::Floats({l.c}, 0.5, 1.0), offset = test::Floats({l.c}, 0.3, -0.2);
      Tensor empty(DT_FLOAT, {0});
      ops::FusedBatchNormOptions o{.epsilon = 1e-3f, .data_format = l.Format()};
      auto bn = v3 ? ops::FusedBatchNormV3(root, x, scale, offset, empty, empty, o)
                   : ops::FusedBatchNorm(root, x, scale, offset, empty, empty, o);
      ASSERT_TRUE(root.ok()) << root.status();
      std::vector<Output> fetch = {bn.y, bn.batch_mean, bn.batch_variance, bn.reserve_space_1, bn.reserve_space_2};
      if (v3) fetch.push_back(bn.reserve_space_3);
      auto out = test::RunGraph(root, {}, fetch);
      ASSERT_TRUE(out.ok()) << out.status();
      std::vector<double> mean, var;
      Moments(l, x, &mean, &var);
      const double n = static_cast<double>(l.n * l.h * l.w);
      std::vector<double> unbiased(var);
      for (double& v : unbiased) v *= n / (n - 1);
      test::ExpectTensorNear((*out)[0], Normalize(l, x, scale, offset, mean, var, 1e-3), 2e-5);
      test::ExpectTensorNear((*out)[1], Vec(mean), 1e-5);
      test::ExpectTensorNear((*out)[2], Vec(unbiased), 1e-5);
      test::ExpectTensorNear((*out)[3], Vec(mean), 1e-5);
      test::ExpectTensorNear((*out)[4], Vec(var), 1e-5);
      if (v3) EXPECT_EQ((*out)[5].shape().DebugString(), "[]");
    }
  }
}

TEST(FusedBatchNormTest, ExponentialAverageFactorBlendsTheRunningStatistics) {
  const Layout l{false, 2, 3, 3, 2};
  Scope root = Scope::NewRootScope();
  Tensor x = test::Floats(l.Shape(), 1.5, 0.2);
  Tensor scale = test::Floats({3}, 0.5, 1.0), offset = test::Floats({3}, 0.3);
  Tensor running_mean = test::Floats({3}, 0.4, 0.1), running_var = test::Floats({3}, 0.2, 1.0);
  auto bn = ops::FusedBatchNormV3(root, x, scale, offset, running_mean, running_var,
                                  {.epsilon = 1e-4f, .exponential_avg_factor = 0.25f});
  auto out = test::RunGraph(root, {}, {bn.y, bn.batch_mean, bn.batch_variance, bn.reserve_space_2});
  ASSERT_TRUE(out.ok()) << out.status();
  std::vector<double> mean, var;
  Moments(l, x, &mean, &var);
  std::vector<double> want_mean(3), want_var(3);
  for (int c = 0; c < 3; ++c) {
    want_mean[c] = 0.75 * running_mean.data<float>()[c] + 0.25 * mean[c];
    want_var[c] = 0.75 * running_var.data<float>()[c] + 0.25 * var[c] * 12.0 / 11.0;
  }
  // Normalization still uses this batch's (biased) statistics.
  test::ExpectTensorNear((*out)[0], Normalize(l, x, scale, offset, mean, var, 1e-4), 2e-5);
  test::ExpectTensorNear((*out)[1], Vec(want_mean), 1e-5);
  test::ExpectTensorNear((*out)[2], Vec(want_var), 1e-5);
  test::ExpectTensorNear((*out)[3], Vec(var), 1e-5);
}

TEST(FusedBatchNormTest, HandComputedTrainingStep) {
  // One channel, x = [1, 2, 3, 6]: mean 3, biased variance (4 + 1 + 0 + 9) / 4 = 3.5, unbiased
  // 14 / 3; with eps 0: y = (x - 3) / sqrt(3.5).
  Scope root = Scope::NewRootScope();
  auto bn = ops::FusedBatchNorm(root, ops::Const(root, {1.f, 2.f, 3.f, 6.f}, {1, 2, 2, 1}), {1.f}, {0.f},
                                Tensor(DT_FLOAT, {0}), Tensor(DT_FLOAT, {0}), {.epsilon = 0.f});
  auto out = test::RunGraph(root, {}, {bn.y, bn.batch_mean, bn.batch_variance, bn.reserve_space_2});
  ASSERT_TRUE(out.ok()) << out.status();
  const double s = std::sqrt(3.5);
  test::ExpectTensorNear(
      (*out)[0], Tensor::FromVector<float>({float(-2 / s), float(-1 / s), 0.f, float(3 / s)}, {1, 2, 2, 1}), 1e-6);
  test::ExpectTensorNear((*out)[1], Tensor::FromVector<float>({3.f}), 1e-6);
  test::ExpectTensorNear((*out)[2], Tensor::FromVector<float>({14.f / 3}), 1e-6);
  test::ExpectTensorNear((*out)[3], Tensor::FromVector<float>({3.5f}), 1e-6);
}

TEST(FusedBatchNormTest, OneElementPerChannelHasNoBesselCorrection) {
  // n = 1: TF divides by max(n - 1, 1), so the running variance is 0, not 0 * 1/0 = NaN.
  Scope root = Scope::NewRootScope();
  auto bn = ops::FusedBatchNorm(root, ops::Const(root, {3.f, -1.f}, {1, 1, 1, 2}), {2.f, 2.f}, {0.5f, -0.5f},
                                Tensor(DT_FLOAT, {0}), Tensor(DT_FLOAT, {0}));
  auto out = test::RunGraph(root, {}, {bn.y, bn.batch_mean, bn.batch_variance});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], Tensor::FromVector<float>({0.5f, -0.5f}, {1, 1, 1, 2}));
  test::ExpectTensorEqual((*out)[1], Tensor::FromVector<float>({3.f, -1.f}));
  test::ExpectTensorEqual((*out)[2], Tensor::FromVector<float>({0.f, 0.f}));
}

TEST(FusedBatchNormTest, InferenceUsesTheGivenStatistics) {
  for (const Layout& l : Layouts()) {
    SCOPED_TRACE(l.Format());
    Scope root = Scope::NewRootScope();
    Tensor x = test::Floats(l.Shape(), 2.0, 0.5);
    Tensor scale = test::Floats({l.c}, 0.5, 1.0), offset = test::Floats({l.c}, 0.3, -0.2);
    Tensor mean = test::Floats({l.c}, 0.3), var = test::Floats({l.c}, 0.3, 1.0);
    auto bn = ops::FusedBatchNormV3(root, x, scale, offset, mean, var,
                                    {.epsilon = 1e-3f, .data_format = l.Format(), .is_training = false});
    auto out =
        test::RunGraph(root, {}, {bn.y, bn.batch_mean, bn.batch_variance, bn.reserve_space_1, bn.reserve_space_2});
    ASSERT_TRUE(out.ok()) << out.status();
    test::ExpectTensorNear((*out)[0], Normalize(l, x, scale, offset, AsDoubles(mean), AsDoubles(var), 1e-3), 2e-5);
    test::ExpectTensorEqual((*out)[1], mean);
    test::ExpectTensorEqual((*out)[2], var);
    test::ExpectTensorEqual((*out)[3], mean);
    test::ExpectTensorEqual((*out)[4], var);
  }
}

TEST(FusedBatchNormTest, EmptyBatchGivesNanStatistics) {
  Scope root = Scope::NewRootScope();
  auto bn = ops::FusedBatchNormV3(root, Tensor(DT_FLOAT, {0, 2, 2, 3}), {1.f, 1.f, 1.f}, {0.f, 0.f, 0.f},
                                  Tensor(DT_FLOAT, {0}), Tensor(DT_FLOAT, {0}));
  auto out = test::RunGraph(root, {}, {bn.y, bn.batch_mean});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].shape().DebugString(), "[0,2,2,3]");
  for (int c = 0; c < 3; ++c) EXPECT_TRUE(std::isnan((*out)[1].data<float>()[c]));
}

// ---- The Grad ops ----------------------------------------------------------------------------

TEST(FusedBatchNormGradTest, MatchesTheFormulas) {
  for (const Layout& l : Layouts()) {
    for (bool training : {true, false}) {
      SCOPED_TRACE(l.Format() + (training ? " training" : " inference"));
      Scope root = Scope::NewRootScope();
      Tensor x = test::Floats(l.Shape(), 2.0, 0.5), dy = test::Floats(l.Shape(), 1.0, 0.1);
      Tensor scale = test::Floats({l.c}, 0.5, 1.0);
      std::vector<double> mean, var;
      Moments(l, x, &mean, &var);
      if (!training) {  // population statistics unrelated to this batch
        for (int64_t c = 0; c < l.c; ++c) mean[c] = 0.1 * c, var[c] = 1.0 + 0.2 * c;
      }
      const double eps = 1e-3;
      ops::FusedBatchNormOptions o{.epsilon = 1e-3f, .data_format = l.Format(), .is_training = training};
      auto g = ops::FusedBatchNormGradV3(root, dy, x, scale, Vec(mean), Vec(var), Tensor(DT_FLOAT, {}), o);
      auto g1 = ops::FusedBatchNormGrad(root, dy, x, scale, Vec(mean), Vec(var), o);
      auto out = test::RunGraph(root, {}, {g.x_backprop, g.scale_backprop, g.offset_backprop, g1.x_backprop});
      ASSERT_TRUE(out.ok()) << out.status();
      const double n = static_cast<double>(l.n * l.h * l.w);
      std::vector<double> sum_dy(l.c, 0), sum_dy_xhat(l.c, 0);
      auto xhat = [&](int64_t c, int64_t i) { return (x.data<float>()[i] - mean[c]) / std::sqrt(var[c] + eps); };
      l.ForEach([&](int64_t c, int64_t i) {
        sum_dy[c] += dy.data<float>()[i];
        sum_dy_xhat[c] += dy.data<float>()[i] * xhat(c, i);
      });
      Tensor want_dx(DT_FLOAT, x.shape());
      l.ForEach([&](int64_t c, int64_t i) {
        const double k = scale.data<float>()[c] / std::sqrt(var[c] + eps);
        const double d = dy.data<float>()[i];
        want_dx.data<float>()[i] =
            static_cast<float>(training ? k * (d - sum_dy[c] / n - xhat(c, i) * sum_dy_xhat[c] / n) : k * d);
      });
      test::ExpectTensorNear((*out)[0], want_dx, 2e-5);
      test::ExpectTensorNear((*out)[1], Vec(sum_dy_xhat), 2e-4);
      test::ExpectTensorNear((*out)[2], Vec(sum_dy), 2e-4);
      test::ExpectTensorNear((*out)[3], (*out)[0], 0);
    }
  }
}

// ---- Numeric gradients -----------------------------------------------------------------------

void ExpectGradientOk(const Scope& root, const std::vector<Output>& xs, const std::vector<Tensor>& values,
                      const Output& y, double tol) {
  ASSERT_TRUE(root.ok()) << root.status();
  auto err = test::ComputeGradientError(root, xs, values, y);
  ASSERT_TRUE(err.ok()) << err.status();
  EXPECT_LT(*err, tol);
}

TEST(FusedBatchNormGradientTest, ForwardWithRespectToXScaleAndOffset) {
  for (bool nchw : {false, true}) {
    for (bool training : {true, false}) {
      {
        const bool v3 = nchw != training;  // each layout and mode once, each op twice
        SCOPED_TRACE(std::string(nchw ? "NCHW" : "NHWC") + (training ? " training" : " inference") + (v3 ? " V3" : ""));
        const Layout l{nchw, 2, 3, 3, 2};
        Scope root = Scope::NewRootScope();
        auto x = ops::Placeholder(root, DT_FLOAT, l.Shape());
        auto scale = ops::Placeholder(root, DT_FLOAT, {3});
        auto offset = ops::Placeholder(root, DT_FLOAT, {3});
        Tensor mean = test::Floats({3}, 0.2), var = test::Floats({3}, 0.3, 1.0);
        ops::FusedBatchNormOptions o{.epsilon = 1e-3f, .data_format = l.Format(), .is_training = training};
        auto bn = v3 ? ops::FusedBatchNormV3(root, x, scale, offset, mean, var, o)
                     : ops::FusedBatchNorm(root, x, scale, offset, mean, var, o);
        // Weighted, so that the gradient of y's sum is not trivially zero in training.
        auto y = ops::Mul(root, bn.y, test::Floats(l.Shape(), 1.0, 0.5));
        ExpectGradientOk(root, {x, scale, offset},
                         {test::Floats(l.Shape(), 1.0, 0.2), test::Floats({3}, 0.5, 1.0), test::Floats({3})}, y, 3e-3);
      }
    }
  }
}

// The gradient of the gradient (TF's _FusedBatchNormGradGrad): dx of a training batch norm,
// differentiated with respect to x, scale and the incoming gradient, numerically through the
// forward's reserve spaces too.
TEST(FusedBatchNormGradientTest, SecondOrder) {
  for (bool nchw : {false, true}) {
    for (bool training : {true, false}) {
      SCOPED_TRACE(std::string(nchw ? "NCHW" : "NHWC") + (training ? " training" : " inference"));
      const Layout l{nchw, 2, 2, 2, 3};
      Scope root = Scope::NewRootScope();
      auto x = ops::Placeholder(root, DT_FLOAT, l.Shape());
      auto scale = ops::Placeholder(root, DT_FLOAT, {2});
      auto dy = ops::Placeholder(root, DT_FLOAT, l.Shape());
      Tensor mean = test::Floats({2}, 0.2), var = test::Floats({2}, 0.3, 1.0);
      ops::FusedBatchNormOptions o{.epsilon = 1e-3f, .data_format = l.Format(), .is_training = training};
      auto bn = ops::FusedBatchNormV3(root, x, scale, ops::Const(root, {0.1f, -0.2f}), mean, var, o);
      std::vector<Output> grads;
      ASSERT_OK(AddSymbolicGradients(root, {bn.y}, {x, scale}, {dy}, &grads));
      std::vector<Tensor> values = {test::Floats(l.Shape(), 1.0, 0.2), test::Floats({2}, 0.5, 1.0),
                                    test::Floats(l.Shape(), 0.7, 0.1)};
      ExpectGradientOk(root, {x, scale, dy}, values, ops::Mul(root, grads[0], test::Floats(l.Shape(), 1.0, 0.5)), 5e-3);
      ExpectGradientOk(root, {x, scale, dy}, values, grads[1], 5e-3);
    }
  }
}

// A float network with batch norm trains: the loss of a conv + batch norm + relu stack falls.
TEST(FusedBatchNormGradientTest, ConvBatchNormTrains) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, test::Floats({4, 6, 6, 2}));
  auto target = ops::Const(root, test::Floats({4, 6, 6, 3}, 0.5, 0.2));
  auto w = ops::Placeholder(root, DT_FLOAT, {3, 3, 2, 3});
  auto gamma = ops::Placeholder(root, DT_FLOAT, {3});
  auto beta = ops::Placeholder(root, DT_FLOAT, {3});
  auto conv = ops::Conv2D(root, x, w, {1, 1, 1, 1}, "SAME");
  auto bn = ops::FusedBatchNormV3(root, conv, gamma, beta, Tensor(DT_FLOAT, {0}), Tensor(DT_FLOAT, {0}));
  auto loss = ops::L2Loss(root, ops::Sub(root, ops::Relu(root, bn.y), target));
  std::vector<Output> grads;
  ASSERT_OK(AddSymbolicGradients(root, {loss}, {w, gamma, beta}, &grads));
  Session session(root);
  std::vector<Tensor> params = {test::Floats({3, 3, 2, 3}, 0.3), test::Floats({3}, 0.1, 1.0), test::Floats({3}, 0.1)};
  double first = 0, last = 0;
  for (int step = 0; step < 60; ++step) {
    std::vector<Tensor> out;
    ASSERT_OK(session.Run({{w, params[0]}, {gamma, params[1]}, {beta, params[2]}}, {loss, grads[0], grads[1], grads[2]},
                          {}, &out));
    if (step == 0) first = out[0].scalar<float>();
    last = out[0].scalar<float>();
    for (int p = 0; p < 3; ++p) {
      for (int64_t i = 0; i < params[p].NumElements(); ++i)
        params[p].data<float>()[i] -= 0.01f * out[p + 1].data<float>()[i];
    }
  }
  EXPECT_LT(last, 0.7 * first);
}

// ---- Shapes and errors -----------------------------------------------------------------------

TEST(FusedBatchNormShapeTest, OutputShapes) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_FLOAT, {-1, 8, 8, -1});
  auto scale = ops::Placeholder(root, DT_FLOAT, {16});
  auto bn = ops::FusedBatchNormV3(root, x, scale, scale, Tensor(DT_FLOAT, {0}), Tensor(DT_FLOAT, {0}));
  EXPECT_EQ(bn.y.shape().DebugString(), "[?,8,8,16]");
  EXPECT_EQ(bn.batch_variance.shape().DebugString(), "[16]");
  EXPECT_EQ(bn.reserve_space_3.shape().DebugString(), "<unknown>");
  ops::FusedBatchNorm(root, ops::Placeholder(root, DT_FLOAT, {2, 5, 3, 3}), ops::Placeholder(root, DT_FLOAT),
                      ops::Placeholder(root, DT_FLOAT), scale, scale, {.data_format = "NCHW", .is_training = false});
  EXPECT_FALSE(root.ok());  // mean and variance of 16 entries for 5 channels
  Scope root2 = Scope::NewRootScope();
  auto g =
      ops::FusedBatchNormGrad(root2, ops::Placeholder(root2, DT_FLOAT, {2, 5, 3, 3}), ops::Placeholder(root2, DT_FLOAT),
                              ops::Placeholder(root2, DT_FLOAT), ops::Placeholder(root2, DT_FLOAT),
                              ops::Placeholder(root2, DT_FLOAT), {.data_format = "NCHW"});
  ASSERT_TRUE(root2.ok()) << root2.status();
  EXPECT_EQ(g.x_backprop.shape().DebugString(), "[2,5,3,3]");
  EXPECT_EQ(g.scale_backprop.shape().DebugString(), "[5]");
}

std::string BuildError(const std::function<void(const Scope&)>& build) {
  Scope root = Scope::NewRootScope();
  build(root);
  return std::string(root.status().message());
}

TEST(FusedBatchNormErrorTest, BadShapesAndAttrsNameTheNode) {
  Tensor empty(DT_FLOAT, {0});
  const std::vector<std::pair<std::string, std::string>> cases = {
      {BuildError([&](const Scope& s) {
         ops::FusedBatchNorm(s.WithOpName("bn"), ops::Placeholder(s, DT_FLOAT, {2, 3, 4}), {1.f}, {0.f}, empty, empty);
       }),
       "rank"},
      {BuildError([&](const Scope& s) {
         ops::FusedBatchNormV3(s.WithOpName("bn"), ops::Placeholder(s, DT_FLOAT, {2, 3, 3, 4}), {1.f, 1.f}, {0.f},
                               empty, empty);
       }),
       "scale of shape [2] must have one entry per channel (4)"},
      {BuildError([&](const Scope& s) {
         ops::FusedBatchNormV3(s.WithOpName("bn"), ops::Placeholder(s, DT_FLOAT, {2, 3, 3, 1}), {1.f}, {0.f}, empty,
                               empty, {.data_format = "NDHWC"});
       }),
       "data_format"},
      {BuildError([&](const Scope& s) {
         ops::FusedBatchNormGradV3(s.WithOpName("bn"), ops::Placeholder(s, DT_FLOAT, {2, 3, 3, 1}),
                                   ops::Placeholder(s, DT_FLOAT, {2, 3, 4, 1}), {1.f}, {0.f}, {1.f}, empty);
       }),
       "must have the same shape"},
  };
  for (const auto& [message, want] : cases) {
    EXPECT_THAT(message, HasSubstr("'bn'"));
    EXPECT_THAT(message, HasSubstr(want));
  }
}

TEST(FusedBatchNormErrorTest, RunTimeErrorsNameTheNode) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_FLOAT);
  auto v = ops::Placeholder(root, DT_FLOAT);
  auto bn = ops::FusedBatchNormV3(root.WithOpName("bn"), x, {1.f, 1.f}, {0.f, 0.f}, v, v, {.is_training = false});
  auto out = test::RunGraph(root, {{x, test::Floats({1, 2, 2, 2})}, {v, test::Floats({3})}}, {bn.y});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("bn"));
  EXPECT_THAT(
      out.status().message(),
      HasSubstr(
          "When is_training=false, mean must have the same number of elements as the channels of x, got 3 and 2"));
  auto bad = test::RunGraph(root, {{x, test::Floats({2, 2, 2})}, {v, test::Floats({2})}}, {bn.y});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("x must be 4-dimensional (NHWC), got shape [2,2,2]"));
  auto g = ops::FusedBatchNormGrad(root.WithOpName("grad"), x, x, {1.f, 1.f}, v, v);
  auto gout = test::RunGraph(root, {{x, test::Floats({1, 2, 2, 2})}, {v, test::Floats({3})}}, {g.x_backprop});
  ASSERT_FALSE(gout.ok());
  EXPECT_THAT(gout.status().message(), HasSubstr("grad"));
  EXPECT_THAT(gout.status().message(), HasSubstr("reserve_space_1 must have the same number of elements"));
}

// A FusedBatchNormV3 node as TF 1.x's tf.compat.v1.layers.batch_normalization(training=True)
// writes it (empty mean and variance, TF's bookkeeping attrs) loads and computes what the
// builder's node computes.
TEST(FusedBatchNormGraphDefTest, TensorFlowNodeLoadsAndRuns) {
  constexpr char kText[] = R"pb(
    node {
      name: "x"
      op: "Placeholder"
      attr {
        key: "dtype"
        value { type: DT_FLOAT }
      }
    }
    node {
      name: "gamma"
      op: "Const"
      attr {
        key: "dtype"
        value { type: DT_FLOAT }
      }
      attr {
        key: "value"
        value {
          tensor {
            dtype: DT_FLOAT
            tensor_shape { dim { size: 2 } }
            float_val: [ 1.5, 0.5 ]
          }
        }
      }
    }
    node {
      name: "beta"
      op: "Const"
      attr {
        key: "dtype"
        value { type: DT_FLOAT }
      }
      attr {
        key: "value"
        value {
          tensor {
            dtype: DT_FLOAT
            tensor_shape { dim { size: 2 } }
            float_val: [ 0.1, -0.1 ]
          }
        }
      }
    }
    node {
      name: "empty"
      op: "Const"
      attr {
        key: "dtype"
        value { type: DT_FLOAT }
      }
      attr {
        key: "value"
        value {
          tensor {
            dtype: DT_FLOAT
            tensor_shape { dim { size: 0 } }
          }
        }
      }
    }
    node {
      name: "bn"
      op: "FusedBatchNormV3"
      input: "x"
      input: "gamma"
      input: "beta"
      input: "empty"
      input: "empty"
      attr {
        key: "T"
        value { type: DT_FLOAT }
      }
      attr {
        key: "U"
        value { type: DT_FLOAT }
      }
      attr {
        key: "epsilon"
        value { f: 0.001 }
      }
      attr {
        key: "data_format"
        value { s: "NHWC" }
      }
      attr {
        key: "exponential_avg_factor"
        value { f: 1 }
      }
      attr {
        key: "is_training"
        value { b: true }
      }
    }
  )pb";
  GraphDef graph_def;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(kText, &graph_def));
  auto session = Session::Create(graph_def);
  ASSERT_OK(session.status());
  Tensor x = test::Floats({2, 3, 3, 2}, 2.0, 1.0);
  std::vector<Tensor> got;
  ASSERT_OK((*session)->Run({{"x", x}}, {"bn:0", "bn:1", "bn:2"}, {}, &got));
  Scope root = Scope::NewRootScope();
  auto bn = ops::FusedBatchNormV3(root, x, {1.5f, 0.5f}, {0.1f, -0.1f}, Tensor(DT_FLOAT, {0}), Tensor(DT_FLOAT, {0}),
                                  {.epsilon = 0.001f});
  auto want = test::RunGraph(root, {}, {bn.y, bn.batch_mean, bn.batch_variance});
  ASSERT_OK(want.status());
  for (int i = 0; i < 3; ++i) test::ExpectTensorEqual(got[i], (*want)[i]);
}

// A tf.compat.v1 graph of fused_batch_norm (training with exponential_avg_factor, inference),
// local_response_normalization, depthwise_conv2d and tf.gradients of each, as TensorFlow wrote
// it (tests/data/tf/make_cnn_ops_fixture.py), computes TensorFlow's values.
TEST(CnnOpsTensorFlowGraphTest, ComputesTensorFlowsValues) {
  const std::string dir = SLUICE_SOURCE_DIR "/tests/data/tf/cnn_ops/";
  GraphDef graph_def;
  ASSERT_OK(ReadBinaryProto(dir + "model.pb", &graph_def));
  auto session = Session::Create(graph_def);
  ASSERT_OK(session.status());
  auto x = ReadNpy(dir + "x.npy");
  ASSERT_OK(x.status());
  const std::vector<std::string> names = {"y",     "batch_mean", "batch_var", "y_inference", "dx",    "dgamma",
                                          "dbeta", "lrn",        "dlrn",      "dw",          "ddw_x", "ddw_f"};
  std::vector<std::string> fetches;
  for (const std::string& n : names) fetches.push_back("out_" + n);
  std::vector<Tensor> got;
  ASSERT_OK((*session)->Run({{"x", *x}}, fetches, {}, &got));
  for (size_t i = 0; i < names.size(); ++i) {
    SCOPED_TRACE(names[i]);
    auto want = ReadNpy(dir + "want_" + names[i] + ".npy");
    ASSERT_OK(want.status());
    double scale = 0;
    for (int64_t e = 0; e < want->NumElements(); ++e)
      scale = std::max(scale, std::fabs(double{want->data<float>()[e]}));
    test::ExpectTensorNear(got[i], *want, 1e-5 * std::max(1.0, scale));
  }
}

// One session run from several threads at once, with batch sizes that make each kernel (batch
// norm, LRN, depthwise and fused convolution) build and reuse several primitives, gives every
// thread the single-threaded results.
TEST(CnnOpsConcurrencyTest, ConcurrentRunsShareKernelsSafely) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_FLOAT, {-1, 7, 7, 4});
  auto conv =
      ops::Relu(root, ops::BiasAdd(root, ops::Conv2D(root, x, test::Floats({3, 3, 4, 4}, 0.3), {1, 1, 1, 1}, "SAME"),
                                   test::Floats({4})));
  auto dw = ops::DepthwiseConv2dNative(root, conv, test::Floats({3, 3, 4, 2}, 0.3), {1, 1, 1, 1}, "SAME");
  auto bn = ops::FusedBatchNormV3(root, dw, test::Floats({8}, 0.2, 1.0), test::Floats({8}), Tensor(DT_FLOAT, {0}),
                                  Tensor(DT_FLOAT, {0}));
  auto lrn = ops::LRN(root, bn.y, {.depth_radius = 2, .alpha = 0.1f, .beta = 0.75f});
  auto loss = ops::L2Loss(root, lrn);
  std::vector<Output> grads;
  ASSERT_OK(AddSymbolicGradients(root, {loss}, {x}, &grads));
  Session session(root);
  std::vector<std::vector<Tensor>> want(3);
  for (int b = 1; b <= 3; ++b) ASSERT_OK(session.Run({{x, test::Floats({b, 7, 7, 4})}}, {lrn, grads[0]}, &want[b - 1]));
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const int b = 1 + (i + t) % 3;
        std::vector<Tensor> out;
        Status s = session.Run({{x, test::Floats({b, 7, 7, 4})}}, {lrn, grads[0]}, &out);
        // Not bit for bit: oneDNN may split a reduction differently with another thread count.
        bool same = s.ok();
        for (int k = 0; same && k < 2; ++k) {
          same = out[k].shape() == want[b - 1][k].shape();
          for (int64_t e = 0; same && e < out[k].NumElements(); ++e) {
            same = std::fabs(out[k].data<float>()[e] - want[b - 1][k].data<float>()[e]) <=
                   1e-4f * (1 + std::fabs(want[b - 1][k].data<float>()[e]));
          }
        }
        if (!same) ++mismatches[t];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace sluice
