// tf.losses and the regularizers: every loss and every reduction against values computed here in
// double, weights broadcasting, label smoothing, TF's op names and collections, numeric gradient
// checks with respect to predictions and logits, and the errors of bad shapes.
#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/gradient_checker.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using losses::LossOptions;
using losses::Reduction;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Vec = std::vector<double>;

Tensor F(const Vec& v, TensorShape shape) {
  std::vector<float> f(v.begin(), v.end());
  return Tensor::FromVector(f, shape);
}
Output C(const Scope& s, const Vec& v, TensorShape shape) { return ops::Const(s, F(v, shape)); }

Vec Values(const Tensor& t) {
  Vec out;
  for (int64_t i = 0; i < t.NumElements(); ++i) {
    out.push_back(t.dtype() == DT_DOUBLE ? t.data<double>()[i] : t.data<float>()[i]);
  }
  return out;
}

std::vector<Vec> Fetch(const Scope& root, const std::vector<Output>& fetches,
                       const std::vector<std::pair<Output, Tensor>>& feeds = {}) {
  EXPECT_TRUE(root.ok()) << root.status();
  std::vector<Vec> result;
  auto out = test::RunGraph(root, feeds, fetches);
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return std::vector<Vec>(fetches.size());
  for (const Tensor& t : *out) result.push_back(Values(t));
  return result;
}

double FetchScalar(const Scope& root, const Output& y, const std::vector<std::pair<Output, Tensor>>& feeds = {}) {
  auto r = Fetch(root, {y}, feeds);
  EXPECT_EQ(r[0].size(), 1u);
  return r[0].empty() ? NAN : r[0][0];
}

// What compute_weighted_loss makes of elementwise losses `l` and the weights broadcast to them.
Vec Reduced(const Vec& l, const Vec& w, Reduction reduction) {
  Vec weighted(l.size());
  double sum = 0, weight_sum = 0, nonzero = 0;
  for (size_t i = 0; i < l.size(); ++i) {
    weighted[i] = l[i] * w[i];
    sum += weighted[i];
    weight_sum += w[i];
    nonzero += w[i] != 0;
  }
  auto safe = [](double a, double b) { return b == 0 ? 0.0 : a / b; };
  switch (reduction) {
    case Reduction::NONE:
      return weighted;
    case Reduction::SUM:
      return {sum};
    case Reduction::MEAN:
      return {safe(sum, weight_sum)};
    case Reduction::SUM_OVER_BATCH_SIZE:
      return {safe(sum, static_cast<double>(l.size()))};
    default:
      return {safe(sum, nonzero)};
  }
}

void ExpectNear(const Vec& actual, const Vec& expected, double tol = 1e-5) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_NEAR(actual[i], expected[i], tol * std::max(1.0, std::fabs(expected[i]))) << "entry " << i;
  }
}

constexpr Reduction kAllReductions[] = {Reduction::NONE, Reduction::SUM, Reduction::MEAN,
                                        Reduction::SUM_OVER_BATCH_SIZE, Reduction::SUM_OVER_NONZERO_WEIGHTS};

// Regression data [2, 3]: errors 0.5, 0, -2.5, 0.2, 2, -0.9.
const Vec kLabels = {1, 2, 3, 4, 5, 6};
const Vec kPredictions = {1.5, 2, 0.5, 4.2, 7, 5.1};
// Binary labels and probabilities, and logits, [2, 3].
const Vec kBinary = {0, 1, 1, 0, 1, 0};
const Vec kProbabilities = {0.2, 0.7, 0.4, 0.1, 0.9, 0.6};
const Vec kLogits = {1, 2, 0.5, -1, 0, 3};

Vec Elementwise(const Vec& a, const Vec& b, double (*f)(double, double)) {
  Vec out;
  for (size_t i = 0; i < a.size(); ++i) out.push_back(f(a[i], b[i]));
  return out;
}

TEST(LossesTest, MeanSquaredErrorEveryReductionWithRowWeights) {
  Vec se = Elementwise(kLabels, kPredictions, [](double l, double p) { return (p - l) * (p - l); });
  Vec w_broadcast = {1.5, 1.5, 1.5, 0, 0, 0};  // weights [2, 1] = {1.5, 0}
  for (Reduction reduction : kAllReductions) {
    Scope root = Scope::NewRootScope();
    Output loss = losses::MeanSquaredError(root, C(root, kLabels, {2, 3}), C(root, kPredictions, {2, 3}),
                                           C(root, {1.5, 0}, {2, 1}), {.reduction = reduction});
    ExpectNear(Fetch(root, {loss})[0], Reduced(se, w_broadcast, reduction));
    EXPECT_EQ(loss.shape().rank(), reduction == Reduction::NONE ? 2 : 0);
  }
}

TEST(LossesTest, WeightsBroadcastScalarColumnAndFull) {
  Vec se = Elementwise(kLabels, kPredictions, [](double l, double p) { return (p - l) * (p - l); });
  struct Case {
    Vec w;
    TensorShape shape;
    Vec broadcast;
  };
  std::vector<Case> cases = {{{2}, {}, {2, 2, 2, 2, 2, 2}},
                             {{1, 0, 2}, {1, 3}, {1, 0, 2, 1, 0, 2}},
                             {{0.5, 1, 0, 2, 0, 3}, {2, 3}, {0.5, 1, 0, 2, 0, 3}},
                             {{0}, {}, {0, 0, 0, 0, 0, 0}}};
  for (const Case& c : cases) {
    for (Reduction reduction : kAllReductions) {
      Scope root = Scope::NewRootScope();
      Output loss = losses::MeanSquaredError(root, C(root, kLabels, {2, 3}), C(root, kPredictions, {2, 3}),
                                             C(root, c.w, c.shape), {.reduction = reduction});
      ExpectNear(Fetch(root, {loss})[0], Reduced(se, c.broadcast, reduction));
    }
  }
  // The default: a literal weight of 1 and SUM_BY_NONZERO_WEIGHTS, the plain mean.
  Scope root = Scope::NewRootScope();
  Output loss = losses::MeanSquaredError(root, C(root, kLabels, {2, 3}), C(root, kPredictions, {2, 3}));
  double mean = 0;
  for (double v : se) mean += v / 6;
  EXPECT_NEAR(FetchScalar(root, loss), mean, 1e-6);
}

TEST(LossesTest, NamesAndCollections) {
  Scope root = Scope::NewRootScope();
  Output labels = C(root, kLabels, {2, 3}), predictions = C(root, kPredictions, {2, 3});
  Output a = losses::MeanSquaredError(root, labels, predictions);
  Output b = losses::MeanSquaredError(root, labels, predictions);
  Output named = losses::AbsoluteDifference(root.WithOpName("my_loss"), labels, predictions);
  Output uncollected = losses::HuberLoss(root, labels, predictions, 1.0f, 1.0, {.loss_collection = ""});
  Output sum = losses::LogLoss(root.NewSubScope("tower"), C(root, kBinary, {2, 3}), C(root, kProbabilities, {2, 3}),
                               1.0f, 1e-7, {.reduction = Reduction::SUM});
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(a.name(), "mean_squared_error/value:0");
  EXPECT_EQ(b.name(), "mean_squared_error_1/value:0");
  EXPECT_EQ(named.name(), "my_loss/value:0");
  EXPECT_EQ(uncollected.name(), "huber_loss/value:0");
  EXPECT_EQ(sum.node()->name().rfind("tower/log_loss/", 0), 0u) << sum.name();
  EXPECT_THAT(root.GetCollection("losses"), ElementsAre(a.name(), b.name(), named.name(), sum.name()));
  std::vector<Output> got = losses::GetLosses(root);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[3].node(), sum.node());
  EXPECT_THAT(losses::GetLosses(root, "tower/"), ::testing::SizeIs(1));
}

TEST(LossesTest, AbsoluteDifferenceAndHuber) {
  Vec abs = Elementwise(kLabels, kPredictions, [](double l, double p) { return std::fabs(p - l); });
  auto huber = [](double delta) {
    Vec out;
    for (size_t i = 0; i < kLabels.size(); ++i) {
      double e = std::fabs(kPredictions[i] - kLabels[i]);
      out.push_back(e <= delta ? 0.5 * e * e : 0.5 * delta * delta + delta * (e - delta));
    }
    return out;
  };
  Vec w = {1, 0, 2, 1, 0, 2};
  Scope root = Scope::NewRootScope();
  Output l = C(root, kLabels, {2, 3}), p = C(root, kPredictions, {2, 3}), weights = C(root, {1, 0, 2}, {1, 3});
  auto r = Fetch(root, {losses::AbsoluteDifference(root, l, p, weights),
                        losses::HuberLoss(root, l, p, weights),
                        losses::HuberLoss(root, l, p, weights, 0.5, {.reduction = Reduction::NONE}),
                        losses::HuberLoss(root, l, p, 1.0f, 3.0, {.reduction = Reduction::SUM})});
  ExpectNear(r[0], Reduced(abs, w, Reduction::SUM_BY_NONZERO_WEIGHTS));
  ExpectNear(r[1], Reduced(huber(1.0), w, Reduction::SUM_BY_NONZERO_WEIGHTS));
  ExpectNear(r[2], Reduced(huber(0.5), w, Reduction::NONE));
  ExpectNear(r[3], Reduced(huber(3.0), Vec(6, 1.0), Reduction::SUM));
}

TEST(LossesTest, LogLossAndHingeLoss) {
  auto log_loss = [](double eps) {
    Vec out;
    for (size_t i = 0; i < kBinary.size(); ++i) {
      double y = kBinary[i], p = kProbabilities[i];
      out.push_back(-y * std::log(p + eps) - (1 - y) * std::log(1 - p + eps));
    }
    return out;
  };
  Vec hinge = Elementwise(kBinary, kLogits, [](double y, double z) { return std::max(0.0, 1 - (2 * y - 1) * z); });
  Scope root = Scope::NewRootScope();
  Output y = C(root, kBinary, {2, 3});
  auto r = Fetch(root, {losses::LogLoss(root, y, C(root, kProbabilities, {2, 3})),
                        losses::LogLoss(root, y, C(root, kProbabilities, {2, 3}), 2.0f, 0.1, {.reduction = Reduction::MEAN}),
                        losses::HingeLoss(root, y, C(root, kLogits, {2, 3}), C(root, {3, 0}, {2, 1}))});
  ExpectNear(r[0], Reduced(log_loss(1e-7), Vec(6, 1), Reduction::SUM_BY_NONZERO_WEIGHTS));
  ExpectNear(r[1], Reduced(log_loss(0.1), Vec(6, 2), Reduction::MEAN));
  ExpectNear(r[2], Reduced(hinge, {3, 3, 3, 0, 0, 0}, Reduction::SUM_BY_NONZERO_WEIGHTS));
}

TEST(LossesTest, CosineDistance) {
  Scope root = Scope::NewRootScope();
  Output labels = C(root, {0.6, 0.8, 1, 0}, {2, 2});
  Output predictions = C(root, {0.8, 0.6, 0, 1}, {2, 2});
  Output per_row = losses::CosineDistance(root, labels, predictions, 1, 1.0f, {.reduction = Reduction::NONE});
  Output weighted = losses::CosineDistance(root, labels, predictions, -1, C(root, {2, 1}, {2, 1}));
  EXPECT_EQ(per_row.shape(), (TensorShape{2, 1}));
  auto r = Fetch(root, {per_row, weighted});
  ExpectNear(r[0], {1 - 0.96, 1.0});
  ExpectNear(r[1], {(2 * 0.04 + 1.0) / 2});
  Scope bad = Scope::NewRootScope();
  losses::CosineDistance(bad, C(bad, {1, 0}, {1, 2}), C(bad, {1, 0}, {1, 2}), 2);
  EXPECT_THAT(bad.status().message(), HasSubstr("axis 2 is out of range"));
}

Vec LogSoftmaxRow(const Vec& z, size_t row, size_t classes) {
  double m = -INFINITY, s = 0;
  for (size_t j = 0; j < classes; ++j) m = std::max(m, z[row * classes + j]);
  for (size_t j = 0; j < classes; ++j) s += std::exp(z[row * classes + j] - m);
  Vec out;
  for (size_t j = 0; j < classes; ++j) out.push_back(z[row * classes + j] - m - std::log(s));
  return out;
}

TEST(LossesTest, SoftmaxCrossEntropyWithLabelSmoothing) {
  const Vec onehot = {0, 1, 0, 0, 0, 1};
  for (double smoothing : {0.0, 0.3}) {
    Vec per_row;
    for (size_t r = 0; r < 2; ++r) {
      Vec logp = LogSoftmaxRow(kLogits, r, 3);
      double ce = 0;
      for (size_t j = 0; j < 3; ++j) ce -= (onehot[r * 3 + j] * (1 - smoothing) + smoothing / 3) * logp[j];
      per_row.push_back(ce);
    }
    Scope root = Scope::NewRootScope();
    Output loss = losses::SoftmaxCrossEntropy(root, C(root, onehot, {2, 3}), C(root, kLogits, {2, 3}),
                                              C(root, {1, 3}, {2}), smoothing);
    Output none = losses::SoftmaxCrossEntropy(root, C(root, onehot, {2, 3}), C(root, kLogits, {2, 3}), 1.0f,
                                              smoothing, {.reduction = Reduction::NONE});
    EXPECT_EQ(loss.name(), "softmax_cross_entropy_loss/value:0");
    auto r = Fetch(root, {loss, none});
    ExpectNear(r[0], Reduced(per_row, {1, 3}, Reduction::SUM_BY_NONZERO_WEIGHTS));
    ExpectNear(r[1], per_row);
  }
}

TEST(LossesTest, SoftmaxCrossEntropyOfRank3Logits) {
  // [2, 1, 3]: the rows flattened and the losses reshaped back to [2, 1].
  const Vec onehot = {0, 1, 0, 0, 0, 1};
  Scope root = Scope::NewRootScope();
  Output none = losses::SoftmaxCrossEntropy(root, C(root, onehot, {2, 1, 3}), C(root, kLogits, {2, 1, 3}), 1.0f, 0,
                                            {.reduction = Reduction::NONE});
  auto r = Fetch(root, {none});
  ExpectNear(r[0], {-LogSoftmaxRow(kLogits, 0, 3)[1], -LogSoftmaxRow(kLogits, 1, 3)[2]});
}

TEST(LossesTest, SparseSoftmaxCrossEntropySqueezesLabelsAndWeights) {
  Vec per_row = {-LogSoftmaxRow(kLogits, 0, 3)[1], -LogSoftmaxRow(kLogits, 1, 3)[2]};
  Scope root = Scope::NewRootScope();
  Output logits = C(root, kLogits, {2, 3});
  Output flat = losses::SparseSoftmaxCrossEntropy(root, ops::Const(root, {1, 2}), logits);
  Output column = losses::SparseSoftmaxCrossEntropy(root, ops::Const(root, std::vector<int64_t>{1, 2}, {2, 1}), logits,
                                                    C(root, {0.5, 2}, {2, 1}), {.reduction = Reduction::SUM});
  auto r = Fetch(root, {flat, column});
  ExpectNear(r[0], {(per_row[0] + per_row[1]) / 2});
  ExpectNear(r[1], {0.5 * per_row[0] + 2 * per_row[1]});

  Scope bad = Scope::NewRootScope();
  Output out_of_range = losses::SparseSoftmaxCrossEntropy(bad, ops::Const(bad, {1, 3}), C(bad, kLogits, {2, 3}));
  auto run = test::RunGraph(bad, {}, {out_of_range});
  EXPECT_FALSE(run.ok());
}

TEST(LossesTest, SigmoidCrossEntropyWithLabelSmoothing) {
  for (double smoothing : {0.0, 0.2}) {
    Vec losses_v;
    for (size_t i = 0; i < kBinary.size(); ++i) {
      double y = kBinary[i] * (1 - smoothing) + 0.5 * smoothing, z = kLogits[i];
      losses_v.push_back(std::max(z, 0.0) - z * y + std::log1p(std::exp(-std::fabs(z))));
    }
    Scope root = Scope::NewRootScope();
    Output loss = losses::SigmoidCrossEntropy(root, C(root, kBinary, {2, 3}), C(root, kLogits, {2, 3}),
                                              C(root, {1, 0, 2}, {1, 3}), smoothing);
    EXPECT_EQ(loss.name(), "sigmoid_cross_entropy_loss/value:0");
    ExpectNear(Fetch(root, {loss})[0], Reduced(losses_v, {1, 0, 2, 1, 0, 2}, Reduction::SUM_BY_NONZERO_WEIGHTS));
  }
}

TEST(LossesTest, MeanPairwiseSquaredError) {
  // The mean over pairs i < j of each row, computed pair by pair, weighted by row and summed.
  const Vec w = {1, 2};
  double expected = 0;
  for (int b = 0; b < 2; ++b) {
    double sum = 0;
    int pairs = 0;
    for (int i = 0; i < 3; ++i) {
      for (int j = i + 1; j < 3; ++j) {
        double d = (kLabels[b * 3 + i] - kLabels[b * 3 + j]) - (kPredictions[b * 3 + i] - kPredictions[b * 3 + j]);
        sum += d * d;
        ++pairs;
      }
    }
    expected += w[b] * sum / pairs;
  }
  Scope root = Scope::NewRootScope();
  Output loss = losses::MeanPairwiseSquaredError(root, C(root, kLabels, {2, 3}), C(root, kPredictions, {2, 3}),
                                                 C(root, w, {2, 1}));
  Output zero_weights = losses::MeanPairwiseSquaredError(root, C(root, kLabels, {2, 3}),
                                                         C(root, kPredictions, {2, 3}), 0.0f);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(loss.name(), "mean_pairwise_squared_error/value:0");
  EXPECT_NEAR(FetchScalar(root, loss), expected, 1e-5);
  EXPECT_EQ(FetchScalar(root, zero_weights), 0.0);
}

TEST(LossesTest, ComputeWeightedLossAndDtypes) {
  Scope root = Scope::NewRootScope();
  Output l = ops::Const(root, Tensor::FromVector(std::vector<double>{1, 2, 3, 4}, {2, 2}));
  Output loss = losses::ComputeWeightedLoss(root, l, C(root, {0, 1}, {1, 2}));
  Output float_loss = losses::ComputeWeightedLoss(root, C(root, {1, 2}, {2}), 2.0f, {.reduction = Reduction::MEAN});
  EXPECT_EQ(float_loss.name(), "weighted_loss_1/value:0");
  EXPECT_NEAR(FetchScalar(root, float_loss), 1.5, 1e-6);
  EXPECT_EQ(loss.dtype(), DT_DOUBLE);  // cast back to the losses' dtype
  EXPECT_NEAR(FetchScalar(root, loss), (2.0 + 4.0) / 2, 1e-6);
  // Regression losses compute in float32, as TF's; the cross-entropies keep the logits' dtype.
  Output mse = losses::MeanSquaredError(root, l, l);
  Output ce = losses::SoftmaxCrossEntropy(root, ops::Const(root, Tensor::FromVector(std::vector<double>{0, 1, 1, 0}, {2, 2})), l);
  EXPECT_EQ(mse.dtype(), DT_FLOAT);
  EXPECT_EQ(ce.dtype(), DT_DOUBLE);
  EXPECT_NEAR(FetchScalar(root, ce), (std::log1p(std::exp(-1.0)) + std::log1p(std::exp(1.0))) / 2, 1e-6);
}

TEST(LossesTest, WeightsCheckedAtRunTimeWhenShapesAreUnknown) {
  Scope root = Scope::NewRootScope();
  Output w = ops::Placeholder(root.WithOpName("w"), DT_FLOAT);
  Output loss = losses::MeanSquaredError(root, C(root, kLabels, {2, 3}), C(root, kPredictions, {2, 3}), w,
                                         {.reduction = Reduction::SUM});
  ASSERT_TRUE(root.ok()) << root.status();
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({{w, F({1, 0}, {2, 1})}}, {loss}, &out));
  EXPECT_NEAR(out[0].scalar<float>(), 0.25 + 0 + 6.25, 1e-5);
  ASSERT_OK(session.Run({{w, F({2}, {})}}, {loss}, &out));
  EXPECT_NEAR(out[0].scalar<float>(), 2 * (0.25 + 6.25 + 0.04 + 4 + 0.81), 1e-4);
  for (const Tensor& bad : {F({1, 2}, {2}), F({1, 2, 3, 4}, {2, 2}), F({1, 2, 3, 4, 5, 6}, {2, 3, 1})}) {
    Status s = session.Run({{w, bad}}, {loss}, &out);
    EXPECT_THAT(s.message(), HasSubstr("weights can not be broadcast to values")) << bad.shape().DebugString();
  }
}

TEST(LossesTest, ShapeErrorsNameTheLoss) {
  {
    Scope root = Scope::NewRootScope();
    losses::MeanSquaredError(root, C(root, kLabels, {2, 3}), C(root, kPredictions, {3, 2}));
    EXPECT_THAT(root.status().message(), HasSubstr("mean_squared_error: the shape of predictions [3,2] is not compatible"));
  }
  {
    Scope root = Scope::NewRootScope();
    losses::HingeLoss(root, C(root, kBinary, {2, 3}), C(root, kLogits, {2, 3}), C(root, {1, 2, 3}, {3}));
    EXPECT_THAT(root.status().message(), HasSubstr("hinge_loss: weights can not be broadcast to values. values.rank=2. weights.rank=1."));
  }
  {
    Scope root = Scope::NewRootScope();
    losses::LogLoss(root, C(root, kBinary, {2, 3}), C(root, kProbabilities, {2, 3}), C(root, {1, 2, 3, 4}, {2, 2}));
    EXPECT_THAT(root.status().message(), HasSubstr("Mismatch at dim 1"));
  }
}

// What TensorFlow 2.21's tf.compat.v1.losses gives for the same data (printed by a script run
// once; the values above are this file's own computation).
TEST(LossesTest, MatchesTensorFlow) {
  Scope root = Scope::NewRootScope();
  Output l = C(root, kLabels, {2, 3}), p = C(root, kPredictions, {2, 3}), y = C(root, kBinary, {2, 3});
  Output z = C(root, kLogits, {2, 3});
  Output row_w = C(root, {1.5, 0}, {2, 1});
  std::vector<Output> fetches = {
      losses::MeanSquaredError(root, l, p, row_w, {.reduction = Reduction::SUM}),
      losses::MeanSquaredError(root, l, p, row_w, {.reduction = Reduction::MEAN}),
      losses::MeanSquaredError(root, l, p, row_w, {.reduction = Reduction::SUM_OVER_BATCH_SIZE}),
      losses::MeanSquaredError(root, l, p, row_w),
      losses::HuberLoss(root, l, p, C(root, {1, 0, 2}, {1, 3})),
      losses::LogLoss(root, y, C(root, kProbabilities, {2, 3})),
      losses::HingeLoss(root, y, z, C(root, {3, 0}, {2, 1})),
      losses::CosineDistance(root, C(root, {0.6, 0.8, 1, 0}, {2, 2}), C(root, {0.8, 0.6, 0, 1}, {2, 2}), 1,
                             C(root, {2, 1}, {2, 1})),
      losses::SoftmaxCrossEntropy(root, C(root, {0, 1, 0, 0, 0, 1}, {2, 3}), z, C(root, {1, 3}, {2}), 0.3),
      losses::SigmoidCrossEntropy(root, y, z, C(root, {1, 0, 2}, {1, 3}), 0.2),
      losses::SparseSoftmaxCrossEntropy(root, ops::Const(root, std::vector<int64_t>{1, 2}, {2, 1}), z,
                                        C(root, {0.5, 2}, {2, 1}), {.reduction = Reduction::SUM}),
      losses::MeanPairwiseSquaredError(root, l, p, C(root, {1, 2}, {2, 1}))};
  const Vec tf = {9.75,      2.1666667461395264, 1.625,     3.25,      1.2387499809265137, 0.43718668818473816,
                  2.5,       0.5399999618530273, 1.5060102939605713, 2.0429630279541016, 0.3639522194862366,
                  13.740001678466797};
  auto r = Fetch(root, fetches);
  for (size_t i = 0; i < tf.size(); ++i) EXPECT_NEAR(r[i][0], tf[i], 2e-6 * std::max(1.0, tf[i])) << "loss " << i;
}

// ---- Gradients -------------------------------------------------------------------------------

void ExpectGradientOk(const Scope& root, const Output& x, const Tensor& value, const Output& y, double tol = 2e-3) {
  ASSERT_TRUE(root.ok()) << root.status();
  auto err = test::ComputeGradientError(root, {x}, {value}, y);
  ASSERT_TRUE(err.ok()) << err.status();
  EXPECT_LT(*err, tol);
}

TEST(LossesGradientTest, RegressionLossesWithRespectToPredictions) {
  // Predictions away from the kinks (|error| 0 and delta, hinge margin 1).
  const Vec predictions = {1.3, 2.6, 0.5, 4.2, 7, 5.4};
  for (int which = 0; which < 4; ++which) {
    Scope root = Scope::NewRootScope();
    Output p = ops::Placeholder(root.WithOpName("p"), DT_FLOAT, {2, 3});
    Output l = C(root, kLabels, {2, 3});
    Output w = C(root, {1.5, 0.5}, {2, 1});
    Output y;
    switch (which) {
      case 0: y = losses::MeanSquaredError(root, l, p, w); break;
      case 1: y = losses::AbsoluteDifference(root, l, p, w, {.reduction = Reduction::MEAN}); break;
      case 2: y = losses::HuberLoss(root, l, p, w, 1.0, {.reduction = Reduction::SUM}); break;
      default: y = losses::MeanPairwiseSquaredError(root, l, p, w); break;
    }
    ExpectGradientOk(root, p, F(predictions, {2, 3}), y);
  }
}

TEST(LossesGradientTest, ClassificationLossesWithRespectToLogitsAndProbabilities) {
  for (int which = 0; which < 6; ++which) {
    Scope root = Scope::NewRootScope();
    Output z = ops::Placeholder(root.WithOpName("z"), DT_FLOAT, {2, 3});
    Tensor value = F(kLogits, {2, 3});
    Output y;
    switch (which) {
      case 0: y = losses::SigmoidCrossEntropy(root, C(root, kBinary, {2, 3}), z, C(root, {1, 2}, {2, 1}), 0.1); break;
      case 1: y = losses::SoftmaxCrossEntropy(root, C(root, {0, 1, 0, 0, 0, 1}, {2, 3}), z, C(root, {1, 2}, {2}), 0.2); break;
      case 2: y = losses::SparseSoftmaxCrossEntropy(root, ops::Const(root, {1, 2}), z, 1.0f, {.reduction = Reduction::SUM}); break;
      case 3: y = losses::HingeLoss(root, C(root, kBinary, {2, 3}), z, 1.0f, {.reduction = Reduction::SUM_OVER_BATCH_SIZE});
        value = F({1.3, 2, 0.5, -1.6, 0.2, 3}, {2, 3});
        break;
      case 4: y = losses::LogLoss(root, C(root, kBinary, {2, 3}), z);
        value = F(kProbabilities, {2, 3});
        break;
      default: y = losses::CosineDistance(root, C(root, {0.6, 0.8, 0, 1, 0, 0}, {2, 3}), z, 1); break;
    }
    ExpectGradientOk(root, z, value, y, which == 4 ? 1e-2 : 2e-3);
  }
}

// ---- Regularizers and the loss collections ------------------------------------------------------

TEST(RegularizersTest, PenaltiesAndNames) {
  Scope root = Scope::NewRootScope();
  Output w = C(root, {1, -2, 3, 0.5}, {2, 2});
  Output l1 = losses::L1Regularizer(0.1)(root, w);
  Output l2 = losses::L2Regularizer(0.1)(root, w);
  Output l1_l2 = losses::L1L2Regularizer(0.1, 0.2)(root, w);
  Output only_l2 = losses::L1L2Regularizer(0, 0.2)(root, w);
  Output summed = losses::SumRegularizer({losses::L1Regularizer(0.1), nullptr, losses::L2Regularizer(0.2)})(root, w);
  EXPECT_FALSE(losses::L2Regularizer(0)(root, w).valid());  // scale 0: no penalty, no error
  EXPECT_EQ(losses::SumRegularizer({nullptr}), nullptr);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(l1.node()->name(), "l1_regularizer");
  EXPECT_EQ(l2.node()->name(), "l2_regularizer");
  EXPECT_EQ(l1_l2.node()->name(), "l1_l2_regularizer");
  EXPECT_EQ(only_l2.node()->name(), "l1_l2_regularizer_1");
  EXPECT_EQ(summed.node()->name(), "sum_regularizer");
  const double abs_sum = 6.5, half_squares = (1 + 4 + 9 + 0.25) / 2;
  auto r = Fetch(root, {l1, l2, l1_l2, only_l2, summed});
  EXPECT_NEAR(r[0][0], 0.1 * abs_sum, 1e-6);
  EXPECT_NEAR(r[1][0], 0.1 * half_squares, 1e-6);
  EXPECT_NEAR(r[2][0], 0.1 * abs_sum + 0.2 * half_squares, 1e-6);
  EXPECT_NEAR(r[3][0], 0.2 * half_squares, 1e-6);
  EXPECT_NEAR(r[4][0], 0.1 * abs_sum + 0.2 * half_squares, 1e-6);
}

TEST(RegularizersTest, ApplyRegularizationAndTotalLoss) {
  Scope root = Scope::NewRootScope();
  Variable w1(root.WithOpName("w1"), F({1, -2}, {2}));
  Variable w2(root.WithOpName("w2"), F({3}, {1}));
  EXPECT_NEAR(FetchScalar(root, losses::GetRegularizationLoss(root)), 0.0, 0);  // none yet: a 0 constant
  Output penalty = losses::ApplyRegularization(root, losses::L2Regularizer(0.5), {w1.value(), w2.value()});
  Output loss = losses::MeanSquaredError(root, C(root, {0, 0}, {2}), C(root, {1, 3}, {2}));
  Output reg = losses::GetRegularizationLoss(root);
  Output total = losses::GetTotalLoss(root);
  Output without = losses::GetTotalLoss(root.WithOpName("data_loss"), false);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(penalty.node()->name(), "get_regularization_penalty");
  EXPECT_EQ(reg.node()->name(), "total_regularization_loss");
  EXPECT_EQ(total.node()->name(), "total_loss");
  EXPECT_EQ(without.node()->name(), "data_loss");
  EXPECT_THAT(root.GetCollection("regularization_losses"), ElementsAre(penalty.name()));
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &out));
  ASSERT_OK(session.Run({}, {penalty, reg, total, without}, &out));
  const double expected_penalty = 0.5 * (1 + 4) / 2 + 0.5 * 9 / 2;
  EXPECT_NEAR(out[0].scalar<float>(), expected_penalty, 1e-6);
  EXPECT_NEAR(out[1].scalar<float>(), expected_penalty, 1e-6);
  EXPECT_NEAR(out[2].scalar<float>(), expected_penalty + 5, 1e-5);
  EXPECT_NEAR(out[3].scalar<float>(), 5, 1e-6);
  // AddRegularizationLoss (what a layer's kernel_regularizer does) joins the sum.
  losses::AddRegularizationLoss(root, losses::L1Regularizer(1.0)(root.NewSubScope("w2"), w2.value()));
  losses::AddRegularizationLoss(root, Output());  // ignored
  Output reg2 = losses::GetRegularizationLoss(root);
  EXPECT_EQ(reg2.node()->name(), "total_regularization_loss_1");
  ASSERT_OK(session.Run({}, {reg2}, &out));
  EXPECT_NEAR(out[0].scalar<float>(), expected_penalty + 3, 1e-5);
}

TEST(RegularizersTest, AGradientDescentStepOnTheTotalLoss) {
  // total = mean((w - l)^2) + 0.5 * sum(w^2) / 2: d total / dw = 2 (w - l) / 2 + 0.5 w.
  Scope root = Scope::NewRootScope();
  Variable w(root.WithOpName("w"), F({1, -2}, {2}));
  losses::MeanSquaredError(root, C(root, {3, 0}, {2}), w.value());
  losses::ApplyRegularization(root, losses::L2Regularizer(0.5), {w.value()});
  Output total = losses::GetTotalLoss(root);
  Operation step = train::GradientDescentOptimizer(0.1f).Minimize(root, total);
  ASSERT_TRUE(root.ok()) << root.status();
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &out));
  ASSERT_OK(session.Run({}, {total}, {step}, &out));
  EXPECT_NEAR(out[0].scalar<float>(), (4 + 4) / 2.0 + 0.5 * 5 / 2, 1e-5);
  ASSERT_OK(session.Run({}, {w.value()}, &out));
  const Vec w0 = {1, -2}, l = {3, 0};
  for (int i = 0; i < 2; ++i) {
    EXPECT_NEAR(out[0].data<float>()[i], w0[i] - 0.1 * ((w0[i] - l[i]) + 0.5 * w0[i]), 1e-6) << i;
  }
}

TEST(RegularizersTest, GradientOfL1L2) {
  Scope root = Scope::NewRootScope();
  Output w = ops::Placeholder(root.WithOpName("w"), DT_FLOAT, {2, 2});
  Output penalty = losses::ApplyRegularization(root, losses::L1L2Regularizer(0.3, 0.7), {w});
  ExpectGradientOk(root, w, F({1, -2, 3, 0.5}, {2, 2}), penalty);
}

TEST(RegularizersTest, Errors) {
  {
    Scope root = Scope::NewRootScope();
    losses::L1Regularizer(-1)(root, C(root, {1}, {1}));
    EXPECT_THAT(root.status().message(), HasSubstr("l1_regularizer: the scale -1 is not a finite number >= 0"));
  }
  {
    Scope root = Scope::NewRootScope();
    losses::ApplyRegularization(root, losses::L2Regularizer(1), {});
    EXPECT_THAT(root.status().message(), HasSubstr("no weights to regularize"));
  }
  {
    Scope root = Scope::NewRootScope();
    losses::Regularizer not_scalar = [](const Scope& s, const Output& w) { return ops::Abs(s, w); };
    losses::ApplyRegularization(root, not_scalar, {C(root, {1, 2}, {2})});
    EXPECT_THAT(root.status().message(), HasSubstr("a regularizer must return a scalar"));
  }
  {
    Scope root = Scope::NewRootScope();
    EXPECT_FALSE(losses::GetTotalLoss(root).valid());
    EXPECT_THAT(root.status().message(), HasSubstr("GetTotalLoss: no losses"));
  }
  {
    Scope root = Scope::NewRootScope();
    root.AddToCollection("losses", "nowhere:0");
    EXPECT_TRUE(losses::GetLosses(root).empty());
    EXPECT_THAT(root.status().message(), HasSubstr("'nowhere:0' of collection 'losses' is not a tensor"));
  }
}

}  // namespace
}  // namespace sluice
