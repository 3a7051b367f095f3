// tf.metrics on hand-made data, streamed over two batches (update_op adds a batch, value reads
// the whole), the local variables and their initializer, AUC against the thresholded trapezoid
// computed here in double (and near the exact rank statistic), the confusion matrix and its
// errors, and early stopping sequences.
#include <algorithm>
#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Vec = std::vector<double>;

Tensor F(const Vec& v) {
  std::vector<float> f(v.begin(), v.end());
  return Tensor::FromVector(f);
}
Tensor I(const std::vector<int64_t>& v) { return Tensor::FromVector(v); }

double Scalar(const Tensor& t) { return t.dtype() == DT_DOUBLE ? t.scalar<double>() : t.scalar<float>(); }

// A session over `root` with its local variables initialized.
struct Streaming {
  explicit Streaming(const Scope& root) : session(root) {
    EXPECT_TRUE(root.ok()) << root.status();
    init = ops::LocalVariablesInitializer(root);
    EXPECT_TRUE(root.ok()) << root.status();
    Status s = session.Run({}, {}, {init});
    EXPECT_TRUE(s.ok()) << s;
  }
  // Runs the update ops on one batch; returns what they give.
  Vec Update(const std::vector<std::pair<Output, Tensor>>& feeds, const std::vector<Output>& updates) {
    std::vector<Tensor> out;
    Status s = session.Run(feeds, updates, &out);
    EXPECT_TRUE(s.ok()) << s;
    Vec r;
    for (const Tensor& t : out) r.push_back(Scalar(t));
    return r;
  }
  Vec Values(const std::vector<Output>& values) { return Update({}, values); }

  Session session;
  Operation init;
};

TEST(MetricsTest, AccuracyStreamsOverTwoBatches) {
  Scope root = Scope::NewRootScope();
  Output labels = ops::Placeholder(root.WithOpName("labels"), DT_INT64, {-1});
  Output predictions = ops::Placeholder(root.WithOpName("predictions"), DT_INT32, {-1, 1});  // squeezed
  metrics::MetricResult acc = metrics::Accuracy(root, labels, predictions);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(acc.value.node()->name(), "accuracy/value");
  EXPECT_EQ(acc.update_op.node()->name(), "accuracy/update_op");
  Streaming st(root);
  EXPECT_THAT(st.Values({acc.value}), ElementsAre(0.0));  // no count yet: 0
  Tensor p1(DT_INT32, {3, 1});
  std::vector<int32_t> pv = {1, 2, 0};
  std::copy(pv.begin(), pv.end(), p1.data<int32_t>());
  Tensor p2(DT_INT32, {2, 1});
  p2.data<int32_t>()[0] = 0;
  p2.data<int32_t>()[1] = 1;
  EXPECT_NEAR(st.Update({{labels, I({1, 2, 3})}, {predictions, p1}}, {acc.update_op})[0], 2.0 / 3, 1e-6);
  EXPECT_NEAR(st.Values({acc.value})[0], 2.0 / 3, 1e-6);
  EXPECT_NEAR(st.Update({{labels, I({0, 0})}, {predictions, p2}}, {acc.update_op})[0], 3.0 / 5, 1e-6);
  EXPECT_NEAR(st.Values({acc.value})[0], 3.0 / 5, 1e-6);
  // The initializer starts over.
  ASSERT_OK(st.session.Run({}, {}, {st.init}));
  EXPECT_THAT(st.Values({acc.value}), ElementsAre(0.0));
}

TEST(MetricsTest, LocalVariablesAreNotGlobal) {
  Scope root = Scope::NewRootScope();
  metrics::MetricResult acc = metrics::Accuracy(root, ops::Const(root, {1, 2}), ops::Const(root, {1, 1}));
  metrics::MetricResult named = metrics::Mean(root.WithOpName("loss_mean"), ops::Const(root, {1.0f, 2.0f}));
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_TRUE(root.global_variables().empty());
  EXPECT_THAT(root.GetCollection("local_variables"),
              ElementsAre("accuracy/total", "accuracy/count", "loss_mean/total", "loss_mean/count"));
  EXPECT_EQ(root.GetCollection("metric_variables"), root.GetCollection("local_variables"));
  std::vector<Variable> vars = ops::LocalVariables(root);
  ASSERT_EQ(vars.size(), 4u);
  EXPECT_EQ(vars[0].value().node()->name(), "accuracy/total/read");
  EXPECT_EQ(vars[0].initializer().name(), "accuracy/total/Assign");
  EXPECT_EQ(ops::MetricVariables(root).size(), 4u);
  EXPECT_EQ(named.value.node()->name(), "loss_mean/value");
  Operation init = ops::LocalVariablesInitializer(root);
  EXPECT_EQ(init.name(), "init");
  // An unrelated local variable is local but not a metric's.
  ops::LocalVariable(root.WithOpName("steps"), TensorShape{}, DT_INT64, /*metric=*/false);
  EXPECT_EQ(ops::LocalVariables(root).size(), 5u);
  EXPECT_EQ(ops::MetricVariables(root).size(), 4u);
}

TEST(MetricsTest, WeightedMean) {
  Scope root = Scope::NewRootScope();
  Output values = ops::Placeholder(root.WithOpName("v"), DT_FLOAT, {-1});
  Output weights = ops::Placeholder(root.WithOpName("w"), DT_FLOAT, {-1, 1});  // squeezed to [-1]
  metrics::MetricResult mean = metrics::Mean(root, values, weights);
  Streaming st(root);
  Tensor w1 = F({1, 0, 2});
  w1 = Tensor::FromVector(std::vector<float>{1, 0, 2}, {3, 1});
  EXPECT_NEAR(st.Update({{values, F({1, 2, 3})}, {weights, w1}}, {mean.update_op})[0], 7.0 / 3, 1e-6);
  Tensor w2 = Tensor::FromVector(std::vector<float>{1}, {1, 1});
  EXPECT_NEAR(st.Update({{values, F({4})}, {weights, w2}}, {mean.update_op})[0], 11.0 / 4, 1e-6);
  EXPECT_NEAR(st.Values({mean.value})[0], 11.0 / 4, 1e-6);
}

TEST(MetricsTest, WeightsOfUnknownShapeAreCheckedWhenRun) {
  Scope root = Scope::NewRootScope();
  Output weights = ops::Placeholder(root.WithOpName("w"), DT_FLOAT);
  Output values = ops::Const(root, Tensor::FromVector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3}));
  metrics::MetricResult mean = metrics::Mean(root, values, weights);
  Streaming st(root);
  std::vector<Tensor> out;
  // NumPy would broadcast [3] against [2, 3]; TF's weights must have the values' rank.
  EXPECT_THAT(st.session.Run({{weights, F({1, 0, 1})}}, {mean.update_op}, &out).message(),
              HasSubstr("weights can not be broadcast to values"));
  ASSERT_OK(st.session.Run({{weights, Tensor::FromVector(std::vector<float>{1, 0, 1}, {1, 3})}}, {mean.update_op}, &out));
  EXPECT_NEAR(out[0].scalar<float>(), (1 + 3 + 4 + 6) / 4.0, 1e-6);
}

TEST(MetricsTest, PrecisionRecallAndCounts) {
  Scope root = Scope::NewRootScope();
  Output labels = ops::Placeholder(root.WithOpName("labels"), DT_INT64, {-1});
  Output predictions = ops::Placeholder(root.WithOpName("predictions"), DT_FLOAT, {-1});
  metrics::MetricResult precision = metrics::Precision(root, labels, predictions);
  metrics::MetricResult recall = metrics::Recall(root, labels, predictions);
  metrics::MetricResult tp = metrics::TruePositives(root, labels, predictions);
  metrics::MetricResult fp = metrics::FalsePositives(root, labels, predictions);
  metrics::MetricResult tn = metrics::TrueNegatives(root, labels, predictions);
  metrics::MetricResult fn = metrics::FalseNegatives(root, labels, predictions);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(precision.value.node()->name(), "precision/value");
  EXPECT_THAT(root.GetCollection("local_variables"),
              ::testing::IsSupersetOf({"precision/true_positives/count", "precision/false_positives/count",
                                       "recall/true_positives/count", "recall/false_negatives/count"}));
  std::vector<Output> updates = {precision.update_op, recall.update_op, tp.update_op,
                                 fp.update_op,        tn.update_op,     fn.update_op};
  std::vector<Output> values = {precision.value, recall.value, tp.value, fp.value, tn.value, fn.value};
  Streaming st(root);
  EXPECT_THAT(st.Values(values), ElementsAre(0, 0, 0, 0, 0, 0));  // no positives: 0, not NaN
  // Batch 1: labels 1 0 1, predictions 1 1 0: tp 1, fp 1, fn 1.
  EXPECT_THAT(st.Update({{labels, I({1, 0, 1})}, {predictions, F({1, 0.5, 0})}}, updates),
              ElementsAre(0.5, 0.5, 1, 1, 0, 1));
  // Batch 2: labels 1 0 0, predictions 1 0 1: tp 1, tn 1, fp 1.
  st.Update({{labels, I({1, 0, 0})}, {predictions, F({2, 0, 1})}}, updates);
  EXPECT_THAT(st.Values(values), ElementsAre(0.5, ::testing::DoubleNear(2.0 / 3, 1e-6), 2, 2, 1, 1));
}

TEST(MetricsTest, WeightedPrecision) {
  Scope root = Scope::NewRootScope();
  Output w = ops::Const(root, Tensor::FromVector(std::vector<float>{2, 1, 0.5, 3}));
  metrics::MetricResult p = metrics::Precision(root, ops::Const(root, {1, 0, 0, 1}), ops::Const(root, {1, 1, 1, 0}), w);
  Streaming st(root);
  EXPECT_NEAR(st.Update({}, {p.update_op})[0], 2.0 / (2 + 1 + 0.5), 1e-6);
}

TEST(MetricsTest, RegressionMetrics) {
  Scope root = Scope::NewRootScope();
  Output labels = ops::Const(root, Tensor::FromVector(std::vector<float>{1, 2, 3, 4}));
  Output predictions = ops::Const(root, Tensor::FromVector(std::vector<float>{1.5, 2, 1, 5}));
  metrics::MetricResult mse = metrics::MeanSquaredError(root, labels, predictions);
  metrics::MetricResult mae = metrics::MeanAbsoluteError(root, labels, predictions);
  metrics::MetricResult rmse = metrics::RootMeanSquaredError(root, labels, predictions);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(mse.value.node()->name(), "mean_squared_error/value");
  Streaming st(root);
  Vec r = st.Update({}, {mse.update_op, mae.update_op, rmse.update_op});
  const double squared = (0.25 + 0 + 4 + 1) / 4;
  EXPECT_NEAR(r[0], squared, 1e-6);
  EXPECT_NEAR(r[1], (0.5 + 0 + 2 + 1) / 4, 1e-6);
  EXPECT_NEAR(r[2], std::sqrt(squared), 1e-6);
  EXPECT_NEAR(st.Values({rmse.value})[0], std::sqrt(squared), 1e-6);
}

// ---- AUC -------------------------------------------------------------------------------------

// TF1's thresholded AUC, computed here: thresholds as float32 (as TF's constant), counts in
// double, then the summation.
double ReferenceAuc(const Vec& labels, const Vec& predictions, const Vec& weights, int num_thresholds,
                    metrics::AucCurve curve, metrics::AucSummation method) {
  std::vector<float> thresholds = {static_cast<float>(-1e-7)};
  for (int i = 0; i < num_thresholds - 2; ++i) thresholds.push_back(static_cast<float>((i + 1) * 1.0 / (num_thresholds - 1)));
  thresholds.push_back(static_cast<float>(1 + 1e-7));
  size_t n = thresholds.size();
  Vec tp(n), fp(n), tn(n), fn(n);
  for (size_t t = 0; t < n; ++t) {
    for (size_t i = 0; i < labels.size(); ++i) {
      bool pos = static_cast<float>(predictions[i]) > thresholds[t];
      bool label = labels[i] != 0;
      double w = weights.empty() ? 1 : weights[i];
      (label ? (pos ? tp : fn) : (pos ? fp : tn))[t] += w;
    }
  }
  const double eps = 1e-6;
  double auc = 0;
  auto xy = [&](size_t t, double* x, double* y) {
    double rec = (tp[t] + eps) / (tp[t] + fn[t] + eps);
    if (curve == metrics::AucCurve::ROC) {
      *x = fp[t] / (fp[t] + tn[t] + eps);
      *y = rec;
    } else {
      *x = rec;
      *y = (tp[t] + eps) / (tp[t] + fp[t] + eps);
    }
  };
  for (size_t t = 0; t + 1 < n; ++t) {
    double x0, y0, x1, y1;
    xy(t, &x0, &y0);
    xy(t + 1, &x1, &y1);
    double height = method == metrics::AucSummation::MINORING   ? std::min(y0, y1)
                    : method == metrics::AucSummation::MAJORING ? std::max(y0, y1)
                                                                : (y0 + y1) / 2;
    auc += (x0 - x1) * height;
  }
  return auc;
}

const Vec kAucLabels = {0, 0, 1, 1, 0, 1, 1, 0};
const Vec kAucPredictions = {0.1, 0.4, 0.35, 0.8, 0.7, 0.9, 0.55, 0.2};

TEST(MetricsTest, AucStreamsAndMatchesTheTrapezoid) {
  Scope root = Scope::NewRootScope();
  Output labels = ops::Placeholder(root.WithOpName("labels"), DT_INT64, {-1});
  Output predictions = ops::Placeholder(root.WithOpName("predictions"), DT_FLOAT, {-1});
  metrics::MetricResult auc = metrics::Auc(root, labels, predictions);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(auc.value.node()->name(), "auc/value");
  EXPECT_THAT(root.GetCollection("local_variables"),
              ElementsAre("auc/true_positives", "auc/false_negatives", "auc/true_negatives", "auc/false_positives"));
  Streaming st(root);
  std::vector<int64_t> l(kAucLabels.begin(), kAucLabels.end());
  st.Update({{labels, I({l.begin(), l.begin() + 4})},
             {predictions, F(Vec(kAucPredictions.begin(), kAucPredictions.begin() + 4))}},
            {auc.update_op});
  double streamed = st.Update({{labels, I({l.begin() + 4, l.end()})},
                               {predictions, F(Vec(kAucPredictions.begin() + 4, kAucPredictions.end()))}},
                              {auc.update_op})[0];
  double expected = ReferenceAuc(kAucLabels, kAucPredictions, {}, 200, metrics::AucCurve::ROC,
                                 metrics::AucSummation::TRAPEZOIDAL);
  EXPECT_NEAR(streamed, expected, 1e-5);
  EXPECT_NEAR(st.Values({auc.value})[0], expected, 1e-5);
  // The exact area (the share of positive-negative pairs ranked right) is 13/16; no two
  // predictions share a threshold bin, so the thresholded trapezoid is that too, up to the
  // epsilons.
  EXPECT_NEAR(expected, 13.0 / 16, 1e-4);
}

TEST(MetricsTest, AucCurvesSummationsAndWeights) {
  const Vec weights = {1, 2, 0.5, 1, 3, 1, 2, 1};
  struct Case {
    metrics::AucCurve curve;
    metrics::AucSummation method;
    int num_thresholds;
  };
  for (const Case& c : {Case{metrics::AucCurve::ROC, metrics::AucSummation::TRAPEZOIDAL, 5},
                        Case{metrics::AucCurve::ROC, metrics::AucSummation::MINORING, 10},
                        Case{metrics::AucCurve::ROC, metrics::AucSummation::MAJORING, 200},
                        Case{metrics::AucCurve::PR, metrics::AucSummation::TRAPEZOIDAL, 50}}) {
    Scope root = Scope::NewRootScope();
    std::vector<int64_t> l(kAucLabels.begin(), kAucLabels.end());
    metrics::MetricResult auc =
        metrics::Auc(root, ops::Const(root, I(l)), ops::Const(root, F(kAucPredictions)), ops::Const(root, F(weights)),
                     {.num_thresholds = c.num_thresholds, .curve = c.curve, .summation_method = c.method});
    Streaming st(root);
    EXPECT_NEAR(st.Update({}, {auc.update_op})[0],
                ReferenceAuc(kAucLabels, kAucPredictions, weights, c.num_thresholds, c.curve, c.method), 1e-5)
        << c.num_thresholds;
  }
}

TEST(MetricsTest, AucCarefulInterpolationOfAPerfectRanking) {
  // Positives all above negatives: the precision-recall curve is 1 everywhere.
  Scope root = Scope::NewRootScope();
  metrics::MetricResult auc = metrics::Auc(
      root, ops::Const(root, {0, 0, 1, 1}), ops::Const(root, Tensor::FromVector(std::vector<float>{0.1, 0.2, 0.8, 0.9})),
      Output(), {.curve = metrics::AucCurve::PR, .summation_method = metrics::AucSummation::CAREFUL_INTERPOLATION});
  Streaming st(root);
  EXPECT_NEAR(st.Update({}, {auc.update_op})[0], 1.0, 1e-5);
}

TEST(MetricsTest, AucRejectsPredictionsOutsideZeroOne) {
  Scope root = Scope::NewRootScope();
  Output predictions = ops::Placeholder(root.WithOpName("p"), DT_FLOAT, {-1});
  metrics::MetricResult auc = metrics::Auc(root, ops::Const(root, {0, 1}), predictions);
  Streaming st(root);
  std::vector<Tensor> out;
  Status s = st.session.Run({{predictions, F({0.5, 1.5})}}, {auc.update_op}, &out);
  EXPECT_THAT(s.message(), HasSubstr("predictions must be in [0, 1]"));
  Scope bad = Scope::NewRootScope();
  metrics::Auc(bad, ops::Const(bad, {0}), ops::Const(bad, {0.5f}), Output(), {.num_thresholds = 1});
  EXPECT_THAT(bad.status().message(), HasSubstr("num_thresholds 1 is less than 2"));
}

// What TensorFlow 2.21's tf.compat.v1.metrics gives for the same data (printed by a script run
// once): auc's update_op after one batch.
TEST(MetricsTest, AucMatchesTensorFlow) {
  const Vec weights = {1, 2, 0.5, 1, 3, 1, 2, 1};
  using metrics::AucCurve;
  using metrics::AucSummation;
  struct Case {
    bool weighted;
    metrics::AucOptions options;
    double tf;
  };
  const std::vector<Case> cases = {
      {false, {}, 0.8124999},
      {true, {.num_thresholds = 5}, 0.84126973},
      {true, {.num_thresholds = 50, .curve = AucCurve::PR}, 0.71132445},
      {true, {.summation_method = AucSummation::MAJORING}, 0.7301587},
      {true, {.num_thresholds = 10, .summation_method = AucSummation::MINORING}, 0.7301587},
      {true, {.curve = AucCurve::PR, .summation_method = AucSummation::CAREFUL_INTERPOLATION}, 0.7156105}};
  for (const Case& c : cases) {
    Scope root = Scope::NewRootScope();
    std::vector<int64_t> l(kAucLabels.begin(), kAucLabels.end());
    metrics::MetricResult auc = metrics::Auc(root, ops::Const(root, I(l)), ops::Const(root, F(kAucPredictions)),
                                             c.weighted ? ops::Const(root, F(weights)) : Output(), c.options);
    Streaming st(root);
    EXPECT_NEAR(st.Update({}, {auc.update_op})[0], c.tf, 2e-6) << c.options.num_thresholds;
  }
}

TEST(MetricsTest, ShapeErrorsNameTheMetric) {
  {
    Scope root = Scope::NewRootScope();
    metrics::Accuracy(root, ops::Const(root, {1, 2, 3}), ops::Const(root, {1, 2}));
    EXPECT_THAT(root.status().message(), HasSubstr("accuracy: the shape of predictions [2] is not compatible"));
  }
  {
    Scope root = Scope::NewRootScope();
    metrics::Mean(root, ops::Const(root, Tensor::FromVector(std::vector<float>{1, 2, 3, 4}, {2, 2})),
                  ops::Const(root, Tensor::FromVector(std::vector<float>{1, 2, 3}, {1, 3})));
    EXPECT_THAT(root.status().message(), HasSubstr("mean: weights can not be broadcast to values"));
  }
  {
    Scope root = Scope::NewRootScope();
    metrics::Recall(root.WithOpName("r"), ops::Const(root, {1, 0}), ops::Const(root, {1, 0}),
                    ops::Const(root, Tensor::FromVector(std::vector<float>{1, 2, 3, 4}, {2, 1, 2})));
    EXPECT_THAT(root.status().message(), HasSubstr("r: weights of shape [2,1,2] are neither a scalar nor of the rank"));
  }
}

// ---- Confusion matrix ------------------------------------------------------------------------

TEST(ConfusionMatrixTest, CountsAndWeights) {
  Scope root = Scope::NewRootScope();
  Output labels = ops::Const(root, {0, 1, 2, 1});
  Output predictions = ops::Const(root, std::vector<int64_t>{0, 2, 2, 1}, {4, 1});  // squeezed
  Output cm = metrics::ConfusionMatrix(root, labels, predictions);
  Output cm4 = metrics::ConfusionMatrix(root, labels, predictions, ops::Const(root, 4),
                                        ops::Const(root, Tensor::FromVector(std::vector<float>{1, 0.5, 2, 3})), DT_FLOAT);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(cm.node()->name(), "confusion_matrix");
  test::ExpectTensorEqual(test::RunOne(root, cm),
                          Tensor::FromVector(std::vector<int32_t>{1, 0, 0, 0, 1, 1, 0, 0, 1}, {3, 3}));
  test::ExpectTensorEqual(test::RunOne(root, cm4),
                          Tensor::FromVector(std::vector<float>{1, 0, 0, 0, 0, 3, 0.5, 0, 0, 0, 2, 0, 0, 0, 0, 0},
                                             {4, 4}));
}

TEST(ConfusionMatrixTest, OutOfRangeValuesFailTheRun) {
  Scope root = Scope::NewRootScope();
  Output labels = ops::Placeholder(root.WithOpName("labels"), DT_INT64, {-1});
  Output cm = metrics::ConfusionMatrix(root, labels, ops::Const(root, std::vector<int64_t>{0, 1}, {2}),
                                       ops::Const(root, 3));
  ASSERT_TRUE(root.ok()) << root.status();
  Session session(root);
  std::vector<Tensor> out;
  EXPECT_THAT(session.Run({{labels, I({0, 3})}}, {cm}, &out).message(), HasSubstr("`labels` out of bound"));
  EXPECT_THAT(session.Run({{labels, I({-1, 0})}}, {cm}, &out).message(), HasSubstr("`labels` contains negative values"));
  ASSERT_OK(session.Run({{labels, I({2, 2})}}, {cm}, &out));
  test::ExpectTensorEqual(out[0], Tensor::FromVector(std::vector<int32_t>{0, 0, 0, 0, 0, 0, 1, 1, 0}, {3, 3}));

  Scope bad = Scope::NewRootScope();
  metrics::ConfusionMatrix(bad, ops::Const(bad, {0, 1}), ops::Const(bad, {0, 1, 1}));
  EXPECT_THAT(bad.status().message(), HasSubstr("confusion_matrix: the shape of predictions [3] is not compatible"));
}

// ---- Early stopping --------------------------------------------------------------------------

TEST(EarlyStoppingTest, StopsAfterPatienceUpdatesWithoutImprovement) {
  train::EarlyStopping stopper({.patience = 2, .min_delta = 0.01, .mode = train::EarlyStopping::Mode::kMin});
  EXPECT_TRUE(std::isnan(stopper.best()));
  EXPECT_EQ(stopper.best_epoch(), -1);
  std::vector<bool> stops;
  for (double loss : {1.0, 0.8, 0.795, 0.7, 0.71, 0.705}) stops.push_back(stopper.Update(loss));
  // 0.795 is not better than 0.8 by more than 0.01 (wait 1); 0.7 is (wait 0); then two more.
  EXPECT_THAT(stops, ElementsAre(false, false, false, false, false, true));
  EXPECT_EQ(stopper.best(), 0.7);
  EXPECT_EQ(stopper.best_epoch(), 3);
  EXPECT_EQ(stopper.wait(), 2);
  EXPECT_EQ(stopper.epochs(), 6);
  EXPECT_TRUE(stopper.should_stop());
  EXPECT_TRUE(stopper.Update(0.1));  // stays stopped
  stopper.Reset();
  EXPECT_FALSE(stopper.should_stop());
  EXPECT_EQ(stopper.epochs(), 0);
}

TEST(EarlyStoppingTest, MaxModeAndNaN) {
  train::EarlyStopping stopper({.patience = 3, .mode = train::EarlyStopping::Mode::kMax});
  std::vector<bool> stops;
  for (double acc : {double{NAN}, 0.5, 0.6, 0.6, double{NAN}, 0.55}) stops.push_back(stopper.Update(acc));
  EXPECT_THAT(stops, ElementsAre(false, false, false, false, false, true));
  EXPECT_EQ(stopper.best(), 0.6);
  EXPECT_EQ(stopper.best_epoch(), 2);
  train::EarlyStopping immediate;  // patience 0: the first update without improvement stops
  EXPECT_FALSE(immediate.Update(3));
  EXPECT_FALSE(immediate.Update(2));
  EXPECT_TRUE(immediate.Update(2));
}

}  // namespace
}  // namespace sluice
